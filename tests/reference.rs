//! The generated reference: shell completions and man pages come from the CLI definition, so
//! every subcommand and every long option `--help` shows must be in them; bash accepts the
//! script and completes with it; groff renders the pages without a warning. `checks facts`
//! lists the whole fact catalogue.

use std::path::Path;
use std::process::Command;

use vendor_audit::catalog::facts::FACTS;

fn vendor_audit(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args(args)
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "vendor-audit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands `--help` lists under "Commands:" (without clap's `help`).
fn subcommands(path: &[&str]) -> Vec<String> {
    let mut args = path.to_vec();
    args.push("--help");
    let help = vendor_audit(&args);
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// Every command path: [], ["run"], ["checks"], ["checks", "show"], ...
fn command_paths() -> Vec<Vec<String>> {
    let mut paths = vec![Vec::new()];
    let mut i = 0;
    while i < paths.len() {
        let path: Vec<&str> = paths[i].iter().map(String::as_str).collect();
        let children: Vec<Vec<String>> = subcommands(&path)
            .into_iter()
            .map(|s| {
                let mut p = paths[i].clone();
                p.push(s);
                p
            })
            .collect();
        paths.extend(children);
        i += 1;
    }
    paths
}

/// The long options one command's `--help` shows.
fn long_options(path: &[String]) -> Vec<String> {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push("--help");
    let help = vendor_audit(&args);
    let mut options: Vec<String> = help
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let l = l
                .strip_prefix("-h, ")
                .or(l.strip_prefix("-V, "))
                .unwrap_or(l);
            l.starts_with("--").then(|| {
                l.split(|c: char| c.is_whitespace() || c == '=' || c == ',')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
        })
        .collect();
    options.dedup();
    options
}

fn bash(script: &str) -> (bool, String) {
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", script])
        .output()
        .expect("bash runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_bash_completion_names_every_subcommand_and_option_and_completes_them() {
    let script = vendor_audit(&["completions", "bash"]);
    let paths = command_paths();
    assert!(paths.len() > 10, "{paths:?}");
    for path in &paths {
        if let Some(name) = path.last() {
            assert!(script.contains(name.as_str()), "no `{name}` in the script");
        }
        for option in long_options(path) {
            assert!(
                script.contains(&option),
                "no `{option}` (of `{}`) in the script",
                path.join(" ")
            );
        }
    }
    assert!(script.contains("--near-go-live"));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vendor-audit.bash");
    std::fs::write(&file, &script).unwrap();
    let file = file.display();
    let (ok, out) = bash(&format!("bash -n {file}"));
    assert!(ok, "bash -n rejects the script: {out}");

    // Loaded, it registers a function for `vendor-audit` that completes a subcommand and an
    // option of it.
    let complete = |words: &str| {
        let (ok, out) = bash(&format!(
            "source {file}; f=$(complete -p vendor-audit | sed 's/.* -F \\([^ ]*\\) .*/\\1/'); \
             COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             COMP_LINE=\"${{COMP_WORDS[*]}}\"; COMP_POINT=${{#COMP_LINE}}; \
             \"$f\" vendor-audit \"${{COMP_WORDS[COMP_CWORD]}}\" \
             \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\""
        ));
        assert!(ok, "{out}");
        out
    };
    assert_eq!(complete("vendor-audit wat").trim(), "watch");
    assert_eq!(
        complete("vendor-audit watch --near").trim(),
        "--near-go-live"
    );
    assert_eq!(complete("vendor-audit checks fa").trim(), "facts");
    assert_eq!(
        complete("vendor-audit report-template --ven").trim(),
        "--vendor"
    );
}

#[test]
fn every_shell_gets_a_script_with_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = vendor_audit(&["completions", shell]);
        for name in ["run", "watch", "checks", "completions", "manpage"] {
            assert!(script.contains(name), "{shell}: no `{name}`");
        }
        assert!(script.contains("near-go-live"), "{shell}");
    }
}

/// The roff of one page, and groff's plain-text rendering when groff is installed (it is in
/// CI: tests/peers/install.sh installs it, and run-all.sh sets VENDOR_AUDIT_LAB).
fn rendered(page: &Path) -> Option<String> {
    let groff = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
        .arg(page)
        .output();
    match groff {
        Ok(out) => {
            let warnings = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success() && warnings.is_empty(),
                "{}: {warnings}",
                page.display()
            );
            // groff renders `\-` as a hyphen on a UTF-8 terminal (Debian's man.local), or as U+2212.
            Some(String::from_utf8_lossy(&out.stdout).replace('\u{2212}', "-"))
        }
        Err(_) if std::env::var_os("VENDOR_AUDIT_LAB").is_some() => {
            panic!("groff is missing although tests/peers/install.sh ran")
        }
        Err(_) => {
            eprintln!("groff not installed: the pages are checked as roff text only");
            None
        }
    }
}

