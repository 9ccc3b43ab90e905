//! Local files the tool reads (inventory, reports, checks, trust files, targets files), read
//! bounded: only a regular file of at most `LOCAL_FILE_CAP`, opened once without blocking, so a
//! FIFO, a device, a directory or a huge file ends as a located diagnostic, never a hang or an OOM.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use crate::catalog::Text;
use crate::diagnostic::{both, io_error_ja, Diagnostic};

/// The most a local file may hold (every real inventory, report or check file is far smaller).
pub const LOCAL_FILE_CAP: u64 = 4 << 20;

/// `O_NONBLOCK` of open(2), so that opening a FIFO with no writer returns at once instead of
/// blocking (without it `open` waits for a writer forever). Written out to avoid a libc
/// dependency; the values are those of the platforms' <fcntl.h>.
#[cfg(any(target_os = "linux", target_os = "android"))]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const O_NONBLOCK: i32 = 0x0004;

/// Why a local file was not read.
#[derive(Debug)]
pub enum LocalFileError {
    /// open(2) or read(2) failed (missing, no permission...).
    Io(std::io::Error),
    /// Not a regular file: what it is instead, in English and Japanese ("a FIFO").
    NotRegular { en: &'static str, ja: &'static str },
    /// A regular file over the cap: its size in bytes (at least cap + 1 when it grew while read).
    TooLarge(u64),
    /// Not UTF-8 text: the byte offset of the first invalid byte, and its 1-based line and column
    /// (column in characters).
    InvalidUtf8 {
        offset: usize,
        line: usize,
        column: usize,
    },
}

impl LocalFileError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, LocalFileError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }

    /// What is wrong, with what was expected, in both languages.
    pub fn text(&self) -> Text {
        let cap = crate::msgs::size_words(LOCAL_FILE_CAP);
        match self {
            LocalFileError::Io(e) => both(
                format!("cannot read: {e}"),
                format!("読み込めない（{}）", io_error_ja(e)),
            ),
            LocalFileError::NotRegular { en, ja } => both(
                format!("expected a regular file of at most {cap}; it is {en}"),
                format!("{cap} 以下の通常のファイルを指定する（これは{ja}）"),
            ),
            LocalFileError::TooLarge(size) => both(
                format!(
                    "expected a regular file of at most {cap}; it holds {} ({size} bytes)",
                    crate::msgs::size_words(*size)
                ),
                format!(
                    "{cap} 以下の通常のファイルを指定する（このファイルは {}、{size} バイト）",
                    crate::msgs::size_words(*size)
                ),
            ),
            LocalFileError::InvalidUtf8 { offset, .. } => both(
                format!("not UTF-8 text: invalid byte at offset {offset}; expected UTF-8 text"),
                format!("UTF-8 のテキストとして読めない（{offset} バイト目が不正）"),
            ),
        }
    }

    /// The diagnostic for `path`: at the invalid byte for bad UTF-8, else at the file's start.
    pub fn diagnostic(&self, path: &Path) -> Diagnostic {
        let mut d = Diagnostic::whole_file(path, self.text());
        if let LocalFileError::InvalidUtf8 { line, column, .. } = self {
            d.line = *line;
            d.column = *column;
        }
        d
    }
}

impl std::fmt::Display for LocalFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en)
    }
}

/// The bytes of `path` if it is (after following symlinks) a regular file of at most `cap`
/// bytes. Opens once, non-blocking, checks the open handle, and reads at most `cap + 1` bytes.
pub fn read_bounded(path: &Path, cap: u64) -> Result<Vec<u8>, LocalFileError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open(path)
        .map_err(LocalFileError::Io)?;
    let meta = file.metadata().map_err(LocalFileError::Io)?;
    let kind = meta.file_type();
    if !kind.is_file() {
        let (en, ja) = if kind.is_dir() {
            ("a directory", "フォルダ")
        } else if kind.is_fifo() {
            ("a FIFO", "FIFO（名前付きパイプ）")
        } else if kind.is_char_device() {
            ("a character device", "キャラクタデバイス")
        } else if kind.is_block_device() {
            ("a block device", "ブロックデバイス")
        } else if kind.is_socket() {
            ("a socket", "ソケット")
        } else {
            ("not a regular file", "通常のファイルではない")
        };
        return Err(LocalFileError::NotRegular { en, ja });
    }
    if meta.len() > cap {
        return Err(LocalFileError::TooLarge(meta.len()));
    }
    read_capped(file, cap)
}

