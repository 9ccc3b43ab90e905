//! `--format html` as a mail reader sees it: the demo run three times into one history, its page
//! rendered by headless Chromium (Debian's `chromium`), and the assertions made on what Chromium
//! rendered: each vendor's grade, the failures by severity, a contradicted declaration, a
//! finding's message, the score's trend with a point per run; a screenshot for CI's artefacts.
//! English and Japanese. Lab-gated (it starts the demo's servers on loopback): with
//! VENDOR_AUDIT_LAB set, a missing `chromium` fails the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Each demo binds the same fixed addresses: the tests take turns.
static DEMO: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lab() -> bool {
    if std::env::var_os("VENDOR_AUDIT_LAB").is_none() {
        eprintln!("skipped: needs loopback and chromium; run with VENDOR_AUDIT_LAB=1 (bash tests/run-all.sh)");
        return false;
    }
    true
}

fn demo(db: &Path, now: &str, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .arg("demo")
        .arg("--db")
        .arg(db)
        .args(["--now", now])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "demo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Where CI keeps what people look at after a run: `$VENDOR_AUDIT_ARTEFACTS`, else
/// `target/artefacts`.
fn artefacts() -> PathBuf {
    let dir = std::env::var_os("VENDOR_AUDIT_ARTEFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/artefacts"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// Chromium's version; fails the test, before any demo runs, when it cannot run.
fn require_chromium() -> String {
    let problem = match Command::new("chromium").arg("--version").output() {
        Ok(out) if out.status.success() => {
            return String::from_utf8_lossy(&out.stdout).trim().to_owned();
        }
        Ok(out) => format!("it exits {}", out.status),
        Err(e) => e.to_string(),
    };
    panic!(
        "VENDOR_AUDIT_LAB is set but `chromium --version` fails ({problem}): install it \
         (apt-get install chromium; tests/peers/install.sh does)"
    )
}

/// Runs headless Chromium on `page` with `args`, within a minute; its standard output.
fn chromium(page: &Path, args: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "VENDOR_AUDIT_LAB is set but `chromium` cannot run ({e}): \
                 install it (apt-get install chromium; tests/peers/install.sh does)"
            )
        });
    // The output is read on threads, so that a full pipe never stalls Chromium.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).map(|_| s)
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took over 60 s on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = out.join().unwrap().unwrap();
    let stderr = err.join().unwrap().unwrap_or_default();
    assert!(status.success(), "chromium failed ({status}): {stderr}");
    stdout
}

/// The DOM Chromium built from `page`, after rendering.
fn rendered_dom(page: &Path) -> String {
    let dom = chromium(page, &["--dump-dom".to_owned()]);
    assert!(dom.contains("</html>"), "no DOM from chromium: {dom}");
    dom
}

/// The text of a DOM: each tag a space, entities decoded, white space collapsed.
fn text_of(dom: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    let mut in_style = false;
    let lower = dom.to_ascii_lowercase();
    let mut i = 0;
    for (at, c) in dom.char_indices() {
        if at < i {
            continue;
        }
        match c {
            '<' => {
                in_tag = true;
                if lower[at..].starts_with("<style") {
                    in_style = true;
                } else if lower[at..].starts_with("</style") {
                    in_style = false;
                }
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if in_tag || in_style => {}
            '&' => {
                let entity = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&nbsp;"]
                    .into_iter()
                    .zip(["&", "<", ">", "\"", "'", " "])
                    .find(|(e, _)| dom[at..].starts_with(e));
                match entity {
                    Some((e, plain)) => {
                        text.push_str(plain);
                        i = at + e.len();
                    }
                    None => text.push('&'),
                }
            }
            _ => text.push(c),
        }
    }
    collapse(&text)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Each vendor's section of the DOM, by the vendor's name (its heading).
fn sections(dom: &str) -> Vec<&str> {
    dom.split("<section class=\"vendor\"")
        .skip(1)
        .map(|s| s.split_once('>').map_or(s, |(_, rest)| rest))
        .map(|s| s.split("</section>").next().unwrap_or(s))
        .collect()
}

/// A screenshot of `page` in the artefacts folder; asserts it is a real picture.
fn screenshot(page: &Path, name: &str) -> PathBuf {
    let png = artefacts().join(name);
    let _ = std::fs::remove_file(&png);
    chromium(
        page,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2400".to_owned(),
        ],
    );
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is no PNG",
        png.display()
    );
    // A blank 1280x2400 page compresses to a few KB; the report's text and colours take more.
    assert!(
        bytes.len() > 30_000,
        "{} is only {} bytes: nothing rendered?",
        png.display(),
        bytes.len()
    );
    png
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}"))
}

