//! Fuzzes the NTLM CHALLENGE_MESSAGE parser (and the demo's NEGOTIATE parser) with server bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vendor_audit::msgs::ntlm;

fuzz_target!(|data: &[u8]| {
    let _ = ntlm::parse_challenge(data);
    let _ = ntlm::parse_negotiate(data);
    // Also behind a valid header, so the fuzzer reaches the security buffers and AV pairs early.
    let mut framed = ntlm::SIGNATURE.to_vec();
    framed.extend_from_slice(&ntlm::CHALLENGE_TYPE.to_le_bytes());
    framed.extend_from_slice(data);
    if let Ok(c) = ntlm::parse_challenge(&framed) {
        let _ = c.version.map(|v| v.to_string());
    }
});
