//! Fuzzes the HTML form reader, the body decoder and the caching analysis of response headers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vendor_audit::derive::caching;
use vendor_audit::msgs::html;

fuzz_target!(|data: &[u8]| {
    let page = url::Url::parse("https://forms.example.lab/apply").ok();
    let text = html::decode(data, Some("text/html; charset=Shift_JIS"));
    if let Some(page) = page {
        for form in html::extract_forms(&text, &page) {
            for input in &form.inputs {
                let _ = input.display_name();
            }
        }
    }
    let value = String::from_utf8_lossy(data).into_owned();
    for name in [
        "Cache-Control", "Expires", "Age", "Cache-Status", "X-Varnish", "CDN-Cache-Control",
        "Surrogate-Control", "X-Accel-Expires", "Vary", "CF-Cache-Status", "X-Cache-Status", "Date",
    ] {
        let headers = vec![(name.to_string(), value.clone())];
        let _ = caching::shared_storable(200, &headers, true);
        let _ = caching::served_by_shared_cache(&headers);
    }
});
