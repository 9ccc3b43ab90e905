//! Fuzzes the server-first greeting recognisers (SSH, FTP, Telnet, RFB, MySQL).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vendor_audit::msgs::banner;

fuzz_target!(|data: &[u8]| {
    let _ = banner::recognise(data);
    let _ = banner::wants_more(data);
    let _ = banner::render_telnet(data);
    let _ = banner::mysql_packet_len(data);
    let _ = vendor_audit::probe::banner::recognise(data);
});
