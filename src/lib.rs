//! vendor-audit: checks the security controls a contractor declares in its annual report
//! against what its endpoints show. The binary (`src/main.rs`) is a thin CLI over this library.

pub mod demo;
pub mod fact;
pub mod msgs;
pub mod probe;
