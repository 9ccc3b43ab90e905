//! Fuzzes the sweep's HTTP response framing (head, Content-Length, chunked body) and the
//! Orthanc recognisers, with the invariant that no parsed length exceeds the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vendor_audit::msgs::http;

fuzz_target!(|data: &[u8]| {
    let _ = http::looks_like_http(data);
    if let Some(n) = http::response_complete(data) {
        assert!(n <= data.len(), "complete at {n} of {}", data.len());
    }
    if let Ok(head) = http::parse_head(data) {
        assert!(head.len <= data.len());
        let _ = head.body_until_close();
    }
    if let Ok(r) = http::parse_response(data) {
        assert!(r.head.len <= data.len());
        assert!(r.body.len() <= data.len());
        let _ = http::orthanc_fingerprint(&r.head);
        let _ = http::orthanc_system(&r.body);
    }
});
