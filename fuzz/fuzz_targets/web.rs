//! Fuzzes what the form probe reads from a page and its headers: Set-Cookie flags, the
//! personal-data recognisers of the HTML form reader (on every input of every form) and the
//! HTML escaping of server text in the report.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vendor_audit::msgs::html;
use vendor_audit::probe::http::cookie_missing_flags;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for line in text.lines() {
        let (name, missing) = cookie_missing_flags(line);
        assert!(name.len() <= line.len());
        assert!(missing.len() <= 3);
    }
    let _ = html::text_is_personal(&text);
    let escaped = html::escape(&text);
    assert!(
        !escaped.contains('<') && !escaped.contains('>'),
        "escape left markup"
    );
    if let Ok(page) = url::Url::parse("http://127.0.0.1:8080/a/b?c") {
        for form in html::extract_forms(&text, &page) {
            for input in &form.inputs {
                let _ = html::is_personal(input);
                let _ = input.display_name();
            }
        }
    }
});
