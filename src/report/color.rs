//! Whether a report is coloured: the one place that decides, from `--color`, `NO_COLOR`
//! (https://no-color.org) and whether standard output is a terminal. A file written by
//! `--output` is never coloured, whatever the flag.

use std::ffi::OsStr;
use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Colour standard output whatever it is (e.g. piped into `less -R`), even with `NO_COLOR`.
    Always,
    /// Never colour.
    Never,
}

/// The decision, from the flag, whether standard output is a terminal, and `NO_COLOR`'s value.
pub fn decide(choice: ColorChoice, stdout_is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stdout_is_terminal && no_color.is_none_or(|v| v.is_empty()),
    }
}

/// Whether what is printed on standard output is coloured.
pub fn for_stdout(choice: ColorChoice) -> bool {
    decide(
        choice,
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_a_terminal_unless_no_color_is_set_and_non_empty() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(decide(ColorChoice::Auto, true, None));
        assert!(decide(ColorChoice::Auto, true, empty));
        assert!(!decide(ColorChoice::Auto, true, set));
        assert!(!decide(ColorChoice::Auto, false, None));
    }

    #[test]
    fn the_flag_overrides_the_terminal_and_no_color() {
        assert!(decide(ColorChoice::Always, false, Some(OsStr::new("1"))));
        assert!(!decide(ColorChoice::Never, true, None));
    }
}
