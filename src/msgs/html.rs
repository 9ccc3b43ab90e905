//! HTML forms, read with a real HTML parser (html5ever through `scraper`, as browsers parse):
//! each `<form>`'s action, method and user inputs, and which inputs carry personal data (by
//! `autocomplete` token, type, and English/Japanese names and labels); and text escaped for HTML
//! content and quoted attributes, for the pages we write. No I/O; never panics.

use scraper::{ElementRef, Html, Selector};

/// `text` safe in HTML content and in quoted attribute values (`&`, `<`, `>`, `"`, `'`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
use url::Url;

/// One `<form>` of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlForm {
    /// The action resolved against the page URL (the page URL itself when absent or empty;
    /// the raw attribute when it does not resolve).
    pub action: String,
    /// `GET` or `POST` (upper case; `GET` when absent or unknown, as browsers do).
    pub method: String,
    /// The inputs a person fills in (no hidden, submit, button, image or reset inputs).
    pub inputs: Vec<HtmlInput>,
}

/// One user input of a form: `<input>`, `<textarea>` or `<select>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlInput {
    /// `input`, `textarea` or `select`.
    pub tag: String,
    pub name: String,
    pub id: String,
    /// The input type (lower case; `text` when absent), or the tag for textarea/select.
    pub kind: String,
    pub autocomplete: String,
    /// The value the page already carries: the `value` attribute, a textarea's text, a select's
    /// `selected` option; for checkboxes and radios only when `checked`.
    pub value: String,
    /// The text of the input's `<label>` (by `for` or by nesting), whitespace collapsed.
    pub label: String,
    pub placeholder: String,
    /// The input asks for personal data (see [`is_personal`]).
    pub personal: bool,
}

impl HtmlInput {
    /// How findings name this input: its name, else its id, else its label.
    pub fn display_name(&self) -> String {
        [&self.name, &self.id, &self.label]
            .into_iter()
            .find(|s| !s.is_empty())
            .cloned()
            .unwrap_or_else(|| format!("({} without a name)", self.kind))
    }
}

/// Input types that are not filled in by a person.
const NOT_USER_INPUT: &[&str] = &["hidden", "submit", "button", "image", "reset"];

/// `autocomplete` tokens (WHATWG HTML §4.10.18.7) that ask for personal data.
const PERSONAL_AUTOCOMPLETE: &[&str] = &[
    "name",
    "honorific-prefix",
    "given-name",
    "additional-name",
    "family-name",
    "honorific-suffix",
    "nickname",
    "username",
    "street-address",
    "address-line1",
    "address-line2",
    "address-line3",
    "address-level1",
    "address-level2",
    "address-level3",
    "address-level4",
    "postal-code",
    "tel",
    "tel-country-code",
    "tel-national",
    "tel-area-code",
    "tel-local",
    "tel-extension",
    "email",
    "bday",
    "bday-day",
    "bday-month",
    "bday-year",
    "sex",
    "cc-name",
    "cc-number",
];

/// English words in names, ids, labels and placeholders that ask for personal data, matched
/// anywhere inside a word (`fullname`, `emailAddress`, `date_of_birth`).
const PERSONAL_WORDS: &[&str] = &[
    "name", "address", "phone", "mobile", "email", "e-mail", "birth", "postal", "postcode",
    "zipcode", "furigana", "kana",
];

/// Short English words matched only at the start of a word (`tel`, `telephone`, `zip`).
const PERSONAL_PREFIXES: &[&str] = &["tel", "zip", "dob", "addr", "bday", "mail"];

/// Japanese words, matched anywhere in the text.
const PERSONAL_JAPANESE: &[&str] = &[
    "氏名",
    "名前",
    "住所",
    "電話",
    "携帯",
    "生年月日",
    "誕生日",
    "郵便番号",
    "メール",
    "フリガナ",
    "ふりがな",
    "姓名",
];

/// Whether an input asks for personal data: by `autocomplete` token, by type (`email`,
/// `tel`), or by an English or Japanese word in its name, id, label or placeholder.
pub fn is_personal(input: &HtmlInput) -> bool {
    let by_token = input
        .autocomplete
        .split_ascii_whitespace()
        .any(|t| PERSONAL_AUTOCOMPLETE.contains(&t.to_ascii_lowercase().as_str()));
    by_token
        || matches!(input.kind.as_str(), "email" | "tel")
        || [&input.name, &input.id, &input.label, &input.placeholder]
            .into_iter()
            .any(|text| text_is_personal(text))
}

/// Whether free text (a name, id or label) names personal data.
pub fn text_is_personal(text: &str) -> bool {
    if PERSONAL_JAPANESE.iter().any(|w| text.contains(w)) {
        return true;
    }
    words(text).iter().any(|word| {
        PERSONAL_WORDS.iter().any(|w| word.contains(w))
            || PERSONAL_PREFIXES.iter().any(|p| word.starts_with(p))
    })
}

