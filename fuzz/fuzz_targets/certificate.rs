//! Fuzzes the certificate analysis with a server's chain: x509-parser description, webpki path
//! and name checks, weak-signature scan. Input: certificates as 2-byte big-endian length +
//! DER, up to four; the first byte picks the probed name.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vendor_audit::certificate::{self, Source, TrustAnchors};

const NAMES: [&str; 4] = [
    "inter.vectors.test",
    "192.0.2.7",
    "[2001:db8::7]",
    "bad name",
];

fn trust() -> &'static TrustAnchors {
    static TRUST: OnceLock<TrustAnchors> = OnceLock::new();
    TRUST.get_or_init(|| {
        let mut t = TrustAnchors::empty();
        let pem = include_str!("../../tests/vectors/cert/root.pem");
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        if let Some(der) = decode_base64(&b64) {
            let _ = t.add_der(&der);
        }
        t
    })
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s.as_bytes().iter().filter(|&&c| c != b'=') {
        acc = (acc << 6) | val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xFF) as u8);
        }
    }
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, mut rest)) = data.split_first() else {
        return;
    };
    let mut chain = Vec::new();
    while chain.len() < 4 {
        let Some((len, tail)) = rest.split_first_chunk::<2>() else {
            break;
        };
        let len = usize::from(u16::from_be_bytes(*len));
        let take = len.min(tail.len());
        chain.push(tail.get(..take).unwrap_or_default().to_vec());
        rest = tail.get(take..).unwrap_or_default();
    }
    let _ = certificate::describe(data);
    let source = Source {
        how: "fuzz".into(),
        suite: None,
    };
    let now = chrono::DateTime::parse_from_rfc3339("2030-06-01T00:00:00Z").unwrap_or_default();
    let name = NAMES
        .get(usize::from(pick) % NAMES.len())
        .copied()
        .unwrap_or("x.test");
    let _ = certificate::analyse(&source, &chain, name, trust(), now);
});
