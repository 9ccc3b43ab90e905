//! The scanner of English prose left in a text meant to be Japanese (docs/GLOSSARY.ja.md):
//! test code only, one file compiled into the library's unit tests (`crate::english_prose`) and
//! into the integration tests (`tests/common`), so that both judge by the same rules.

/// English left in a text meant to be Japanese: every run of three or more English words
/// (`no check in`, `Remote Desktop is reachable`), each returned as written, in order.
///
/// What is not counted, because it is an identifier or data rather than words for people
/// (docs/GLOSSARY.ja.md, "Not translated"):
/// - anything inside backticks (`` `vendor[0].host` ``), double quotes (`"..."`, `“...”`): ids,
///   keys, values and the parser's or system's own words quoted as evidence;
/// - words with a digit or one of `- _ . / : = @ { } < > [ ] # $ * + \` inside them: ids, paths,
///   URLs, hosts, flags (`--format`), placeholders, versions, e.g. `vendors.toml:3:1`;
/// - acronyms and other words with two or more capitals (`TLS`, `RDP`, `HOST`, `OpenSSH`) and single
///   capitals (grades `A`–`F`): protocol and product names;
/// - any word directly next to a non-ASCII character is still a word, but a Japanese character
///   ends a run, so `TLS 1.0 の RC4` is never three English words.
///
/// Words are ASCII letters (with an inner apostrophe, `vendor's`), leading `(` and trailing
/// `, . ; : ! ? )` ignored. To exempt data that is English by nature (a vendor's name from the
/// inventory), pass it to [`english_leaks_allowing`].
pub fn english_leaks(text: &str) -> Vec<String> {
    english_leaks_allowing(text, &[])
}

/// [`english_leaks`], after removing every occurrence of each `data` string (vendor names,
/// check titles a test knows are still English, ...).
pub fn english_leaks_allowing(text: &str, data: &[&str]) -> Vec<String> {
    let mut text = text.to_owned();
    for d in data.iter().filter(|d| !d.is_empty()) {
        text = text.replace(d, " ¦ ");
    }
    // Quoted spans become a separator: what is inside is evidence or an identifier.
    let mut plain = String::with_capacity(text.len());
    let mut closing: Option<char> = None;
    for c in text.chars() {
        match closing {
            Some(end) if c == end => {
                closing = None;
                plain.push_str(" ¦ ");
            }
            Some(_) => {}
            None => match c {
                '`' => closing = Some('`'),
                '"' => closing = Some('"'),
                '“' => closing = Some('”'),
                _ => plain.push(c),
            },
        }
    }
    let mut leaks = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, leaks: &mut Vec<String>| {
        if run.len() >= 3 {
            leaks.push(run.join(" "));
        }
        run.clear();
    };
    // ASCII tokens between ASCII spaces; a non-ASCII character (Japanese, a full-width bracket,
    // the separator above) ends the token and the run.
    let mut token = String::new();
    for c in plain.chars().chain(std::iter::once(' ')) {
        if c.is_ascii() && !c.is_ascii_whitespace() {
            token.push(c);
            continue;
        }
        if !token.is_empty() {
            let word = token
                .trim_start_matches('(')
                .trim_end_matches([',', '.', ';', ':', '!', '?', ')']);
            if is_english_word(word) {
                run.push(word.to_owned());
            } else {
                // An identifier, a number, or a bare mark (`-`, `|`): not prose.
                flush(&mut run, &mut leaks);
            }
            token.clear();
        }
        if !c.is_ascii() {
            flush(&mut run, &mut leaks);
        }
    }
    flush(&mut run, &mut leaks);
    leaks
}

/// A word of English prose: ASCII letters, at most one capital (the first), an inner
/// apostrophe allowed; a single letter only in lowercase (`a`).
fn is_english_word(word: &str) -> bool {
    let letters = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphabetic() || c == '\'');
    let capitals = word.chars().filter(char::is_ascii_uppercase).count();
    let first_upper_only =
        capitals == 0 || (capitals == 1 && word.starts_with(|c: char| c.is_ascii_uppercase()));
    letters
        && !word.starts_with('\'')
        && !word.ends_with('\'')
        && first_upper_only
        && !(word.len() == 1 && capitals == 1)
}
