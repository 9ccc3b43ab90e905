//! The history's storage layer: one connection, SQLite or PostgreSQL, behind the same few calls
//! (execute, query, batch, a write transaction) with our own [`Value`] for parameters and
//! columns. Queries are written once, with `?N` placeholders that PostgreSQL gets as `$N`.

use std::fmt;

use super::pg::Pg;

/// A parameter or a column: all the history stores is integers, text and bytes (a bool is an
/// integer 0 or 1, as SQLite keeps it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_owned())
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Value {
        Value::Bytes(v.to_vec())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// The parameters of a query, each turned into a [`Value`]: `vals![run, vendor]`.
macro_rules! vals {
    ($($v:expr),* $(,)?) => {
        vec![$($crate::history::db::Value::from($v)),*]
    };
}
pub(crate) use vals;

impl Value {
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Int(_) => "an integer",
            Value::Text(_) => "text",
            Value::Bytes(_) => "bytes",
        }
    }
}

/// A storage error in words (SQLite's or PostgreSQL's own, never a debug dump).
#[derive(Debug, Clone)]
pub struct DbError(pub String);

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<DbError> for String {
    fn from(e: DbError) -> String {
        e.0
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        DbError(e.to_string())
    }
}

/// One result row.
#[derive(Debug, Clone, Default)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn get(&self, i: usize) -> Result<&Value, DbError> {
        self.0
            .get(i)
            .ok_or_else(|| DbError(format!("the query has no column {i}")))
    }

    fn wrong(&self, i: usize, wanted: &str) -> DbError {
        let got = self.0.get(i).map_or("nothing", Value::kind);
        DbError(format!("column {i} holds {got}, not {wanted}"))
    }

    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        match self.get(i)? {
            Value::Int(v) => Ok(*v),
            _ => Err(self.wrong(i, "an integer")),
        }
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.get(i)? {
            Value::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    pub fn bool(&self, i: usize) -> Result<bool, DbError> {
        self.int(i).map(|v| v != 0)
    }

    pub fn text(&self, i: usize) -> Result<String, DbError> {
        match self.get(i)? {
            Value::Text(v) => Ok(v.clone()),
            _ => Err(self.wrong(i, "text")),
        }
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.get(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    pub fn bytes(&self, i: usize) -> Result<Vec<u8>, DbError> {
        match self.get(i)? {
            Value::Bytes(v) => Ok(v.clone()),
            _ => Err(self.wrong(i, "bytes")),
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Integer(*v),
            Value::Text(v) => ValueRef::Text(v.as_bytes()),
            Value::Bytes(v) => ValueRef::Blob(v),
        }))
    }
}

fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Result<Value, DbError> {
    use rusqlite::types::ValueRef;
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
        ValueRef::Real(_) => return Err(DbError("a real number where none is stored".into())),
    })
}

/// `sql` with SQLite's numbered placeholders `?N` written as PostgreSQL's `$N` (outside quoted
/// text and names).
pub fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            None => out.push(c),
        }
    }
    out
}

/// An open history connection.
pub enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(Pg),
}

impl Db {
    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    /// Runs a statement that returns no rows; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: Vec<Value>) -> Result<u64, DbError> {
        match self {
            Db::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                let n = stmt.execute(rusqlite::params_from_iter(params.iter()))?;
                Ok(n as u64)
            }
            Db::Postgres(pg) => pg.execute(sql, params),
        }
    }

    /// Runs a query; every row, each column a [`Value`].
    pub fn query(&self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, DbError> {
        match self {
            Db::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                let n = stmt.column_count();
                let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    let mut row = Vec::with_capacity(n);
                    for i in 0..n {
                        row.push(from_sqlite(r.get_ref(i)?)?);
                    }
                    out.push(Row(row));
                }
                Ok(out)
            }
            Db::Postgres(pg) => pg.query(sql, params),
        }
    }

    /// The first row of a query, if any.
    pub fn query_opt(&self, sql: &str, params: Vec<Value>) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The first row of a query, which must have one.
    pub fn query_one(&self, sql: &str, params: Vec<Value>) -> Result<Row, DbError> {
        self.query_opt(sql, params)?
            .ok_or_else(|| DbError("the query returned no row".into()))
    }

    /// Runs statements separated by `;`, with no parameters (DDL, transaction control).
    pub fn batch(&self, sql: &str) -> Result<(), DbError> {
        match self {
            Db::Sqlite(conn) => conn.execute_batch(sql).map_err(DbError::from),
            Db::Postgres(pg) => pg.batch(sql),
        }
    }

    /// Runs `f` in a write transaction: committed when it succeeds, rolled back when it
    /// fails. SQLite takes the write lock at once (`BEGIN IMMEDIATE`), so that two writers
    /// never both read and then both wait to write.
    pub fn write<R, E: From<DbError>>(&self, f: impl FnOnce(&Db) -> Result<R, E>) -> Result<R, E> {
        self.batch(match self {
            Db::Sqlite(_) => "BEGIN IMMEDIATE",
            Db::Postgres(_) => "BEGIN",
        })?;
        match f(self) {
            Ok(r) => match self.batch("COMMIT") {
                Ok(()) => Ok(r),
                Err(e) => {
                    let _ = self.batch("ROLLBACK");
                    Err(e.into())
                }
            },
            Err(e) => {
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_quotes() {
        assert_eq!(
            dollar_placeholders("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d IN (?10, ?2)"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d IN ($10, $2)"
        );
        assert_eq!(
            dollar_placeholders("SELECT \"x?1\", ?"),
            "SELECT \"x?1\", ?"
        );
    }

    #[test]
    fn rows_read_by_type_and_say_what_they_hold() {
        let row = Row(vals![7i64, "t", None::<String>, true]);
        assert_eq!(row.int(0).unwrap(), 7);
        assert_eq!(row.text(1).unwrap(), "t");
        assert_eq!(row.opt_text(2).unwrap(), None);
        assert_eq!(row.opt_int(2).unwrap(), None);
        assert!(row.bool(3).unwrap());
        assert_eq!(
            row.int(1).unwrap_err().to_string(),
            "column 1 holds text, not an integer"
        );
        assert!(row.text(9).is_err());
    }

    #[test]
    fn sqlite_answers_through_values() {
        let db = Db::Sqlite(rusqlite::Connection::open_in_memory().unwrap());
        db.batch("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, b BLOB, n INTEGER)")
            .unwrap();
        let id = db
            .write(|db| {
                db.query_one(
                    "INSERT INTO t (s, b, n) VALUES (?1, ?2, ?3) RETURNING id",
                    vals!["x", &b"\x00\x01"[..], None::<i64>],
                )?
                .int(0)
            })
            .unwrap();
        let row = db
            .query_one("SELECT s, b, n FROM t WHERE id = ?1", vals![id])
            .unwrap();
        assert_eq!(row.text(0).unwrap(), "x");
        assert_eq!(row.bytes(1).unwrap(), vec![0, 1]);
        assert_eq!(row.opt_int(2).unwrap(), None);
        // A failed transaction leaves nothing.
        let failed: Result<(), DbError> = db.write(|db| {
            db.execute("INSERT INTO t (s) VALUES ('y')", vec![])?;
            Err(DbError("stop".into()))
        });
        assert!(failed.is_err());
        assert_eq!(
            db.query_one("SELECT count(*) FROM t", vec![])
                .unwrap()
                .int(0)
                .unwrap(),
            1
        );
    }
}