/// Lower-case words of `text`, split at non-alphanumerics (except `-` inside `e-mail`) and at
/// camelCase boundaries (`postalCode` -> `postal`, `code`).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '-' {
            if c.is_uppercase() && prev_lower && !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
            current.extend(c.to_lowercase());
        } else {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The `charset=` label in `text` (a Content-Type value, or the bytes of a `<meta>` prescan).
fn charset_label(text: &[u8]) -> Option<&[u8]> {
    let lower = text.to_ascii_lowercase();
    let at = lower.windows(8).position(|w| w == b"charset=")?;
    let rest = text.get(at + 8..)?;
    let rest = rest.strip_prefix(b"\"").unwrap_or(rest);
    let rest = rest.strip_prefix(b"'").unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'>' | b'/' | b'\t'))
        .unwrap_or(rest.len());
    rest.get(..end)
}

/// Decodes a page body as browsers would, in short: a BOM, else the Content-Type `charset`,
/// else a `charset=` in the first 1024 bytes (the `<meta>` prescan), else UTF-8. Japanese
/// sites still serve Shift_JIS and EUC-JP. Malformed bytes become U+FFFD.
pub fn decode(body: &[u8], content_type: Option<&str>) -> String {
    let from_header = content_type
        .and_then(|ct| charset_label(ct.as_bytes()))
        .and_then(encoding_rs::Encoding::for_label);
    let from_meta = || {
        charset_label(body.get(..1024).unwrap_or(body)).and_then(encoding_rs::Encoding::for_label)
    };
    let encoding = from_header.or_else(from_meta).unwrap_or(encoding_rs::UTF_8);
    // `decode` honours a BOM over the label, as the Encoding standard says.
    encoding.decode(body).0.into_owned()
}

