//! HTML forms, read with a real HTML parser (html5ever through `scraper`, as browsers parse):
//! each `<form>`'s action, method and user inputs, and which inputs carry personal data (by
//! `autocomplete` token, type, and English/Japanese names and labels); and text escaped for HTML
//! content and quoted attributes, for the pages we write. No I/O; never panics.
//!
//! A page is parsed under a node cap ([`MAX_NODES`]) and a depth cap ([`MAX_DEPTH`]), checked
//! first on the bytes and then by the tree sink itself, fed in small chunks so that parsing
//! stops soon after either cap (or the deadline) is passed: html5ever never builds a huge tree.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use scraper::{ElementRef, Html, HtmlTreeSink, Selector};

/// The most nodes (elements, comments) of a page we analyse: far above real form pages (a few
/// thousand), far below what a 2 MiB body can make.
pub const MAX_NODES: usize = 50_000;
/// The deepest nesting we analyse: Chromium's HTML parser stops nesting at 512 levels too.
pub const MAX_DEPTH: usize = 512;
/// Bytes fed to the parser between two looks at the caps and the deadline.
const CHUNK: usize = 512;

/// Why a page was not analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HtmlLimit {
    #[error("page too deeply nested to analyse: over {0} levels")]
    TooDeep(usize),
    #[error("page too large to analyse: more than {0} elements")]
    TooManyNodes(usize),
    #[error("the page could not be analysed within the time budget")]
    OutOfTime,
}

impl HtmlLimit {
    /// The reason in Japanese.
    pub fn ja(&self) -> String {
        match self {
            HtmlLimit::TooDeep(n) => {
                format!("ページの入れ子が深すぎて解析できない: {n} 階層を超える")
            }
            HtmlLimit::TooManyNodes(n) => {
                format!("ページが大きすぎて解析できない: 要素が {n} 個を超える")
            }
            HtmlLimit::OutOfTime => "ページの解析が時間内に終わらなかった".into(),
        }
    }
}

/// Elements without content (WHATWG HTML §13.1.2): they never nest.
const VOID: &[&[u8]] = &[
    b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"param",
    b"source", b"track", b"wbr", b"keygen",
];
/// Elements whose end tag may be left out and that the next sibling closes (§13.1.2.4): old
/// pages leave hundreds of `<li>`, `<option>`, `<td>` open without being deep.
const OPTIONAL_END: &[&[u8]] = &[
    b"li",
    b"dt",
    b"dd",
    b"p",
    b"rt",
    b"rp",
    b"optgroup",
    b"option",
    b"tr",
    b"td",
    b"th",
    b"thead",
    b"tbody",
    b"tfoot",
    b"colgroup",
    b"caption",
];
/// Elements whose content is text up to their end tag: a `<` inside is no tag.
const RAW_TEXT: &[&[u8]] = &[
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
    b"plaintext",
];

