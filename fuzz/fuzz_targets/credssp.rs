//! Fuzzes the CredSSP TSRequest decoder and its DER framing with server bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vendor_audit::msgs::credssp;

fuzz_target!(|data: &[u8]| {
    let _ = credssp::ts_request_complete(data);
    if let Ok(req) = credssp::decode_ts_request(data) {
        // A decoded request re-encodes without panicking.
        let _ = req.encode();
    }
});
