//! vendor-audit: checks the security controls a contractor declares in its annual report
//! against what its endpoints show. The binary (`src/main.rs`) is a thin CLI over this library.

pub mod assess;
pub mod catalog;
pub mod certificate;
pub mod commands;
pub mod condition;
pub mod declaration;
pub mod demo;
pub mod derive;
pub mod diagnostic;
pub mod engine;
#[cfg(test)]
mod english_prose;
pub mod fact;
pub mod grade;
pub mod history;
pub mod i18n;
pub mod inventory;
pub mod localfile;
pub mod msgs;
pub mod notify;
pub mod probe;
pub mod reference;
pub mod report;
pub mod results;
pub mod shard;
pub mod watch;
