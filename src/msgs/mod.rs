//! Byte parsers and builders for the protocols we speak, without any I/O (like rustls' `msgs`).
//! Every parser takes untrusted server bytes and returns a `Result`: it never panics, and
//! each one is fuzzed (`fuzz/`) and property-tested (proptest, in each module's tests).

pub mod banner;
pub mod content_coding;
pub mod credssp;
pub mod database;
pub mod dicom;
pub mod framing;
pub mod html;
pub mod http;
pub mod ntlm;
pub mod rfb;
pub mod smb;
pub mod tls;
pub mod tls_server;
pub mod tls_suites;
pub mod x224;

/// A size for people, as `ls -h` writes it: "300 bytes", "5.2 GiB", "64 KiB", "16 MiB" (one
/// decimal under ten units, unless whole). The one formatter of the parsers' length claims and
/// of the local-file limits.
pub fn size_words(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = UNITS[0];
    for next in UNITS.iter().skip(1) {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    if value >= 10.0 || (value - value.round()).abs() < 0.05 {
        format!("{} {unit}", value.round() as u64)
    } else {
        format!("{value:.1} {unit}")
    }
}