fn read_capped(file: File, cap: u64) -> Result<Vec<u8>, LocalFileError> {
    let mut out = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(LocalFileError::Io)?;
    if out.len() as u64 > cap {
        // It grew after fstat.
        return Err(LocalFileError::TooLarge(out.len() as u64));
    }
    Ok(out)
}

/// `read_bounded` with `LOCAL_FILE_CAP`, as UTF-8 text (an invalid byte is located).
pub fn read_text(path: &Path) -> Result<String, LocalFileError> {
    let bytes = read_bounded(path, LOCAL_FILE_CAP)?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let valid = e.as_bytes().get(..offset).unwrap_or_default();
        // The valid prefix is UTF-8, so this cannot fail; fall back to 1:1 if it somehow did.
        let prefix = std::str::from_utf8(valid).unwrap_or("");
        let line = prefix.matches('\n').count() + 1;
        let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        LocalFileError::InvalidUtf8 {
            offset,
            line,
            column,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_for_people() {
        assert_eq!(crate::msgs::size_words(10), "10 bytes");
        assert_eq!(crate::msgs::size_words(4 << 20), "4 MiB");
        assert_eq!(
            crate::msgs::size_words(5 * (1 << 30) + (1 << 28)),
            "5.2 GiB"
        );
    }

    #[test]
    fn refuses_what_is_not_a_small_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_bounded(dir.path(), LOCAL_FILE_CAP).unwrap_err();
        assert!(err.to_string().contains("a directory"), "{err}");

        let err = read_bounded(Path::new("/dev/zero"), LOCAL_FILE_CAP).unwrap_err();
        assert!(err.to_string().contains("a character device"), "{err}");

        let big = dir.path().join("big");
        File::create(&big).unwrap().set_len(5 << 20).unwrap();
        let err = read_bounded(&big, LOCAL_FILE_CAP).unwrap_err();
        assert!(err.to_string().contains("it holds 5 MiB"), "{err}");

        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let err = read_bounded(&fifo, LOCAL_FILE_CAP).unwrap_err();
        assert!(err.to_string().contains("a FIFO"), "{err}");

        let ok = dir.path().join("ok");
        std::fs::write(&ok, "a = 1\n").unwrap();
        assert_eq!(read_bounded(&ok, LOCAL_FILE_CAP).unwrap(), b"a = 1\n");
        assert!(read_bounded(&ok, 3).is_err());
    }

    #[test]
    fn japanese_reasons_have_no_english() {
        let errors = [
            LocalFileError::NotRegular {
                en: "a FIFO",
                ja: "FIFO（名前付きパイプ）",
            },
            LocalFileError::NotRegular {
                en: "a character device",
                ja: "キャラクタデバイス",
            },
            LocalFileError::TooLarge(5 << 20),
            LocalFileError::InvalidUtf8 {
                offset: 3,
                line: 1,
                column: 4,
            },
        ];
        for e in errors {
            let ja = e.text().ja;
            assert!(crate::english_prose::english_leaks(&ja).is_empty(), "{ja}");
        }
    }

    #[test]
    fn invalid_utf8_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.toml");
        std::fs::write(&p, b"a = 1\nbb = \"\xff\"\n").unwrap();
        match read_text(&p).unwrap_err() {
            LocalFileError::InvalidUtf8 {
                offset,
                line,
                column,
            } => assert_eq!((offset, line, column), (12, 2, 7)),
            other => panic!("{other}"),
        }
    }
}
