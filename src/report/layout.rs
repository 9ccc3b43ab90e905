//! Terminal tables that keep to a width without splitting words: picks each column's width (at
//! least its longest word where the width allows), wraps cells at spaces (identifiers and URLs
//! that cannot fit at `.`, `_`, `-`, `/`; Japanese between characters), then lets comfy-table draw.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table, Width};
use unicode_width::UnicodeWidthStr;

/// One cell's text and how it is painted when colour is on.
#[derive(Debug, Clone)]
pub(crate) struct Text {
    pub text: String,
    pub color: Option<Color>,
    pub bold: bool,
}

impl Text {
    pub(crate) fn plain(text: impl Into<String>) -> Text {
        Text {
            text: text.into(),
            color: None,
            bold: false,
        }
    }

    pub(crate) fn fg(mut self, color: Color) -> Text {
        self.color = Some(color);
        self
    }

    pub(crate) fn bold(mut self) -> Text {
        self.bold = true;
        self
    }
}

/// Columns of borders and padding around `n` columns (UTF8_FULL_CONDENSED, padding 1 each side).
fn chrome(n: usize) -> usize {
    (n + 1) + 2 * n
}

/// Per column: its longest word, its longest unbreakable piece and its longest line.
fn measure(header: &[&str], rows: &[Vec<Text>]) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let n = header.len();
    let mut soft = vec![1usize; n];
    let mut hard = vec![1usize; n];
    let mut max = vec![1usize; n];
    let cells = std::iter::once(header.to_vec()).chain(
        rows.iter()
            .map(|r| r.iter().map(|t| t.text.as_str()).collect()),
    );
    for row in cells {
        for (i, text) in row.iter().enumerate().take(n) {
            soft[i] = soft[i].max(longest(text, false));
            hard[i] = hard[i].max(longest(text, true));
            max[i] = max[i].max(text.lines().map(columns).max().unwrap_or(0));
        }
    }
    (soft, hard, max)
}

fn widths(header: &[&str], rows: &[Vec<Text>], width: u16) -> Vec<usize> {
    let (soft, hard, max) = measure(header, rows);
    let avail = usize::from(width).saturating_sub(chrome(header.len()));
    allocate(avail, &soft, &hard, &max)
}

/// How many words of the cells of column `column` would not fit it at `width` (and so break at
/// `.`/`_`/`-`/`/`), so that a caller can pick another arrangement when it must.
pub(crate) fn broken_words(
    header: &[&str],
    rows: &[Vec<Text>],
    width: u16,
    column: usize,
) -> usize {
    let got: Vec<usize> = widths(header, rows, width)
        .into_iter()
        .enumerate()
        .map(|(i, w)| if i == column { w } else { usize::MAX })
        .collect();
    let cells = std::iter::once(header.to_vec()).chain(
        rows.iter()
            .map(|r| r.iter().map(|t| t.text.as_str()).collect()),
    );
    cells
        .flat_map(|row| {
            row.into_iter()
                .zip(&got)
                .flat_map(|(text, w)| {
                    text.split(['\n', ' '])
                        .filter(move |word| columns(word) > *w)
                })
                .collect::<Vec<_>>()
        })
        .count()
}

/// Draws `header` and `rows` as one table at most `width` columns wide (unless even the narrowest
/// unbreakable pieces cannot fit), with colour codes only when `color` is true. When the longest
/// words cannot all fit, the rightmost columns (free text, by convention) give way first.
pub(crate) fn table(header: &[&str], rows: &[Vec<Text>], width: u16, color: bool) -> String {
    let widths = widths(header, rows, width);

    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width);
    if color {
        t.enforce_styling().style_text_only();
    } else {
        t.force_no_tty();
    }
    t.set_header(
        header
            .iter()
            .enumerate()
            .map(|(i, h)| Cell::new(wrap(h, widths[i]))),
    );
    for row in rows {
        t.add_row(row.iter().enumerate().map(|(i, cell)| {
            let mut c = Cell::new(wrap(&cell.text, widths.get(i).copied().unwrap_or(1)));
            if let Some(fg) = cell.color {
                c = c.fg(fg);
            }
            if cell.bold {
                c = c.add_attribute(Attribute::Bold);
            }
            c
        }));
    }
    for (i, w) in widths.iter().enumerate() {
        if let Some(column) = t.column_mut(i) {
            // (+2: the column's padding, which the absolute width includes)
            let w = u16::try_from(w + 2).unwrap_or(u16::MAX);
            column.set_constraint(ColumnConstraint::Absolute(Width::Fixed(w)));
        }
    }
    t.to_string()
}

