//! The language people are spoken to in: chosen by `--lang`, else by the locale variables
//! (POSIX precedence), and clap's command-line errors said again in Japanese from their kind and
//! context. Pure functions; `main.rs` reads the environment and argv and passes them in.

use std::ffi::OsString;
use std::fmt::Write as _;

use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::catalog::Lang;

/// The language a locale name means: `ja`, `ja_JP`, `ja_JP.UTF-8`, `ja-JP` are Japanese;
/// anything else (`C`, `POSIX`, `en_US.UTF-8`, `jam`) is English.
pub fn lang_of_locale(locale: &str) -> Lang {
    let language = locale
        .split(['_', '.', '@', '-'])
        .next()
        .unwrap_or_default();
    if language.eq_ignore_ascii_case("ja") {
        Lang::Ja
    } else {
        Lang::En
    }
}

/// The language of the environment, from `LC_ALL`, then `LC_MESSAGES`, then `LANG`: the first
/// one set and not empty decides (POSIX, Base Definitions §8.2); none set means English.
pub fn lang_from_env(lc_all: Option<&str>, lc_messages: Option<&str>, lang: Option<&str>) -> Lang {
    [lc_all, lc_messages, lang]
        .into_iter()
        .flatten()
        .find(|v| !v.is_empty())
        .map_or(Lang::En, lang_of_locale)
}

/// The language of this process's environment (`lang_from_env` over the real variables).
pub fn env_lang() -> Lang {
    let var = |name: &str| std::env::var(name).ok();
    lang_from_env(
        var("LC_ALL").as_deref(),
        var("LC_MESSAGES").as_deref(),
        var("LANG").as_deref(),
    )
}

/// `--lang ja` / `--lang=ja` anywhere in `args`, read leniently (before clap has parsed, or when
/// it could not): the last one written wins, as clap would take it; an unknown value is ignored.
pub fn lang_in_args(args: &[OsString]) -> Option<Lang> {
    let mut found = None;
    let mut iter = args.iter().map(|a| a.to_string_lossy());
    while let Some(arg) = iter.next() {
        if arg == "--" {
            break;
        }
        let value = match arg.strip_prefix("--lang") {
            Some("") => iter.next().map(|v| v.into_owned()),
            Some(rest) => rest.strip_prefix('=').map(str::to_owned),
            None => None,
        };
        match value.as_deref() {
            Some("ja") => found = Some(Lang::Ja),
            Some("en") => found = Some(Lang::En),
            _ => {}
        }
    }
    found
}

fn string(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn strings(err: &clap::Error, kind: ContextKind) -> Vec<String> {
    match err.get(kind) {
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::StyledStrs(v)) => v.iter().map(ToString::to_string).collect(),
        Some(ContextValue::StyledStr(s)) => vec![s.to_string()],
        _ => Vec::new(),
    }
}

/// `a`、`b`: values and names as identifiers, in a Japanese list.
fn ticked(items: &[String]) -> String {
    let ticked: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    ticked.join("、")
}

/// Why a value was refused, in Japanese, for the options whose parsers are ours (their own
/// English text names the expected form; it is kept, quoted, after this).
fn value_hint_ja(arg: &str) -> Option<&'static str> {
    let name = arg.split([' ', '=', '<']).next().unwrap_or(arg);
    Some(match name {
        "--now" => "RFC 3339 形式の日時で指定する（例: 2026-04-30T00:05:00+09:00）",
        "--resolve" => "NAME=ADDR の形で指定する（例: portal.example.lab=127.0.0.22）",
        "--every" | "--near-go-live" => {
            "間隔を数値と単位 s・m・h・d で指定する（例: 30s、15m、1h、1d）"
        }
        "--concurrency" | "--per-host" => "1 以上の整数で指定する",
        "--timeout" => "1 から 300 までの秒数で指定する",
        "--limit" | "--port" => "整数で指定する",
        "--output" => "FILE または FORMAT=FILE の形で指定する（例: json=run.json）",
        _ => return None,
    })
}