/// A cheap look at the bytes before parsing: the number of start tags and an estimate of the
/// nesting (start tags minus end tags, leaving out void and optional-end elements, comments and
/// raw text). Either over its cap is the answer without building any tree.
pub fn prescan(html: &str) -> Result<(), HtmlLimit> {
    let b = html.as_bytes();
    let (mut tags, mut depth, mut i) = (0usize, 0usize, 0usize);
    let find = |from: usize, needle: &[u8]| -> Option<usize> {
        b.get(from..)?
            .windows(needle.len())
            .position(|w| w.eq_ignore_ascii_case(needle))
            .map(|p| from + p)
    };
    while let Some(off) = b.get(i..).and_then(|r| r.iter().position(|&c| c == b'<')) {
        i += off + 1;
        let rest = b.get(i..).unwrap_or_default();
        if rest.starts_with(b"!--") {
            i = find(i + 3, b"-->").map_or(b.len(), |e| e + 3);
            continue;
        }
        let (closing, name_at) = match rest.first() {
            Some(b'/') => (true, i + 1),
            Some(c) if c.is_ascii_alphabetic() => (false, i),
            _ => continue,
        };
        let name: Vec<u8> = b
            .get(name_at..)
            .unwrap_or_default()
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
            .map(u8::to_ascii_lowercase)
            .collect();
        if name.is_empty() {
            continue;
        }
        let nests = !VOID.contains(&name.as_slice()) && !OPTIONAL_END.contains(&name.as_slice());
        if closing {
            if nests {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        tags += 1;
        if tags > MAX_NODES {
            return Err(HtmlLimit::TooManyNodes(MAX_NODES));
        }
        if RAW_TEXT.contains(&name.as_slice()) {
            let mut end = b"</".to_vec();
            end.extend_from_slice(&name);
            i = find(name_at, &end).unwrap_or(b.len());
            continue;
        }
        if nests {
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(HtmlLimit::TooDeep(MAX_DEPTH));
            }
        }
    }
    Ok(())
}

/// scraper's node handle (ego_tree's `NodeId`).
type NodeId = <HtmlTreeSink as TreeSink>::Handle;

/// What the bounded sink has seen, shared with the code feeding the parser.
#[derive(Default)]
struct Budget {
    nodes: Cell<usize>,
    over: Cell<Option<HtmlLimit>>,
}

/// scraper's tree sink, counting nodes and the depth of each element; past a cap it stops
/// growing the tree (new nodes are one placeholder, and mutations are dropped) until the feeder
/// sees the cap and stops.
struct BoundedSink {
    inner: HtmlTreeSink,
    budget: Rc<Budget>,
    depth: RefCell<HashMap<NodeId, usize>>,
    placeholder: Cell<Option<NodeId>>,
}

impl BoundedSink {
    fn over(&self) -> bool {
        let over = self.budget.over.take();
        let is = over.is_some();
        self.budget.over.set(over);
        is
    }

    fn exceed(&self, why: HtmlLimit) {
        if !self.over() {
            self.budget.over.set(Some(why));
        }
    }

    fn counted(&self, id: NodeId) -> NodeId {
        let n = self.budget.nodes.get() + 1;
        self.budget.nodes.set(n);
        if n > MAX_NODES {
            self.exceed(HtmlLimit::TooManyNodes(MAX_NODES));
        }
        id
    }

    fn placeholder(&self) -> NodeId {
        if let Some(p) = self.placeholder.get() {
            return p;
        }
        let name = QualName::new(None, html5ever::ns!(html), html5ever::local_name!("div"));
        let p = self
            .inner
            .create_element(name, Vec::new(), ElementFlags::default());
        self.placeholder.set(Some(p));
        p
    }

    fn placed(&self, parent: &NodeId, child: &NodeOrText<NodeId>, delta: usize) {
        if let NodeOrText::AppendNode(id) = child {
            let d = self.depth.borrow().get(parent).copied().unwrap_or(0) + delta;
            self.depth.borrow_mut().insert(*id, d);
            if d > MAX_DEPTH {
                self.exceed(HtmlLimit::TooDeep(MAX_DEPTH));
            }
        }
    }
}

impl TreeSink for BoundedSink {
    type Handle = NodeId;
    type Output = Html;
    type ElemName<'a> = <HtmlTreeSink as TreeSink>::ElemName<'a>;

    fn finish(self) -> Html {
        self.inner.finish()
    }
    fn parse_error(&self, _msg: Cow<'static, str>) {}
    fn get_document(&self) -> Self::Handle {
        self.inner.get_document()
    }
    fn elem_name<'a>(&'a self, target: &'a Self::Handle) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }
    fn create_element(
        &self,
        name: QualName,
        attrs: Vec<Attribute>,
        flags: ElementFlags,
    ) -> Self::Handle {
        if self.over() {
            return self.placeholder();
        }
        self.counted(self.inner.create_element(name, attrs, flags))
    }
    fn create_comment(&self, text: StrTendril) -> Self::Handle {
        if self.over() {
            return self.placeholder();
        }
        self.counted(self.inner.create_comment(text))
    }
    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Self::Handle {
        if self.over() {
            return self.placeholder();
        }
        self.counted(self.inner.create_pi(target, data))
    }
    fn append(&self, parent: &Self::Handle, child: NodeOrText<Self::Handle>) {
        if self.over() {
            return;
        }
        self.placed(parent, &child, 1);
        self.inner.append(parent, child)
    }
    fn append_based_on_parent_node(
        &self,
        element: &Self::Handle,
        prev_element: &Self::Handle,
        child: NodeOrText<Self::Handle>,
    ) {
        if self.over() {
            return;
        }
        self.placed(prev_element, &child, 1);
        self.inner
            .append_based_on_parent_node(element, prev_element, child)
    }
    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        if self.over() {
            return;
        }
        self.inner
            .append_doctype_to_document(name, public_id, system_id)
    }
    fn get_template_contents(&self, target: &Self::Handle) -> Self::Handle {
        self.inner.get_template_contents(target)
    }
    fn same_node(&self, x: &Self::Handle, y: &Self::Handle) -> bool {
        x == y
    }
    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode)
    }
    fn append_before_sibling(&self, sibling: &Self::Handle, new_node: NodeOrText<Self::Handle>) {
        if self.over() {
            return;
        }
        self.placed(sibling, &new_node, 0);
        self.inner.append_before_sibling(sibling, new_node)
    }
    fn add_attrs_if_missing(&self, target: &Self::Handle, attrs: Vec<Attribute>) {
        if self.over() {
            return;
        }
        self.inner.add_attrs_if_missing(target, attrs)
    }
    fn remove_from_parent(&self, target: &Self::Handle) {
        if self.over() {
            return;
        }
        self.inner.remove_from_parent(target)
    }
    fn reparent_children(&self, node: &Self::Handle, new_parent: &Self::Handle) {
        if self.over() {
            return;
        }
        self.inner.reparent_children(node, new_parent)
    }
}

