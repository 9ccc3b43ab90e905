//! Fuzzes the SMB negotiate response parser.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vendor_audit::msgs::smb;

fuzz_target!(|data: &[u8]| {
    if let Some(n) = smb::message_complete(data) {
        assert!(n <= data.len());
    }
    let _ = smb::parse_negotiate_response(data);
});