#[test]
fn there_is_a_man_page_per_command_with_its_options_and_groff_renders_it() {
    let dir = tempfile::tempdir().unwrap();
    let listed = vendor_audit(&["manpage", "--out", &dir.path().display().to_string()]);
    let paths = command_paths();
    assert_eq!(listed.lines().count(), paths.len(), "{listed}");
    for path in &paths {
        let name = std::iter::once("vendor-audit")
            .chain(path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("-");
        let page = dir.path().join(format!("{name}.1"));
        assert!(listed.contains(&page.display().to_string()), "{listed}");
        let roff = std::fs::read_to_string(&page).unwrap();
        assert!(roff.contains(&format!(".TH {name} 1")), "{name}: {roff}");
        let text = rendered(&page);
        for option in long_options(path) {
            if option == "--help" || option == "--version" {
                continue;
            }
            let escaped = option.replace('-', "\\-");
            assert!(roff.contains(&escaped), "{name}: no `{option}`");
            if let Some(text) = &text {
                assert!(
                    text.contains(&option),
                    "{name} rendered: no `{option}`\n{text}"
                );
            }
        }
        if path.as_slice() == ["run"] {
            assert!(roff.contains("\\-\\-db"), "{roff}");
        }
    }
    // The tool's own page names every subcommand's page and states the exit codes.
    let top = dir.path().join("vendor-audit.1");
    let roff = std::fs::read_to_string(&top).unwrap();
    for path in paths.iter().filter(|p| p.len() == 1) {
        assert!(roff.contains(&path[0].replace('-', "\\-")), "{}", path[0]);
    }
    if let Some(text) = rendered(&top) {
        assert!(text.contains("EXIT STATUS"), "{text}");
        assert!(text.contains("vendor-audit-run(1)"), "{text}");
    }

    // Without --out, the tool's own page on standard output: the same text.
    assert_eq!(vendor_audit(&["manpage"]), roff);

    // `man -l` (man-db) shows it too, where installed.
    if let Ok(out) = Command::new("man")
        .arg("-l")
        .arg(&top)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("SYNOPSIS") && text.contains("vendor-audit"),
            "{text}"
        );
    }
}

#[test]
fn checks_facts_lists_the_whole_catalogue() {
    let text = vendor_audit(&["checks", "facts"]);
    let names: Vec<&str> = text
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let catalogue: Vec<&str> = FACTS.iter().map(|f| f.name).collect();
    assert_eq!(names, catalogue);
    for f in FACTS {
        let row = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(f.name))
            .unwrap();
        let cols: Vec<&str> = row.split_whitespace().take(3).collect();
        assert_eq!(cols, [f.name, f.kind.name(), f.probe], "{row}");
    }
    // In Japanese, each fact with its meaning in Japanese (the start of it: the rest may wrap).
    let ja = vendor_audit(&["checks", "facts", "--lang", "ja"]);
    assert!(ja.starts_with("事実 ") && !ja.contains("英語のみ"), "{ja}");
    for f in FACTS {
        let start: String = f.meaning_ja.chars().take(8).collect();
        assert!(
            ja.contains(f.name) && ja.contains(&start),
            "{}: {ja}",
            f.name
        );
    }
}
