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
