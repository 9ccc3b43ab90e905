//! Fuzzes the RFB parsers with arbitrary server bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vendor_audit::msgs::rfb::{self, Version};

fuzz_target!(|data: &[u8]| {
    let _ = rfb::looks_like_rfb(data);
    let _ = rfb::parse_version(data);
    let _ = rfb::parse_vencrypt_version(data);
    if let Ok((_, n)) = rfb::parse_vencrypt_subtypes(data) {
        assert!(n <= data.len());
    }
    for v in [Version::V3_3, Version::V3_7, Version::V3_8] {
        let _ = rfb::parse_security(data, v);
        if let Some(n) = rfb::security_complete(data, v) {
            assert!(n <= data.len());
        }
    }
});