#[test]
fn the_html_report_renders_in_chromium_with_grades_findings_and_trend() {
    if !lab() {
        return;
    }
    eprintln!("{}", require_chromium());
    let _guard = DEMO.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    // Three runs into one history: two on stdout, the third beside its JSON (--output).
    for (i, now) in ["2026-04-10T09:00:00+09:00", "2026-04-20T09:00:00+09:00"]
        .iter()
        .enumerate()
    {
        let out = demo(&db, now, &["--format", "html"]);
        let page = String::from_utf8(out.stdout).unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"), "run {i}: {page}");
    }
    let page = dir.path().join("report.html");
    let out = demo(
        &db,
        "2026-04-30T00:05:00+09:00",
        &[
            "--format",
            "json",
            "--output",
            &format!("html={}", page.display()),
        ],
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let vendors = json["vendors"].as_array().unwrap();
    assert!(vendors.len() >= 3, "the demo's vendors: {json}");

    let started = Instant::now();
    let dom = rendered_dom(&page);
    let text = text_of(&dom);
    assert!(
        !dom.contains("<script"),
        "the page has no script, and none was made"
    );
    let lower = dom.to_ascii_lowercase();
    for fetch in ["src=", "<link", "url(", "@import", "href=\"http"] {
        assert!(
            !lower.contains(fetch),
            "the page fetches something: {fetch}"
        );
    }
    let parts = sections(&dom);
    assert_eq!(parts.len(), vendors.len(), "one section per vendor");
    for (v, section) in vendors.iter().zip(&parts) {
        let (name, grade) = (str_of(v, "name"), str_of(v, "grade"));
        let score = v["score"].as_u64().unwrap();
        let own = text_of(section);
        // The overview line and the vendor's own heading: the grade letter and the score.
        assert!(
            text.contains(&format!("{name} {grade} {score}")),
            "overview of {name}: {grade} {score} in\n{text}"
        );
        assert!(
            own.starts_with(&format!("{grade} {name} {} {score} / 100", str_of(v, "id"))),
            "the heading of {name}: {own}"
        );
        // The bar's counts: unwaived failures by severity.
        let findings = v["findings"].as_array().unwrap();
        let count = |severity: &str| {
            findings
                .iter()
                .filter(|f| f["status"] == "fail" && f["waived"] == false)
                .filter(|f| f["severity"] == severity)
                .count()
        };
        let counts = format!(
            "critical {} high {} medium {} low {}",
            count("critical"),
            count("high"),
            count("medium"),
            count("low")
        );
        assert!(own.contains(&counts), "{name}: {counts} in\n{own}");
        // Each failure's message, as the page shows it.
        for f in findings.iter().filter(|f| f["status"] == "fail") {
            let message = collapse(str_of(f, "message"));
            assert!(own.contains(&message), "{name}: `{message}` not shown");
        }
        // The trend: this run and the two before it, a point each.
        let chart = section
            .split("<svg class=\"trend\"")
            .nth(1)
            .unwrap_or_else(|| panic!("{name}: no trend chart"));
        let chart = chart.split("</svg>").next().unwrap();
        assert_eq!(
            chart.matches("<circle class=\"point\"").count(),
            3,
            "{name}: a point per run"
        );
        assert!(own.contains("score over the last 3 runs"), "{name}: {own}");
    }
    // The false declarations of the incidents' vendors are contradicted.
    let kenko = parts
        .iter()
        .find(|s| s.contains("kenko-zaidan"))
        .expect("the screening vendor");
    assert!(text_of(kenko).contains("contradicted"));
    assert!(text.contains("How to fix:"), "the catalogue's fix texts");
    let png = screenshot(&page, "html-report-en.png");
    eprintln!(
        "chromium: DOM and screenshot ({}) in {:.1} s",
        png.display(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn the_japanese_html_report_renders_in_chromium() {
    if !lab() {
        return;
    }
    eprintln!("{}", require_chromium());
    let _guard = DEMO.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report-ja.html");
    demo(
        &dir.path().join("history.db"),
        "2026-04-30T00:05:00+09:00",
        &[
            "--lang",
            "ja",
            "--format",
            "json",
            "--output",
            &format!("html={}", page.display()),
        ],
    );
    let dom = rendered_dom(&page);
    assert!(dom.contains("<html lang=\"ja\">"), "{dom}");
    let text = text_of(&dom);
    for label in [
        "vendor-audit 監査結果",
        "委託先",
        "評価",
        "重大度別の不合格",
        "点数の推移",
        // The first run in its history: no trend yet, said in Japanese.
        "推移なし",
        "申告と観測結果",
        "申告と矛盾",
        "検出事項",
        "対処:",
        "評価の内訳",
        "年次報告書",
    ] {
        assert!(text.contains(label), "no {label} in\n{text}");
    }
    for english in [
        "Failures by severity",
        "Declared and observed",
        "Score over time",
        "How to fix",
    ] {
        assert!(!text.contains(english), "English `{english}` in\n{text}");
    }
    assert!(!dom.contains("<svg class=\"trend\""), "one run: no chart");
    screenshot(&page, "html-report-ja.png");
}
