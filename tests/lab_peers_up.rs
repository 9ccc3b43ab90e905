//! Is the loopback lab up? One test per peer: when these fail, the lab is
//! down — run the suite with `bash tests/run-all.sh`, which starts it.

mod common;

use common::*;

#[test]
fn lab_xrdp_negotiate_is_up() {
    require_peer(XRDP_NEGOTIATE);
}

#[test]
fn lab_xrdp_rdp_is_up() {
    require_peer(XRDP_RDP);
}

#[test]
fn lab_xrdp_tls_is_up() {
    require_peer(XRDP_TLS);
}

#[test]
fn lab_freerdp_nla_is_up() {
    require_peer(FREERDP_NLA);
}

#[test]
fn lab_vnc_shadow_display_is_up() {
    require_peer(VNC_SHADOW_DISPLAY);
}

#[test]
fn lab_vnc_none_is_up() {
    require_peer(VNC_NONE);
}

#[test]
fn lab_vnc_auth_is_up() {
    require_peer(VNC_AUTH);
}

#[test]
fn lab_orthanc_any_ae_is_up() {
    require_peer(ORTHANC_ANY_AE);
}

#[test]
fn lab_orthanc_strict_ae_is_up() {
    require_peer(ORTHANC_STRICT_AE);
}

#[test]
fn lab_storescp_is_up() {
    require_peer(STORESCP);
}

#[test]
fn lab_sshd_is_up() {
    require_peer(SSHD);
}

#[test]
fn lab_tls_modern_is_up() {
    require_peer(TLS_MODERN);
}

#[test]
fn lab_tls_legacy_is_up() {
    require_peer(TLS_LEGACY);
}

#[test]
fn lab_tls_expired_is_up() {
    require_peer(TLS_EXPIRED);
}

#[test]
fn lab_tls_selfsigned_is_up() {
    require_peer(TLS_SELFSIGNED);
}

#[test]
fn lab_tls_tls13_is_up() {
    require_peer(TLS_TLS13);
}

#[test]
fn lab_tls_weak_is_up() {
    require_peer(TLS_WEAK);
}

#[test]
fn wait_for_port_times_out_on_a_closed_port() {
    // 127.0.0.69:1 is in no lab config: nothing listens there.
    let t = std::time::Instant::now();
    let r = wait_for_port("127.0.0.69:1", std::time::Duration::from_millis(200));
    assert!(r.is_err());
    assert!(t.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn lab_form_app_leaky_is_up() {
    require_peer(FORM_APP_LEAKY);
}

#[test]
fn lab_form_app_correct_is_up() {
    require_peer(FORM_APP_CORRECT);
}

#[test]
fn lab_form_varnish_is_up() {
    require_peer(FORM_VARNISH);
}

#[test]
fn lab_form_nginx_cache_is_up() {
    require_peer(FORM_NGINX_CACHE);
}

#[test]
fn lab_form_squid_is_up() {
    require_peer(FORM_SQUID);
}

#[test]
fn lab_form_tls_leaky_is_up() {
    require_peer(FORM_TLS_LEAKY);
}

#[test]
fn lab_form_tls_correct_is_up() {
    require_peer(FORM_TLS_CORRECT);
}

#[test]
fn lab_orthanc_rest_open_is_up() {
    require_peer(ORTHANC_REST_OPEN);
}

#[test]
fn lab_orthanc_rest_auth_is_up() {
    require_peer(ORTHANC_REST_AUTH);
}

#[test]
fn lab_orthanc_tls_is_up() {
    require_peer(ORTHANC_TLS);
}

#[test]
fn lab_orthanc_hidden_is_up() {
    require_peer(ORTHANC_HIDDEN);
}

#[test]
fn lab_tls_dh1024_is_up() {
    require_peer(TLS_DH1024);
}

#[test]
fn lab_tls_dh2048_is_up() {
    require_peer(TLS_DH2048);
}

#[test]
fn lab_tls_notyet_is_up() {
    require_peer(TLS_NOTYET);
}

#[test]
fn lab_tls_big_is_up() {
    require_peer(TLS_BIG);
}

#[test]
fn lab_tls_v6_is_up() {
    require_peer(TLS_V6);
}

#[test]
fn lab_tls_gnutls_ffdhe_is_up() {
    require_peer(TLS_GNUTLS_FFDHE);
}
