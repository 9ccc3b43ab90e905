//! Where a history lives: a SQLite file, or a PostgreSQL database named by a
//! `postgres://` URL (`--db`, `[audit] history`). Says it for people with any password hidden,
//! and refuses what this build cannot use (TLS to PostgreSQL) before anything connects.

use std::fmt;
use std::path::{Path, PathBuf};

/// A history's place: a file, or a PostgreSQL URL (kept whole, password included, to connect).
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    Postgres(PgUrl),
}

/// A `postgres://` or `postgresql://` URL, checked to parse. Its `Debug` and `Display` never
/// show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct PgUrl(String);

impl PgUrl {
    /// The URL as given, password included: only for connecting.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

impl fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PgUrl({})", redact(&self.0))
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(p) => write!(f, "File({})", p.display()),
            Location::Postgres(u) => write!(f, "Postgres({u})"),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(p) => write!(f, "{}", p.display()),
            Location::Postgres(u) => write!(f, "{u}"),
        }
    }
}

/// Whether `text` is meant as a PostgreSQL URL rather than a file name.
pub fn is_postgres_url(text: &str) -> bool {
    let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

impl Location {
    /// What `--db` names: a URL when it starts with `postgres://` or `postgresql://`, else a
    /// file. A URL that cannot be used is an error for people (its password hidden).
    pub fn of_arg(db: &Path) -> Result<Location, String> {
        match db.to_str() {
            Some(text) if is_postgres_url(text) => PgUrl::parse(text).map(Location::Postgres),
            _ => Ok(Location::File(db.to_path_buf())),
        }
    }

    /// The file of a SQLite history.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::File(p) => Some(p),
            Location::Postgres(_) => None,
        }
    }

    /// The location for messages: the file's path, or the URL without its password. (The
    /// name of the method that once returned the file's path, so that `x.path().display()`
    /// reads the same.)
    pub fn display(&self) -> String {
        self.to_string()
    }
}

impl PgUrl {
    /// Checks a URL: it must parse as a PostgreSQL connection URL, and ask for no TLS (not
    /// supported yet: `sslmode=disable` or `prefer`, the default, which goes without).
    pub fn parse(text: &str) -> Result<PgUrl, String> {
        // The scheme in any case, as URLs allow; the driver reads it in lower case.
        let text = &match text.find("://") {
            Some(end) => format!("{}{}", text[..end].to_ascii_lowercase(), &text[end..]),
            None => text.to_owned(),
        };
        let shown = redact(text);
        let config: postgres::Config = text.parse().map_err(|e: postgres::Error| {
            let e = super::pg::describe(&e);
            format!("{shown} is not a PostgreSQL URL ({e}); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        })?;
        if config.get_hosts().is_empty() {
            return Err(format!(
                "{shown} names no host; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
            ));
        }
        if !matches!(
            config.get_ssl_mode(),
            postgres::config::SslMode::Disable | postgres::config::SslMode::Prefer
        ) {
            return Err(format!(
                "{shown} asks for TLS, which this build does not speak to PostgreSQL yet: use sslmode=disable over loopback or a tunnel (stunnel, an SSH forward)"
            ));
        }
        Ok(PgUrl(text.to_owned()))
    }
}

/// `url` with the password of its user part, and of a `password=` parameter, shown as `***`:
/// `postgres://audit:***@db.example/vendor_audit`.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let (scheme, rest) = url.split_at(scheme_end);
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (user_part, host_part) = authority.split_at(at);
            match user_part.split_once(':') {
                Some((user, _)) => format!("{user}:***{host_part}"),
                None => authority.to_owned(),
            }
        }
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("postgres://audit:s3cr3t@db.example:5432/vendor_audit"),
            "postgres://audit:***@db.example:5432/vendor_audit"
        );
        assert_eq!(
            redact("postgresql://audit:p%40ss@h/db?sslmode=disable&password=x2"),
            "postgresql://audit:***@h/db?sslmode=disable&password=***"
        );
        assert_eq!(redact("postgres://audit@h/db"), "postgres://audit@h/db");
        assert_eq!(redact("postgres://h"), "postgres://h");
        let url = PgUrl::parse("postgres://audit:s3cr3t@127.0.0.1/db").unwrap();
        for shown in [
            url.to_string(),
            format!("{url:?}"),
            Location::Postgres(url.clone()).display(),
            format!("{:?}", Location::Postgres(url.clone())),
        ] {
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
        assert_eq!(url.secret(), "postgres://audit:s3cr3t@127.0.0.1/db");
    }

    #[test]
    fn a_db_argument_is_a_url_or_a_file() {
        assert_eq!(
            Location::of_arg(Path::new("runs/h.db")).unwrap(),
            Location::File(PathBuf::from("runs/h.db"))
        );
        assert!(matches!(
            Location::of_arg(Path::new("POSTGRES://u@h/d")).unwrap(),
            Location::Postgres(_)
        ));
        let e = Location::of_arg(Path::new("postgres://u:pw@h/d?sslmode=require")).unwrap_err();
        assert!(e.contains("TLS") && !e.contains("pw@"), "{e}");
        let e = Location::of_arg(Path::new("postgres://u:pw@h:notaport/d")).unwrap_err();
        assert!(
            e.contains("not a PostgreSQL URL (invalid connection string: ") && !e.contains(":pw"),
            "{e}"
        );
    }
}
