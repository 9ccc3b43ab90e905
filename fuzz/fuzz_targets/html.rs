//! Fuzzes the HTML form reader (and its caps), the body decoders (Content-Encoding, charset) and
//! the caching analysis of response headers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vendor_audit::derive::caching;
use vendor_audit::msgs::{content_coding, html};

fuzz_target!(|data: &[u8]| {
    for coding in ["gzip", "deflate", "br", "gzip, br"] {
        if let Ok(out) = content_coding::decode(data.to_vec(), &[coding], 1 << 20) {
            assert!(out.len() <= 1 << 20);
        }
    }
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