/// Content widths for columns that together may take `avail`: each starts at its longest word
/// (`soft`); if those do not fit, columns give way down to their longest unbreakable piece
/// (`hard`), the rightmost first; the space left is shared out, narrowest column first, up to
/// each one's longest line.
fn allocate(avail: usize, soft: &[usize], hard: &[usize], max: &[usize]) -> Vec<usize> {
    let mut widths: Vec<usize> = soft.iter().zip(max).map(|(s, m)| (*s).min(*m)).collect();
    while widths.iter().sum::<usize>() > avail {
        let shrinkable = (0..widths.len()).rev().find(|&i| widths[i] > hard[i]);
        match shrinkable {
            Some(i) => widths[i] -= 1,
            None => break,
        }
    }
    let mut spare = avail.saturating_sub(widths.iter().sum());
    while spare > 0 {
        let growable = (0..widths.len())
            .filter(|&i| widths[i] < max[i])
            .min_by_key(|&i| widths[i]);
        match growable {
            Some(i) => widths[i] += 1,
            None => break,
        }
        spare -= 1;
    }
    widths
}

/// Terminal columns of `text` (East Asian wide characters take two).
pub(crate) fn columns(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

fn is_wide(c: char) -> bool {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) > 1
}

/// The pieces of a word that a line may not break inside: between wide characters always, and
/// after `.`, `_`, `-`, `/` when `at_punctuation`.
fn atoms(word: &str, at_punctuation: bool) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut previous: Option<char> = None;
    for (i, c) in word.char_indices() {
        let boundary = match previous {
            Some(p) => {
                is_wide(p) || is_wide(c) || (at_punctuation && matches!(p, '.' | '_' | '-' | '/'))
            }
            None => false,
        };
        if boundary {
            out.push(&word[start..i]);
            start = i;
        }
        previous = Some(c);
    }
    if start < word.len() {
        out.push(&word[start..]);
    }
    out
}

/// The widest piece of `text` that wrapping should keep whole: a word (Japanese text of more
/// than ten characters may break between them), or with `at_punctuation` a piece of an
/// identifier between `.`/`_`/`-`/`/`.
fn longest(text: &str, at_punctuation: bool) -> usize {
    text.split(['\n', ' '])
        .flat_map(|w| {
            if !at_punctuation && columns(w) <= 20 {
                vec![w]
            } else {
                atoms(w, at_punctuation)
            }
        })
        .map(columns)
        .max()
        .unwrap_or(0)
}

/// Wraps each line of `text` to `width` columns: at spaces; a word wider than the line breaks
/// after `.`/`_`/`-`/`/` and (Japanese) between wide characters; only a piece wider than the
/// whole line is cut.
pub(crate) fn wrap(text: &str, width: usize) -> String {
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let mut current = String::new();
        let mut used = 0usize;
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let w = columns(word);
            let gap = usize::from(used > 0);
            if used + gap + w <= width {
                if gap == 1 {
                    current.push(' ');
                }
                current.push_str(word);
                used += gap + w;
                continue;
            }
            if w <= width {
                out.push(std::mem::take(&mut current));
                current.push_str(word);
                used = w;
                continue;
            }
            // The word must break: piece by piece, the first on this line if it fits.
            let mut first = true;
            for atom in atoms(word, true) {
                let a = columns(atom);
                let gap = usize::from(first && used > 0);
                if used + gap + a > width && used > 0 {
                    out.push(std::mem::take(&mut current));
                    used = 0;
                } else if gap == 1 {
                    current.push(' ');
                    used += 1;
                }
                first = false;
                if a <= width {
                    current.push_str(atom);
                    used += a;
                    continue;
                }
                // Wider than a whole line: cut it (only when no column width could hold it).
                for c in atom.chars() {
                    let cw = columns(c.encode_utf8(&mut [0; 4]));
                    if used + cw > width && used > 0 {
                        out.push(std::mem::take(&mut current));
                        used = 0;
                    }
                    current.push(c);
                    used += cw;
                }
            }
        }
        out.push(current);
    }
    out.join("\n")
}

