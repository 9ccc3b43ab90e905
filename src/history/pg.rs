//! The PostgreSQL half of the storage layer: rust-postgres's sync client on a thread of its
//! own, so that calls from inside the audit's tokio runtime (`watch`, alert delivery) never
//! start a runtime within a runtime. Each call is sent there and waited for; statements are
//! prepared once per connection.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};

use super::db::{dollar_placeholders, DbError, Row, Value};
use super::location::PgUrl;

/// How long connecting may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Prepared statements kept per connection (the multi-row inserts vary in length).
const STATEMENTS: usize = 256;

type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// The connection's thread: its client and its prepared statements.
struct Session {
    client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl Session {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        if self.statements.len() >= STATEMENTS {
            self.statements.clear();
        }
        let s = self.client.prepare(&dollar_placeholders(sql))?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let stmt = self.statement(sql).map_err(|e| describe(&e))?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        self.client.execute(&stmt, &refs).map_err(|e| describe(&e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let stmt = self.statement(sql).map_err(|e| describe(&e))?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self.client.query(&stmt, &refs).map_err(|e| describe(&e))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.try_get::<_, Value>(i).map_err(|e| describe(&e)))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Row)
            })
            .collect()
    }
}

/// A PostgreSQL error in words: the server's message (and detail) when it sent one, else the
/// client's (connection refused, authentication failed, …). Never the URL.
pub fn describe(e: &postgres::Error) -> DbError {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("PostgreSQL said: {}", db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        return DbError(text);
    }
    // The client's own words name the kind ("error connecting to server"); its causes say why
    // ("Connection refused"), each added once.
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(&format!(": {more}"));
        }
        source = s.source();
    }
    DbError(text)
}

/// A connection to PostgreSQL, driven on its own thread.
pub struct Pg {
    jobs: Option<mpsc::Sender<Job>>,
    worker: Option<JoinHandle<()>>,
}

fn gone() -> DbError {
    DbError("the connection to PostgreSQL was lost".into())
}

impl Pg {
    /// Connects (without TLS: [`PgUrl::parse`] refused URLs that ask for it).
    pub fn connect(url: &PgUrl) -> Result<Pg, DbError> {
        let mut config: postgres::Config = url
            .secret()
            .parse()
            .map_err(|e: postgres::Error| describe(&e))?;
        // As libpq: a URL without a password takes PGPASSWORD's, so that none need be written
        // in an inventory or a command line.
        if config.get_password().is_none() {
            if let Some(password) = std::env::var_os("PGPASSWORD").filter(|p| !p.is_empty()) {
                config.password(password.as_encoded_bytes());
            }
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("vendor-audit");
        }
        let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<(), DbError>>(1);
        let (jobs, inbox) = mpsc::channel::<Job>();
        let worker = std::thread::Builder::new()
            .name("history-postgres".into())
            .spawn(move || {
                let client = match config.connect(postgres::NoTls) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready_tx.send(Err(describe(&e)));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                let mut session = Session {
                    client,
                    statements: HashMap::new(),
                };
                while let Ok(job) = inbox.recv() {
                    job(&mut session);
                }
            })
            .map_err(|e| DbError(format!("cannot start the PostgreSQL thread: {e}")))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Pg {
                jobs: Some(jobs),
                worker: Some(worker),
            }),
            Ok(Err(e)) => {
                let _ = worker.join();
                Err(e)
            }
            Err(_) => {
                let _ = worker.join();
                Err(gone())
            }
        }
    }

    fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> R + Send + 'static,
    ) -> Result<R, DbError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let jobs = self.jobs.as_ref().ok_or_else(gone)?;
        jobs.send(Box::new(move |s: &mut Session| {
            let _ = tx.send(f(s));
        }))
        .map_err(|_| gone())?;
        rx.recv().map_err(|_| gone())
    }

    pub fn execute(&self, sql: &str, params: Vec<Value>) -> Result<u64, DbError> {
        let sql = sql.to_owned();
        self.call(move |s| s.execute(&sql, &params))?
    }

    pub fn query(&self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, DbError> {
        let sql = sql.to_owned();
        self.call(move |s| s.query(&sql, &params))?
    }

    pub fn batch(&self, sql: &str) -> Result<(), DbError> {
        let sql = sql.to_owned();
        self.call(move |s| s.client.batch_execute(&sql).map_err(|e| describe(&e)))?
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        // Closing the queue ends the thread, which closes the connection.
        self.jobs = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

type BoxError = Box<dyn StdError + Sync + Send>;

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(v), &Type::INT8) => v.to_sql(ty, out),
            (Value::Int(v), &Type::INT4) => i32::try_from(*v)?.to_sql(ty, out),
            (Value::Int(v), &Type::INT2) => i16::try_from(*v)?.to_sql(ty, out),
            (Value::Int(v), &Type::BOOL) => (*v != 0).to_sql(ty, out),
            (Value::Text(v), t) if <String as ToSql>::accepts(t) => v.to_sql(ty, out),
            (Value::Bytes(v), &Type::BYTEA) => v.to_sql(ty, out),
            (v, t) => Err(format!("{} given for a parameter of type {t}", v.kind()).into()),
        }
    }

    /// Any type: [`ToSql::to_sql`] says which value does not fit which parameter.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Value, BoxError> {
        Ok(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT2 => Value::Int(i64::from(i16::from_sql(ty, raw)?)),
            Type::BOOL => Value::Int(i64::from(bool::from_sql(ty, raw)?)),
            Type::BYTEA => Value::Bytes(Vec::<u8>::from_sql(ty, raw)?),
            ref t if <String as FromSql>::accepts(t) => Value::Text(String::from_sql(ty, raw)?),
            ref t => {
                return Err(format!("a column of type {t}, which the history never stores").into())
            }
        })
    }

    fn from_sql_null(_: &Type) -> Result<Value, BoxError> {
        Ok(Value::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}