/// clap's error for a bad command line, in `lang`: English is clap's own rendering; Japanese is
/// written here from the error's kind and context (the argument, the value, the accepted values,
/// the suggestion, the usage line). The exit code stays clap's (`use_stderr`: 2).
pub fn clap_error(err: &clap::Error, lang: Lang) -> String {
    if lang == Lang::En
        || matches!(
            err.kind(),
            ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        )
    {
        return err.render().to_string();
    }
    let arg = string(err, ContextKind::InvalidArg).unwrap_or_default();
    let value = string(err, ContextKind::InvalidValue).unwrap_or_default();
    let valid = strings(err, ContextKind::ValidValue);
    let source = std::error::Error::source(err).map(ToString::to_string);
    let mut out = String::from("エラー: ");
    match err.kind() {
        ErrorKind::InvalidValue if value.is_empty() => {
            let _ = write!(out, "`{arg}` に値が指定されていない");
        }
        ErrorKind::InvalidValue => {
            let _ = write!(out, "`{arg}` に `{value}` は指定できない");
        }
        ErrorKind::ValueValidation => {
            let _ = write!(out, "`{arg}` の値 `{value}` は使えない");
            if let Some(hint) = value_hint_ja(&arg) {
                let _ = write!(out, "。{hint}");
            }
            if let Some(source) = &source {
                let _ = write!(out, "（原文: \"{source}\"）");
            }
        }
        ErrorKind::UnknownArgument => {
            let _ = write!(out, "`{arg}` という引数はない");
        }
        ErrorKind::InvalidSubcommand => {
            let sub = string(err, ContextKind::InvalidSubcommand).unwrap_or_default();
            let _ = write!(out, "`{sub}` というサブコマンドはない");
        }
        ErrorKind::MissingSubcommand => {
            let sub = string(err, ContextKind::InvalidSubcommand).unwrap_or_default();
            let _ = write!(out, "`{sub}` にはサブコマンドが必要である");
            let subs = strings(err, ContextKind::ValidSubcommand);
            if !subs.is_empty() {
                let _ = write!(out, "\n  [サブコマンド: {}]", ticked(&subs));
            }
        }
        ErrorKind::MissingRequiredArgument => {
            out.push_str("次の引数が必要だが指定されていない:");
            for a in strings(err, ContextKind::InvalidArg) {
                let _ = write!(out, "\n  {a}");
            }
        }
        ErrorKind::ArgumentConflict => {
            let prior = strings(err, ContextKind::PriorArg);
            if prior.is_empty() || prior == [arg.clone()] {
                let _ = write!(out, "`{arg}` は一度しか指定できない");
            } else {
                let _ = write!(
                    out,
                    "`{arg}` は `{}` と同時に指定できない",
                    prior.join("`、`")
                );
            }
        }
        ErrorKind::NoEquals => {
            let _ = write!(out, "`{arg}` の値は `=` でつないで指定する");
        }
        ErrorKind::TooManyValues => {
            let _ = write!(out, "`{arg}` の値 `{value}` は余分である");
        }
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            let _ = write!(out, "`{arg}` の値の数が合わない");
        }
        ErrorKind::InvalidUtf8 => out.push_str("引数に UTF-8 として読めない文字がある"),
        _ => {
            // Io, Format and kinds added later: clap's own words, quoted.
            let first = err.to_string();
            let first = first.lines().next().unwrap_or_default();
            let first = first.strip_prefix("error: ").unwrap_or(first);
            let _ = write!(out, "コマンドラインを解釈できない（原文: \"{first}\"）");
        }
    }
    if !valid.is_empty() {
        let _ = write!(out, "\n  [指定できる値: {}]", ticked(&valid));
    }
    let suggested: Vec<String> = [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .flat_map(|k| strings(err, k))
    .collect();
    if !suggested.is_empty() {
        let _ = write!(
            out,
            "\n\n  ヒント: `{}` のことか",
            suggested.join("` または `")
        );
    }
    if let Some(usage) = string(err, ContextKind::Usage) {
        let usage = usage.trim();
        let usage = usage.strip_prefix("Usage:").unwrap_or(usage).trim();
        let _ = write!(out, "\n\n使い方: {usage}");
    }
    out.push_str("\n\n詳しくは `--help` を参照。\n");
    out
}

