//! Fuzzes the sweep's HTTP response framing and the Orthanc recognisers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vendor_audit::msgs::http;

fuzz_target!(|data: &[u8]| {
    let _ = http::looks_like_http(data);
    let _ = http::response_complete(data);
    if let Ok(r) = http::parse_response(data) {
        let _ = http::orthanc_fingerprint(&r.head);
        let _ = http::orthanc_system(&r.body);
    }
});
