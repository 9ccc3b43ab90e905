//! Fuzzes the DICOM PDU and command parsers with arbitrary server bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vendor_audit::msgs::dicom as d;

fuzz_target!(|data: &[u8]| {
    if let Some(n) = d::pdu_complete(data) {
        assert!(n <= data.len());
    }
    let _ = d::parse_pdu(data);
    let _ = d::parse_associate_answer(data);
    let _ = d::parse_abort(data);
    if let Ok(rq) = d::parse_associate_rq(data) {
        let _ = d::build_associate_ac(&rq, "1.2.3", "V");
    }
    if let Ok(pdvs) = d::parse_p_data(data) {
        for p in pdvs {
            let _ = d::parse_command(p.data);
        }
    }
    let _ = d::parse_command(data);
});