/// English prose left in a text meant to be Japanese, for the unit tests of the Japanese
/// builders: [`crate::english_prose::english_leaks`], the integration tests' scanner.
#[cfg(test)]
pub(crate) fn english_prose(text: &str) -> Vec<String> {
    crate::english_prose::english_leaks(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn english_prose_is_found_and_identifiers_are_not() {
        assert_eq!(
            english_prose("Cache-Control: no-store, private: no cache may store it（RFC 9111）"),
            ["private no cache may store it"]
        );
        assert!(english_prose("Cache-Control: no-store, private: どのキャッシュも").is_empty());
        assert!(english_prose("TLS_RSA_WITH_AES_128_CBC_SHA ほか 1 件").is_empty());
    }

    use super::*;
    use clap::{Parser, Subcommand, ValueEnum};

    #[test]
    fn the_first_set_locale_variable_decides() {
        let ja = Some("ja_JP.UTF-8");
        let en = Some("en_US.UTF-8");
        assert_eq!(lang_from_env(None, None, None), Lang::En);
        assert_eq!(lang_from_env(None, None, ja), Lang::Ja);
        assert_eq!(lang_from_env(None, None, Some("ja")), Lang::Ja);
        // LC_ALL before LC_MESSAGES before LANG, whichever way they point.
        assert_eq!(lang_from_env(en, ja, ja), Lang::En);
        assert_eq!(lang_from_env(ja, en, en), Lang::Ja);
        assert_eq!(lang_from_env(None, en, ja), Lang::En);
        assert_eq!(lang_from_env(None, ja, en), Lang::Ja);
        // An empty variable is as if unset.
        assert_eq!(lang_from_env(Some(""), Some(""), ja), Lang::Ja);
        assert_eq!(lang_from_env(Some(""), ja, en), Lang::Ja);
        // C, POSIX and look-alikes are not Japanese.
        for other in ["C", "POSIX", "C.UTF-8", "jam_XX", "en", "fr_FR@euro"] {
            assert_eq!(lang_of_locale(other), Lang::En, "{other}");
        }
        for japanese in [
            "ja",
            "ja_JP",
            "ja_JP.UTF-8",
            "ja_JP.eucJP",
            "ja-JP",
            "JA_JP",
        ] {
            assert_eq!(lang_of_locale(japanese), Lang::Ja, "{japanese}");
        }
    }

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn lang_is_found_in_the_arguments_however_it_is_written() {
        assert_eq!(
            lang_in_args(&args(&["va", "validate", "--lang", "ja"])),
            Some(Lang::Ja)
        );
        assert_eq!(
            lang_in_args(&args(&["va", "--lang=ja", "run"])),
            Some(Lang::Ja)
        );
        assert_eq!(
            lang_in_args(&args(&["va", "--lang", "ja", "--lang", "en"])),
            Some(Lang::En)
        );
        assert_eq!(lang_in_args(&args(&["va", "--lang", "xx"])), None);
        assert_eq!(lang_in_args(&args(&["va", "--language", "ja"])), None);
        assert_eq!(lang_in_args(&args(&["va", "--", "--lang", "ja"])), None);
        assert_eq!(lang_in_args(&args(&["va", "--lang"])), None);
    }

    #[derive(Parser, Debug)]
    #[command(name = "tool")]
    struct Cli {
        #[command(subcommand)]
        command: Cmd,
    }

    #[derive(Subcommand, Debug)]
    enum Cmd {
        Run {
            #[arg(long, value_enum, default_value = "table")]
            format: Fmt,
            #[arg(long, value_parser = |s: &str| s.parse::<u8>().map_err(|e| e.to_string()))]
            timeout: Option<u8>,
        },
    }

    #[derive(Clone, Copy, Debug, ValueEnum)]
    enum Fmt {
        Table,
        Json,
    }

    fn error_of(list: &[&str]) -> clap::Error {
        match Cli::try_parse_from(list) {
            Err(e) => e,
            Ok(parsed) => panic!("parsed: {parsed:?}"),
        }
    }

    #[test]
    fn clap_errors_are_said_in_japanese_with_what_was_wrong() {
        let e = error_of(&["tool", "run", "--formt", "json"]);
        let ja = clap_error(&e, Lang::Ja);
        assert!(ja.starts_with("エラー: `--formt` という引数はない"), "{ja}");
        assert!(ja.contains("ヒント: `--format` のことか"), "{ja}");
        assert!(ja.contains("使い方: tool run"), "{ja}");
        assert!(!ja.contains("Usage"), "{ja}");

        let e = error_of(&["tool", "run", "--format", "xml"]);
        let ja = clap_error(&e, Lang::Ja);
        assert!(
            ja.contains("`--format <FORMAT>` に `xml` は指定できない"),
            "{ja}"
        );
        assert!(ja.contains("[指定できる値: `table`、`json`]"), "{ja}");

        let e = error_of(&["tool", "runn"]);
        let ja = clap_error(&e, Lang::Ja);
        assert!(ja.contains("`runn` というサブコマンドはない"), "{ja}");
        assert!(ja.contains("`run` のことか"), "{ja}");

        let e = error_of(&["tool", "run", "--timeout", "x"]);
        let ja = clap_error(&e, Lang::Ja);
        assert!(
            ja.contains("`--timeout <TIMEOUT>` の値 `x` は使えない"),
            "{ja}"
        );
        assert!(ja.contains("1 から 300"), "{ja}");
        assert!(
            ja.contains("原文: \"invalid digit found in string\""),
            "{ja}"
        );

        // English is clap's own text.
        let en = clap_error(&e, Lang::En);
        assert!(en.starts_with("error: invalid value 'x'"), "{en}");
    }
}
