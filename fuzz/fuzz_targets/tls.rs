//! Fuzzes the TLS record framing, the parser of a server's answer to a ClientHello, the
//! ServerKeyExchange DH parameters, and the demo server's parser of a client's ClientHello.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vendor_audit::msgs::{tls, tls_server};

fuzz_target!(|data: &[u8]| {
    if let Some(n) = tls::record_complete(data) {
        assert!(n <= data.len());
    }
    if let Some(n) = tls::flight_complete(data) {
        assert!(n <= data.len());
        let _ = tls::parse_server_answer(data.get(..n).unwrap_or(data));
    }
    let _ = tls::parse_server_answer(data);
    let _ = tls::parse_server_hello(data);
    let _ = tls::parse_certificate_list(data);
    let _ = tls::parse_dh_params(data, false).map(|dh| dh.prime_bits());
    let _ = tls::parse_dh_params(data, true);
    let _ = tls_server::parse_client_hello(data);
});
