//! Derived facts: what is hard to say in a one-line condition (which accepted suites are weak,
//! how a configuration deviates from a published profile), computed in Rust from the probes'
//! facts and unit-tested here. No I/O and no judgment: the checks judge these facts.

pub mod caching;
pub mod mozilla;
pub mod schedule;
pub mod tls;
