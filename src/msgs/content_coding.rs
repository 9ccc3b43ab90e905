//! HTTP content codings (RFC 9110 §8.4) of a response body, without I/O: gzip, deflate (zlib or
//! raw, as browsers accept both) and br, undone in the order they were applied, each read through
//! a cap on the decoded size so that a compression bomb stops at the cap and never allocates more.

use std::io::Read;

/// The most codings one response may stack (`Content-Encoding: gzip, br` is two).
pub const MAX_CODINGS: usize = 4;

/// What we tell servers we can decode, as browsers do.
pub const ACCEPT_ENCODING: &str = "gzip, deflate, br";

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodingError {
    #[error("decoded body larger than {0} bytes")]
    TooLarge(usize),
    #[error("unknown Content-Encoding `{0}`: the page cannot be read as a browser would")]
    Unknown(String),
    #[error("Content-Encoding stacks more than {MAX_CODINGS} codings")]
    TooMany,
    #[error("the {coding} body does not decode: {why}")]
    Corrupt { coding: &'static str, why: String },
}

impl CodingError {
    /// The reason in Japanese.
    pub fn ja(&self) -> String {
        match self {
            CodingError::TooLarge(n) => format!("展開後の本文が {n} バイトを超える"),
            CodingError::Unknown(c) => {
                format!("未知の Content-Encoding `{c}`: ブラウザと同じようには読めない")
            }
            CodingError::TooMany => {
                format!("Content-Encoding に {MAX_CODINGS} 個を超える符号化が重ねられている")
            }
            CodingError::Corrupt { coding, why } => {
                format!("{coding} の本文を展開できない: {why}")
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Gzip,
    Deflate,
    Br,
}

impl Coding {
    fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Br => "br",
        }
    }
}

/// The codings named by the `Content-Encoding` field values, in the order they were applied
/// (`identity` and empty members dropped).
fn codings(values: &[&str]) -> Result<Vec<Coding>, CodingError> {
    let mut out = Vec::new();
    for member in values.iter().flat_map(|v| v.split(',')) {
        let token = member.trim().to_ascii_lowercase();
        let coding = match token.as_str() {
            "" | "identity" => continue,
            "gzip" | "x-gzip" => Coding::Gzip,
            "deflate" => Coding::Deflate,
            "br" => Coding::Br,
            _ => {
                let shown: String = token.chars().take(40).collect();
                return Err(CodingError::Unknown(shown));
            }
        };
        if out.len() >= MAX_CODINGS {
            return Err(CodingError::TooMany);
        }
        out.push(coding);
    }
    Ok(out)
}

/// Reads `reader` to its end, or fails once it gives more than `cap` bytes.
fn read_capped(reader: impl Read, cap: usize, coding: Coding) -> Result<Vec<u8>, CodingError> {
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::new();
    reader
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| CodingError::Corrupt {
            coding: coding.name(),
            why: e.to_string(),
        })?;
    if out.len() > cap {
        return Err(CodingError::TooLarge(cap));
    }
    Ok(out)
}

fn undo(coding: Coding, body: &[u8], cap: usize) -> Result<Vec<u8>, CodingError> {
    match coding {
        // Several gzip members one after another are one body (RFC 1952 §2.2), as browsers read it.
        Coding::Gzip => read_capped(flate2::read::MultiGzDecoder::new(body), cap, coding),
        // RFC 9110 says zlib (RFC 1950); some servers send raw deflate (RFC 1951), which browsers
        // accept too: a zlib header (CMF method 8, the check bits a multiple of 31) tells them apart.
        Coding::Deflate => {
            let zlib = match body {
                [cmf, flg, ..] => {
                    cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
                }
                _ => false,
            };
            if zlib {
                read_capped(flate2::read::ZlibDecoder::new(body), cap, coding)
            } else {
                read_capped(flate2::read::DeflateDecoder::new(body), cap, coding)
            }
        }
        Coding::Br => read_capped(
            brotli_decompressor::Decompressor::new(body, 4096),
            cap,
            coding,
        ),
    }
}

/// `body` with the codings of `content_encoding` (the field's values) undone, last applied
/// first, every step under `cap` decoded bytes. No field, or only `identity`: the body as sent.
pub fn decode(
    body: Vec<u8>,
    content_encoding: &[&str],
    cap: usize,
) -> Result<Vec<u8>, CodingError> {
    let mut body = body;
    for coding in codings(content_encoding)?.into_iter().rev() {
        body = undo(coding, &body, cap)?;
    }
    if body.len() > cap {
        return Err(CodingError::TooLarge(cap));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_deflate_both_ways_and_stacked() {
        let page = b"<form><input name=name value=Sato></form>".to_vec();
        assert_eq!(decode(gzip(&page), &["gzip"], 1024).unwrap(), page);
        assert_eq!(decode(gzip(&page), &["X-Gzip"], 1024).unwrap(), page);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&page).unwrap();
        assert_eq!(
            decode(z.finish().unwrap(), &["deflate"], 1024).unwrap(),
            page
        );
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(&page).unwrap();
        assert_eq!(
            decode(raw.finish().unwrap(), &["deflate"], 1024).unwrap(),
            page
        );
        // Applied gzip then deflate: undone deflate first.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&gzip(&page)).unwrap();
        let twice = z.finish().unwrap();
        assert_eq!(
            decode(twice.clone(), &["gzip", "deflate"], 1024).unwrap(),
            page
        );
        assert_eq!(
            decode(twice, &["gzip, identity, deflate"], 1024).unwrap(),
            page
        );
        assert_eq!(decode(page.clone(), &[], 1024).unwrap(), page);
        assert_eq!(decode(page.clone(), &["identity"], 1024).unwrap(), page);
    }

    #[test]
    fn brotli_decodes() {
        let page = "<label>氏名<input name=a value=佐藤></label>".repeat(50);
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 9, 22);
            w.write_all(page.as_bytes()).unwrap();
        }
        assert!(br.len() < page.len() / 4);
        assert_eq!(decode(br, &["br"], 64 * 1024).unwrap(), page.as_bytes());
        assert!(matches!(
            decode(b"not brotli at all".to_vec(), &["br"], 1024),
            Err(CodingError::Corrupt { coding: "br", .. })
        ));
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        // 64 MiB of zeros in about 64 KiB of gzip: decoding stops one byte past a 2 MiB cap.
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..64 {
            e.write_all(&zeros).unwrap();
        }
        let bomb = e.finish().unwrap();
        assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
        let err = decode(bomb, &["gzip"], 2 * 1024 * 1024).unwrap_err();
        assert_eq!(err, CodingError::TooLarge(2 * 1024 * 1024));
        assert_eq!(err.to_string(), "decoded body larger than 2097152 bytes");
        assert_eq!(decode(vec![0; 11], &[], 10), Err(CodingError::TooLarge(10)));
    }

    #[test]
    fn unknown_or_too_many_codings_are_errors() {
        assert_eq!(
            decode(b"x".to_vec(), &["zstd"], 10),
            Err(CodingError::Unknown("zstd".into()))
        );
        assert_eq!(
            decode(b"x".to_vec(), &["gzip,gzip,gzip,gzip,gzip"], 10),
            Err(CodingError::TooMany)
        );
        assert!(matches!(
            decode(b"\x1f\x8b garbage".to_vec(), &["gzip"], 10),
            Err(CodingError::Corrupt { coding: "gzip", .. })
        ));
        for e in [
            CodingError::TooLarge(1),
            CodingError::Unknown("zstd".into()),
            CodingError::TooMany,
        ] {
            assert_eq!(crate::i18n::english_prose(&e.ja()), Vec::<String>::new());
        }
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400), ce in "[a-z, -]{0,20}") {
            for coding in [ce.as_str(), "gzip", "deflate", "br"] {
                if let Ok(out) = decode(bytes.clone(), &[coding], 4096) {
                    prop_assert!(out.len() <= 4096);
                }
            }
        }
    }
}