/// Parses `html` as browsers do, within [`MAX_NODES`], [`MAX_DEPTH`] and `deadline`.
pub fn parse_bounded(html: &str, deadline: Option<std::time::Instant>) -> Result<Html, HtmlLimit> {
    prescan(html)?;
    let budget = Rc::new(Budget::default());
    let sink = BoundedSink {
        inner: HtmlTreeSink::new(Html::new_document()),
        budget: budget.clone(),
        depth: RefCell::new(HashMap::new()),
        placeholder: Cell::new(None),
    };
    let mut parser = html5ever::parse_document(sink, Default::default());
    let mut rest = html;
    while !rest.is_empty() {
        let mut cut = rest.len().min(CHUNK);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (chunk, tail) = rest.split_at(cut);
        rest = tail;
        parser.process(StrTendril::from_slice(chunk));
        if let Some(why) = budget.over.take() {
            return Err(why);
        }
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return Err(HtmlLimit::OutOfTime);
        }
    }
    let doc = parser.finish();
    match budget.over.take() {
        Some(why) => Err(why),
        None => Ok(doc),
    }
}

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

/// The forms of `html`, a page fetched from `page_url`, parsed within the caps and `deadline`
/// ([`parse_bounded`]). Never panics, whatever the bytes.
pub fn analyse(
    html: &str,
    page_url: &Url,
    deadline: Option<std::time::Instant>,
) -> Result<Vec<HtmlForm>, HtmlLimit> {
    let doc = parse_bounded(html, deadline)?;
    Ok(forms_in(&doc, page_url))
}

/// The forms of `html` ([`analyse`] without a deadline; a page over a cap has none).
pub fn extract_forms(html: &str, page_url: &Url) -> Vec<HtmlForm> {
    analyse(html, page_url, None).unwrap_or_default()
}

fn forms_in(doc: &Html, page_url: &Url) -> Vec<HtmlForm> {
    let (Some(form_sel), Some(field_sel), Some(label_sel), Some(option_sel)) = (
        selector("form"),
        selector("input, textarea, select"),
        selector("label"),
        selector("option"),
    ) else {
        return Vec::new();
    };
    // Labels by their `for` attribute, for inputs labelled from elsewhere in the page (the
    // first label of an id wins, as browsers do).
    let mut labels_for: HashMap<String, String> = HashMap::new();
    for l in doc.select(&label_sel) {
        if let Some(target) = l.value().attr("for") {
            labels_for
                .entry(target.to_owned())
                .or_insert_with(|| collapse(&l.text().collect::<String>()));
        }
    }

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
                labels_for.get(&id).cloned()
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
    fn deep_or_huge_pages_end_at_a_cap_quickly() {
        let started = std::time::Instant::now();
        let deep = "<div>".repeat(200_000);
        assert_eq!(
            analyse(&deep, &page(), None),
            Err(HtmlLimit::TooDeep(MAX_DEPTH))
        );
        assert_eq!(
            HtmlLimit::TooDeep(MAX_DEPTH).to_string(),
            "page too deeply nested to analyse: over 512 levels"
        );
        let inputs = format!("<form>{}</form>", "<input name=a value=b>".repeat(100_000));
        assert_eq!(
            analyse(&inputs, &page(), None),
            Err(HtmlLimit::TooManyNodes(MAX_NODES))
        );
        // Formatting elements closed by `</div>` are reopened by the parser at each text (the
        // active formatting elements); stray end tags make the bytes look shallow, the tree is
        // not: the sink sees it.
        let mut misnested = String::new();
        for i in 0..3000 {
            misnested.push_str(&format!("<div><b id=b{i}></div></x>"));
        }
        misnested.push_str(&"<div>x</div>".repeat(5000));
        assert!(prescan(&misnested).is_ok());
        let r = analyse(&misnested, &page(), None);
        assert!(
            matches!(r, Err(HtmlLimit::TooDeep(_) | HtmlLimit::TooManyNodes(_))),
            "{r:?}"
        );
        let late = std::time::Instant::now() - std::time::Duration::from_secs(1);
        assert_eq!(
            analyse(&"<p>x".repeat(10_000), &page(), Some(late)),
            Err(HtmlLimit::OutOfTime)
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
        for e in [
            HtmlLimit::TooDeep(1),
            HtmlLimit::TooManyNodes(1),
            HtmlLimit::OutOfTime,
        ] {
            assert_eq!(crate::i18n::english_prose(&e.ja()), Vec::<String>::new());
        }
    }

    #[test]
    fn old_pages_with_many_open_items_are_not_deep() {
        // 47 prefectures in unclosed <option>s, a table of unclosed cells, comments and a script
        // full of `<div>` strings: none of it nests.
        let mut html = String::from("<form><select name=pref>");
        html.push_str(&"<option>東京".repeat(47));
        html.push_str("</select><table>");
        html.push_str(&"<tr><td>a<td>b".repeat(600));
        html.push_str("</table><!-- <div><div> --><script>var s = '<div>'.repeat(9999);</script>");
        html.push_str(&"<li>x".repeat(1000));
        html.push_str("<label>氏名<input name=shimei value=佐藤></label></form>");
        let forms = analyse(&html, &page(), None).unwrap();
        assert_eq!(
            forms[0].inputs.last().map(|i| i.value.as_str()),
            Some("佐藤")
        );
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
