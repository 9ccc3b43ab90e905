//! Fuzzes the PostgreSQL SSLRequest answer and TDS PRELOGIN response parsers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vendor_audit::msgs::database as db;

fuzz_target!(|data: &[u8]| {
    if let Some(n) = db::pg_complete(data) {
        assert!(n <= data.len());
    }
    let _ = db::parse_pg_answer(data);
    if let Some(n) = db::tds_complete(data) {
        assert!(n <= data.len());
    }
    let _ = db::parse_tds_prelogin(data);
});
