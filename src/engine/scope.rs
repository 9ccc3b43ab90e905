//! Scope: every asset is probed only because the inventory lists it. Names resolve through the
//! inventory's `[audit.resolve]` map or DNS; a name that resolves to a loopback, private or
//! link-local address is refused unless `allow_private` (a literal address is always allowed).

use std::net::IpAddr;
use std::time::Duration;

use crate::catalog::Text;
use crate::diagnostic::both;
use crate::inventory::AuditSettings;

/// The address to probe for `name`, or why not (in English: for the HTTP client's resolver).
pub async fn resolve(
    name: &str,
    audit: &AuditSettings,
    timeout: Duration,
) -> Result<IpAddr, String> {
    resolve_both(name, audit, timeout)
        .await
        .map_err(|why| why.en)
}

/// The address to probe for `name`, or why not in English and Japanese (the resolver's own
/// error is quoted as the system gave it).
pub async fn resolve_both(
    name: &str,
    audit: &AuditSettings,
    timeout: Duration,
) -> Result<IpAddr, Text> {
    if let Ok(ip) = name
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return Ok(ip);
    }
    if let Some(ip) = audit.resolve.get(&name.to_ascii_lowercase()) {
        return Ok(*ip);
    }
    let lookup = tokio::time::timeout(timeout, tokio::net::lookup_host((name, 0))).await;
    let addrs: Vec<IpAddr> = match lookup {
        Err(_) => {
            let secs = timeout.as_secs();
            return Err(both(
                format!("`{name}` did not resolve within {secs}s"),
                format!("`{name}` の名前解決が {secs} 秒以内に終わらなかった"),
            ));
        }
        Ok(Err(e)) => {
            return Err(both(
                format!("`{name}` does not resolve: {e}"),
                format!("`{name}` を名前解決できない（原文: \"{e}\"）"),
            ))
        }
        Ok(Ok(addrs)) => addrs.map(|a| a.ip()).collect(),
    };
    let Some(ip) = addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
    else {
        return Err(both(
            format!("`{name}` resolves to no address"),
            format!("`{name}` を名前解決してもアドレスが得られない"),
        ));
    };
    if !audit.allow_private && is_internal(ip) {
        return Err(both(
            format!(
                "`{name}` resolves to {ip}, a loopback, private or link-local address: refused \
                 (set `allow_private = true` in [audit], or write the address in the inventory)"
            ),
            format!(
                "`{name}` の名前解決結果 {ip} はループバック、プライベートまたはリンクローカルの\
                 アドレスであるため、監査の対象にしない（[audit] に `allow_private = true` を書くか、\
                 委託先一覧にアドレスを書く）"
            ),
        ));
    }
    Ok(ip)
}

/// Loopback, private (RFC 1918, ULA), link-local, unspecified or CGNAT addresses.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn audit(allow_private: bool) -> AuditSettings {
        AuditSettings {
            timezone: chrono_tz::Asia::Tokyo,
            fiscal_year_start: (4, 1),
            trust: vec![],
            history: None,
            allow_private,
            resolve: BTreeMap::from([(
                "xray.example.lab".to_string(),
                "127.0.0.31".parse().unwrap(),
            )]),
            contact: None,
            proxy: None,
        }
    }

    #[tokio::test]
    async fn literal_and_mapped_addresses_are_always_allowed() {
        let t = Duration::from_secs(2);
        assert_eq!(
            resolve("127.0.0.5", &audit(false), t).await,
            Ok("127.0.0.5".parse().unwrap())
        );
        assert_eq!(
            resolve("XRAY.example.lab", &audit(false), t).await,
            Ok("127.0.0.31".parse().unwrap())
        );
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_unless_allowed() {
        let t = Duration::from_secs(2);
        let err = resolve("localhost", &audit(false), t).await.unwrap_err();
        assert!(err.contains("allow_private"), "{err}");
        // The same refusal in Japanese, with the name, the address and the way out.
        let err = resolve_both("localhost", &audit(false), t)
            .await
            .unwrap_err();
        assert!(
            err.ja
                .starts_with("`localhost` の名前解決結果 127.0.0.1 はループバック")
                && err.ja.contains("`allow_private = true`"),
            "{err:?}"
        );
        assert_eq!(crate::i18n::english_prose(&err.ja), Vec::<String>::new());
        assert!(resolve("localhost", &audit(true), t)
            .await
            .unwrap()
            .is_loopback());
    }

    #[test]
    fn internal_ranges() {
        for internal in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "127.0.0.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
        ] {
            assert!(is_internal(internal.parse().unwrap()), "{internal}");
        }
        for public in ["8.8.8.8", "203.0.113.7", "2001:db8::1"] {
            assert!(!is_internal(public.parse().unwrap()), "{public}");
        }
    }
}