/// Wraps `text` to `width` terminal columns outside tables (summary and header lines).
pub(crate) fn wrap_lines(text: &str, width: u16) -> String {
    let mut out = String::new();
    for line in text.lines() {
        out.push_str(&wrap(line, usize::from(width.max(20))));
        out.push('\n');
    }
    out
}

/// Wraps each line of `text` to `width` columns (at least 20) with a hanging indent: a line's
/// continuation starts under its text, after its leading spaces and its first word (`-40`,
/// `cap`, `=`), so that lists such as the grade explanation stay readable at 80 columns.
pub fn wrap_hanging(text: &str, width: u16) -> String {
    let width = usize::from(width.max(20));
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if columns(body) <= width {
            out.push_str(line);
            continue;
        }
        // The prefix (leading spaces, first word, the spaces after it) is kept as written,
        // for its alignment; the rest wraps under the rest, unless that leaves too little room.
        let lead = body.len() - body.trim_start_matches(' ').len();
        let word_end = body[lead..].find(' ').map_or(body.len(), |i| lead + i);
        let rest_at = body.len() - body[word_end..].trim_start_matches(' ').len();
        let (prefix, rest) = body.split_at(rest_at);
        let hang = columns(prefix).min(width / 2);
        out.push_str(prefix);
        let wrapped = wrap(rest, width - hang);
        for (i, l) in wrapped.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
                out.push_str(&" ".repeat(hang));
            }
            out.push_str(l);
        }
        out.push_str(newline);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_only() {
        assert_eq!(wrap("declared not in place", 10), "declared\nnot in\nplace");
        assert_eq!(wrap("unverifiable", 12), "unverifiable");
    }

    #[test]
    fn long_identifiers_break_after_punctuation() {
        assert_eq!(
            wrap("web_forms.publication_schedule_enforced", 20),
            "web_forms.\npublication_\nschedule_enforced"
        );
        assert_eq!(
            wrap("see https://forms.example.lab/apply/start", 24),
            "see https://forms.\nexample.lab/apply/start"
        );
    }

    #[test]
    fn japanese_breaks_at_spaces_else_between_characters() {
        assert_eq!(
            wrap("申告と矛盾 1 ・未実施 1", 12),
            "申告と矛盾 1\n・未実施 1"
        );
        let text = wrap("判定 外部から確認不能です", 10);
        for line in text.lines() {
            assert!(columns(line) <= 10, "{line}");
        }
        assert_eq!(text.replace(['\n', ' '], ""), "判定外部から確認不能です");
    }

    #[test]
    fn columns_get_their_longest_word_then_share_the_rest() {
        // soft 8, 12, 20; hard 8, 12, 6; longest lines 8, 12, 90; 50 to share.
        assert_eq!(
            allocate(50, &[8, 12, 20], &[8, 12, 6], &[8, 12, 90]),
            vec![8, 12, 30]
        );
        // Too narrow for every word: the rightmost column gives way first, down to its longest
        // unbreakable piece, then the next.
        assert_eq!(
            allocate(30, &[8, 12, 20], &[8, 12, 6], &[8, 12, 90]),
            vec![8, 12, 10]
        );
        assert_eq!(
            allocate(20, &[10, 8, 20], &[4, 8, 6], &[30, 8, 90]),
            vec![6, 8, 6]
        );
    }

    #[test]
    fn hanging_wrap_keeps_words_whole_and_indents_continuations() {
        let line = "  -20  tls-legacy-protocol failed (high) on portal.example.lab:8443, portal.example.lab:9443, portal.example.lab:10443\n  = grade F\n";
        let text = wrap_hanging(line, 80);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() >= 3, "{text}");
        assert!(lines.iter().all(|l| columns(l) <= 80), "{text}");
        assert!(lines[0].starts_with("  -20  tls-legacy-protocol"), "{text}");
        assert!(
            lines[1].starts_with("       ") && !lines[1].starts_with("        "),
            "{text}"
        );
        assert_eq!(lines.last(), Some(&"  = grade F"));
        // No word was split: the words are those of the input.
        let words = |t: &str| t.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(words(&text), words(line));
        // A short text is left as it is.
        assert_eq!(wrap_hanging("  = grade A\n", 80), "  = grade A\n");
    }
}