fn selector(s: &str) -> Option<Selector> {
    Selector::parse(s).ok()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn attr(el: &ElementRef, name: &str) -> String {
    el.value().attr(name).unwrap_or_default().to_owned()
}

/// The forms of `html`, a page fetched from `page_url`. Never panics, whatever the bytes.
pub fn extract_forms(html: &str, page_url: &Url) -> Vec<HtmlForm> {
    let doc = Html::parse_document(html);
    let (Some(form_sel), Some(field_sel), Some(label_sel), Some(option_sel)) = (
        selector("form"),
        selector("input, textarea, select"),
        selector("label"),
        selector("option"),
    ) else {
        return Vec::new();
    };
    // Labels by their `for` attribute, for inputs labelled from elsewhere in the page.
    let labels_for: Vec<(String, String)> = doc
        .select(&label_sel)
        .filter_map(|l| {
            let target = l.value().attr("for")?;
            Some((target.to_owned(), collapse(&l.text().collect::<String>())))
        })
        .collect();

    let mut forms = Vec::new();
    for form in doc.select(&form_sel) {
        let raw_action = attr(&form, "action");
        let action = if raw_action.trim().is_empty() {
            page_url.to_string()
        } else {
            page_url
                .join(raw_action.trim())
                .map(|u| u.to_string())
                .unwrap_or(raw_action)
        };
        let method = match attr(&form, "method").trim().to_ascii_lowercase().as_str() {
            "post" => "POST".to_owned(),
            _ => "GET".to_owned(),
        };
        let mut inputs = Vec::new();
        for field in form.select(&field_sel) {
            let tag = field.value().name().to_ascii_lowercase();
            let kind = if tag == "input" {
                let t = attr(&field, "type").trim().to_ascii_lowercase();
                if t.is_empty() {
                    "text".to_owned()
                } else {
                    t
                }
            } else {
                tag.clone()
            };
            if NOT_USER_INPUT.contains(&kind.as_str()) {
                continue;
            }
            let value = match (tag.as_str(), kind.as_str()) {
                ("textarea", _) => field.text().collect::<String>(),
                ("select", _) => field
                    .select(&option_sel)
                    .find(|o| o.value().attr("selected").is_some())
                    .map(|o| {
                        o.value()
                            .attr("value")
                            .map(str::to_owned)
                            .unwrap_or_else(|| collapse(&o.text().collect::<String>()))
                    })
                    .unwrap_or_default(),
                (_, "checkbox" | "radio") if field.value().attr("checked").is_none() => {
                    String::new()
                }
                _ => attr(&field, "value"),
            };
            let id = attr(&field, "id");
            let mut label = if id.is_empty() {
                None
            } else {
                labels_for
                    .iter()
                    .find(|(target, _)| *target == id)
                    .map(|(_, text)| text.clone())
            };
            if label.is_none() {
                label = field
                    .ancestors()
                    .filter_map(ElementRef::wrap)
                    .find(|a| a.value().name().eq_ignore_ascii_case("label"))
                    .map(|l| collapse(&l.text().collect::<String>()));
            }
            let mut input = HtmlInput {
                tag,
                name: attr(&field, "name"),
                id,
                kind,
                autocomplete: attr(&field, "autocomplete"),
                value,
                label: label.unwrap_or_default(),
                placeholder: attr(&field, "placeholder"),
                personal: false,
            };
            input.personal = is_personal(&input);
            inputs.push(input);
        }
        forms.push(HtmlForm {
            action,
            method,
            inputs,
        });
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn page() -> Url {
        Url::parse("https://forms.example.lab/apply/index.html").unwrap()
    }

    #[test]
    fn extracts_action_method_and_user_inputs() {
        let html = r#"<html><body>
          <form action="confirm" method="post">
            <input type="hidden" name="csrf" value="abc">
            <label for="n">Full name</label><input id="n" name="fullname" autocomplete="name">
            <label>Phone <input type="tel" name="p" value="0312345678"></label>
            <textarea name="comment">hello</textarea>
            <select name="pref"><option value="">-</option><option value="13" selected>Tokyo</option></select>
            <input type="checkbox" name="agree" value="1">
            <input type="submit" value="Send"><button>Go</button>
          </form>
          <form action="http://plain.example.lab/search"><input name="q"></form>
        </body></html>"#;
        let forms = extract_forms(html, &page());
        assert_eq!(forms.len(), 2);
        let f = &forms[0];
        assert_eq!(f.action, "https://forms.example.lab/apply/confirm");
        assert_eq!(f.method, "POST");
        let names: Vec<&str> = f.inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["fullname", "p", "comment", "pref", "agree"]);
        assert_eq!(f.inputs[0].label, "Full name");
        assert!(f.inputs[0].personal);
        assert_eq!(f.inputs[1].label, "Phone");
        assert_eq!(f.inputs[1].value, "0312345678");
        assert!(f.inputs[1].personal);
        assert_eq!(f.inputs[2].value, "hello");
        assert!(!f.inputs[2].personal);
        assert_eq!(f.inputs[3].value, "13");
        assert_eq!(
            f.inputs[4].value, "",
            "an unchecked checkbox carries no value"
        );
        assert_eq!(forms[1].method, "GET");
        assert_eq!(forms[1].action, "http://plain.example.lab/search");
        assert!(!forms[1].inputs[0].personal);
    }

    #[test]
    fn empty_action_is_the_page_itself() {
        let forms = extract_forms("<form><input name=x></form>", &page());
        assert_eq!(forms[0].action, page().to_string());
    }

    #[test]
    fn personal_fields_in_english_and_japanese() {
        let html = r#"<form>
          <input name="shimei" placeholder="氏名">
          <label for="a">住所</label><input id="a" name="field2">
          <input name="x1" autocomplete="section-1 shipping postal-code">
          <input name="emailAddress">
          <input name="date_of_birth">
          <input name="telephone">
          <input name="zip">
          <label>生年月日<input name="x3"></label>
          <input name="フリガナ">
          <input name="郵便番号">
          <input name="coupon">
          <input name="hotel_count">
          <input name="q" autocomplete="off">
        </form>"#;
        let forms = extract_forms(html, &page());
        let personal: Vec<String> = forms[0]
            .inputs
            .iter()
            .filter(|i| i.personal)
            .map(|i| i.display_name())
            .collect();
        assert_eq!(
            personal,
            [
                "shimei",
                "field2",
                "x1",
                "emailAddress",
                "date_of_birth",
                "telephone",
                "zip",
                "x3",
                "フリガナ",
                "郵便番号"
            ]
        );
    }

    #[test]
    fn malformed_html_still_parses_as_browsers_do() {
        let forms = extract_forms(
            "<form action=x><input name=email value='a@b'><form><input name=tel",
            &page(),
        );
        assert!(!forms.is_empty());
        assert_eq!(forms[0].inputs[0].value, "a@b");
        assert!(extract_forms("", &page()).is_empty());
        assert!(extract_forms("<<<>>>\u{0}\u{fffd}", &page()).is_empty());
    }

    #[test]
    fn decodes_shift_jis_and_euc_jp() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("<label>氏名<input name=a></label>");
        let text = decode(&sjis, Some("text/html; charset=Shift_JIS"));
        assert!(text.contains("氏名"), "{text}");
        let mut page = b"<meta charset=\"euc-jp\">".to_vec();
        page.extend_from_slice(&encoding_rs::EUC_JP.encode("住所").0);
        assert!(decode(&page, Some("text/html")).contains("住所"));
        assert_eq!(decode("電話".as_bytes(), None), "電話");
        assert_eq!(decode(b"\xff\xfe", Some("charset=")), "");
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300), ct in ".{0,40}") {
            let _ = decode(&bytes, Some(&ct));
            let _ = decode(&bytes, None);
        }

        #[test]
        fn never_panics_on_arbitrary_text(s in ".{0,400}") {
            let _ = extract_forms(&s, &page());
        }

        #[test]
        fn never_panics_on_form_like_soup(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("<form".to_string()), Just("</form>".to_string()),
                    Just("<input".to_string()), Just("<label for=a>".to_string()),
                    Just("<select><option selected".to_string()), Just("<textarea>".to_string()),
                    Just(" action=\"".to_string()), Just(" name=".to_string()),
                    Just(" id=a".to_string()), Just(">".to_string()), Just("\"".to_string()),
                    Just("氏名".to_string()), "[a-z:/%?#]{0,8}",
                ],
                0..40,
            )
        ) {
            let html = parts.concat();
            for form in extract_forms(&html, &page()) {
                for input in form.inputs {
                    let _ = input.display_name();
                }
            }
        }
    }
}
