//! Fuzzes the X.224 Connection Confirm/Request parsers and the TPKT framing with server bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vendor_audit::msgs::x224;

fuzz_target!(|data: &[u8]| {
    if let Some(len) = x224::tpkt_complete(data) {
        let _ = x224::parse_connection_confirm(data.get(..len).unwrap_or(data));
    }
    let _ = x224::parse_connection_confirm(data);
    let _ = x224::parse_connection_request(data);
});
