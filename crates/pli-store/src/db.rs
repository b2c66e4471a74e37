//! The two engines behind one way of asking: the store's SQL is written once, with
//! numbered parameters (`?1`), plain types (integers, reals, text; flags are 0/1) and
//! `RETURNING id` for new rows, and runs on SQLite (a workstation's file) or on
//! PostgreSQL (an agency's shared database). Only what truly differs — full-text search,
//! schema, locking — asks [`Q::dialect`].
//!
//! Writers are serialised on both engines: SQLite has one writer at a time by design;
//! on PostgreSQL every write transaction first takes one advisory transaction lock, so
//! chrono numbers stay gapless and the event chain cannot fork, whichever process or
//! machine writes.

use crate::{Result, StoreError};
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use std::collections::HashMap;
use std::path::PathBuf;

/// The advisory lock every PostgreSQL write transaction holds ("PLI" in ASCII).
const WRITE_LOCK: i64 = 0x504C49;

/// Which SQL the engine speaks, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A value going into or coming out of the database.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// What can be bound to a parameter.
pub trait Param {
    fn value(&self) -> Value;
}

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl Param for $t {
            fn value(&self) -> Value {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_param!(i64, i32, u64, u32, u16, u8, usize);

impl Param for bool {
    fn value(&self) -> Value {
        Value::Int(*self as i64)
    }
}
impl Param for f64 {
    fn value(&self) -> Value {
        Value::Real(*self)
    }
}
impl Param for f32 {
    fn value(&self) -> Value {
        Value::Real(*self as f64)
    }
}
impl Param for str {
    fn value(&self) -> Value {
        Value::Text(self.to_string())
    }
}
impl Param for String {
    fn value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl Param for Value {
    fn value(&self) -> Value {
        self.clone()
    }
}
impl<T: Param + ?Sized> Param for &T {
    fn value(&self) -> Value {
        (**self).value()
    }
}
impl<T: Param> Param for Option<T> {
    fn value(&self) -> Value {
        self.as_ref().map_or(Value::Null, Param::value)
    }
}

/// Parameters for [`Q`]'s calls, as rusqlite's `params!`.
#[macro_export]
#[doc(hidden)]
macro_rules! sql_params {
    () => { &[] as &[&dyn $crate::db::Param] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::db::Param),+] as &[&dyn $crate::db::Param] };
}
pub use crate::sql_params as params;

/// What a column can be read as.
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Option<Self>;
}

macro_rules! int_from {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: &Value) -> Option<Self> {
                match v {
                    Value::Int(i) => <$t>::try_from(*i).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
int_from!(i64, i32, u32, u16, usize);

impl FromValue for bool {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Real(r) => Some(*r),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}
impl FromValue for Value {
    fn from_value(v: &Value) -> Option<Self> {
        Some(v.clone())
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A row read, engine-neutral.
#[derive(Debug, Clone)]
pub struct Row(Vec<Value>);

impl Row {
    /// Column `i` as `T`; a mismatch is the store's own bug, reported as such.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        let v = self.0.get(i).ok_or_else(|| StoreError::Internal(format!("colonne {i} absente")))?;
        T::from_value(v).ok_or_else(|| {
            StoreError::Internal(format!("colonne {i} : valeur {v:?} inattendue pour {}", std::any::type_name::<T>()))
        })
    }
}

/// The open database of a store.
pub(crate) enum Engine {
    Sqlite { conn: rusqlite::Connection, path: PathBuf },
    Postgres(Box<std::sync::Mutex<Pg>>),
}

/// A PostgreSQL connection and the statements it has prepared.
pub(crate) struct Pg {
    pub client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
    /// The URL without its password, for messages.
    pub shown: String,
    /// How it connected, to open another connection beside it.
    config: postgres::Config,
}

impl Pg {
    pub fn new(client: postgres::Client, shown: String, config: postgres::Config) -> Pg {
        Pg { client, statements: HashMap::new(), shown, config }
    }
}

/// A query session: a transaction (writes, and reads on PostgreSQL) or SQLite's
/// connection (reads).
pub struct Q<'a> {
    inner: Inner<'a>,
}

enum Inner<'a> {
    Sqlite(&'a rusqlite::Connection, &'a std::path::Path),
    Pg(&'a mut (dyn PgTx + 'a), &'a mut HashMap<String, postgres::Statement>, &'a str),
}

/// What a query session needs of a PostgreSQL transaction (an object, so that the
/// session does not carry the transaction's own lifetime).
trait PgTx {
    fn prepare(&mut self, sql: &str) -> std::result::Result<postgres::Statement, postgres::Error>;
    fn execute(
        &mut self,
        s: &postgres::Statement,
        p: &[&(dyn ToSql + Sync)],
    ) -> std::result::Result<u64, postgres::Error>;
    fn query(
        &mut self,
        s: &postgres::Statement,
        p: &[&(dyn ToSql + Sync)],
    ) -> std::result::Result<Vec<postgres::Row>, postgres::Error>;
    fn batch_execute(&mut self, sql: &str) -> std::result::Result<(), postgres::Error>;
}

impl PgTx for postgres::Transaction<'_> {
    fn prepare(&mut self, sql: &str) -> std::result::Result<postgres::Statement, postgres::Error> {
        postgres::Transaction::prepare(self, sql)
    }
    fn execute(
        &mut self,
        s: &postgres::Statement,
        p: &[&(dyn ToSql + Sync)],
    ) -> std::result::Result<u64, postgres::Error> {
        postgres::Transaction::execute(self, s, p)
    }
    fn query(
        &mut self,
        s: &postgres::Statement,
        p: &[&(dyn ToSql + Sync)],
    ) -> std::result::Result<Vec<postgres::Row>, postgres::Error> {
        postgres::Transaction::query(self, s, p)
    }
    fn batch_execute(&mut self, sql: &str) -> std::result::Result<(), postgres::Error> {
        postgres::Transaction::batch_execute(self, sql)
    }
}

impl Engine {
    pub fn dialect(&self) -> Dialect {
        match self {
            Engine::Sqlite { .. } => Dialect::Sqlite,
            Engine::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `f` outside any write: SQLite's connection as is, a PostgreSQL transaction
    /// (one snapshot per statement, as SQLite's reads outside a transaction).
    pub fn read<T>(&self, f: impl FnOnce(&mut Q<'_>) -> Result<T>) -> Result<T> {
        match self {
            Engine::Sqlite { conn, path } => f(&mut Q { inner: Inner::Sqlite(conn, path) }),
            Engine::Postgres(pg) => {
                let mut guard = pg.lock().unwrap_or_else(|e| e.into_inner());
                let Pg { client, statements, shown, .. } = &mut *guard;
                let shown = shown.as_str();
                let mut tx = client.transaction().map_err(|e| pg_err(shown, e))?;
                let out = f(&mut Q { inner: Inner::Pg(&mut tx, statements, shown) })?;
                tx.commit().map_err(|e| pg_err(shown, e))?;
                Ok(out)
            }
        }
    }

    /// Runs `f` in a write transaction, committed if it returns `Ok`, rolled back
    /// otherwise: a change and its event are written together or not at all.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Q<'_>) -> Result<T>) -> Result<T> {
        self.write_locked(true, f)
    }

    /// A write that appends no event and gives no chrono number (a browser session's
    /// bookkeeping): on PostgreSQL it does not wait for the writers' lock, so that
    /// every request's session check is not queued behind registrations.
    pub fn write_unchained<T>(&mut self, f: impl FnOnce(&mut Q<'_>) -> Result<T>) -> Result<T> {
        self.write_locked(false, f)
    }

    fn write_locked<T>(&mut self, chained: bool, f: impl FnOnce(&mut Q<'_>) -> Result<T>) -> Result<T> {
        match self {
            Engine::Sqlite { conn, path } => {
                let sql = |source| StoreError::Sqlite { path: path.clone(), source };
                let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(sql)?;
                let out = f(&mut Q { inner: Inner::Sqlite(&tx, path) })?;
                tx.commit().map_err(sql)?;
                Ok(out)
            }
            Engine::Postgres(pg) => {
                let guard = pg.get_mut().unwrap_or_else(|e| e.into_inner());
                let Pg { client, statements, shown, .. } = guard;
                let shown = shown.as_str();
                let mut tx = client.transaction().map_err(|e| pg_err(shown, e))?;
                if chained {
                    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK]).map_err(|e| pg_err(shown, e))?;
                }
                let out = f(&mut Q { inner: Inner::Pg(&mut tx, statements, shown) })?;
                tx.commit().map_err(|e| pg_err(shown, e))?;
                Ok(out)
            }
        }
    }

    /// Another connection to the same PostgreSQL database, for work read side by side
    /// (the second half of a long report); none on SQLite, which opens its file itself.
    pub fn another(&self) -> Result<Option<Engine>> {
        let Engine::Postgres(pg) = self else { return Ok(None) };
        let (config, shown) = {
            let pg = pg.lock().unwrap_or_else(|e| e.into_inner());
            (pg.config.clone(), pg.shown.clone())
        };
        let client = config.connect(postgres::NoTls).map_err(|e| pg_err(&shown, e))?;
        Ok(Some(Engine::Postgres(Box::new(std::sync::Mutex::new(Pg::new(client, shown, config))))))
    }

    /// The SQLite connection, for the store's white-box tests.
    #[cfg(test)]
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Engine::Sqlite { conn, .. } => Some(conn),
            Engine::Postgres(_) => None,
        }
    }
}

/// PostgreSQL's own words (its `Display` says only "db error").
pub fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        },
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(&format!(" : {s}"));
                source = s.source();
            }
            text
        }
    }
}

pub(crate) fn pg_err(shown: &str, source: postgres::Error) -> StoreError {
    use postgres::error::SqlState;
    // Text PostgreSQL cannot hold (a NUL character, which SQLite keeps) is bad input, not
    // the server's fault.
    if let Some(code) = source.code()
        && (*code == SqlState::CHARACTER_NOT_IN_REPERTOIRE || *code == SqlState::UNTRANSLATABLE_CHARACTER)
    {
        return StoreError::Invalid("texte refusé : il contient un caractère nul ou invalide".into());
    }
    StoreError::Postgres { url: shown.to_string(), source }
}

impl<'a> Q<'a> {
    pub fn dialect(&self) -> Dialect {
        match self.inner {
            Inner::Sqlite(..) => Dialect::Sqlite,
            Inner::Pg(..) => Dialect::Postgres,
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub fn exec(&mut self, sql: &str, args: &[&dyn Param]) -> Result<u64> {
        match &mut self.inner {
            Inner::Sqlite(conn, path) => {
                let values = sqlite_values(args);
                conn.prepare_cached(sql)
                    .and_then(|mut s| s.execute(rusqlite::params_from_iter(values)))
                    .map(|n| n as u64)
                    .map_err(|source| StoreError::Sqlite { path: path.to_path_buf(), source })
            }
            Inner::Pg(tx, statements, shown) => {
                let stmt = prepare(&mut **tx, statements, shown, sql)?;
                let values: Vec<Value> = args.iter().map(|a| a.value()).collect();
                let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                tx.execute(&stmt, &refs).map_err(|e| pg_err(shown, e))
            }
        }
    }

    /// Every row of a query.
    pub fn rows(&mut self, sql: &str, args: &[&dyn Param]) -> Result<Vec<Row>> {
        match &mut self.inner {
            Inner::Sqlite(conn, path) => {
                let values = sqlite_values(args);
                let run = || -> rusqlite::Result<Vec<Row>> {
                    let mut stmt = conn.prepare_cached(sql)?;
                    let n = stmt.column_count();
                    let mut rows = stmt.query(rusqlite::params_from_iter(values))?;
                    let mut out = Vec::new();
                    while let Some(r) = rows.next()? {
                        let mut row = Vec::with_capacity(n);
                        for i in 0..n {
                            row.push(match r.get_ref(i)? {
                                rusqlite::types::ValueRef::Null => Value::Null,
                                rusqlite::types::ValueRef::Integer(i) => Value::Int(i),
                                rusqlite::types::ValueRef::Real(f) => Value::Real(f),
                                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                                    Value::Text(String::from_utf8_lossy(t).into_owned())
                                }
                            });
                        }
                        out.push(Row(row));
                    }
                    Ok(out)
                };
                run().map_err(|source| StoreError::Sqlite { path: path.to_path_buf(), source })
            }
            Inner::Pg(tx, statements, shown) => {
                let stmt = prepare(&mut **tx, statements, shown, sql)?;
                let values: Vec<Value> = args.iter().map(|a| a.value()).collect();
                let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                let rows = tx.query(&stmt, &refs).map_err(|e| pg_err(shown, e))?;
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| r.try_get::<_, Value>(i).map_err(|e| pg_err(shown, e)))
                            .collect::<Result<Vec<_>>>()
                    })
                    .map(|r| r.map(Row))
                    .collect()
            }
        }
    }

    /// The row of a query that may have none.
    pub fn opt(&mut self, sql: &str, args: &[&dyn Param]) -> Result<Option<Row>> {
        Ok(self.rows(sql, args)?.into_iter().next())
    }

    /// The row of a query that has one.
    pub fn row(&mut self, sql: &str, args: &[&dyn Param]) -> Result<Row> {
        self.opt(sql, args)?.ok_or_else(|| StoreError::Internal(format!("aucune ligne pour « {sql} »")))
    }

    /// The first column of the one row of a query (a count, a sum…).
    pub fn one<T: FromValue>(&mut self, sql: &str, args: &[&dyn Param]) -> Result<T> {
        self.row(sql, args)?.get(0)
    }

    /// Inserts a row and returns its `id` (the statement ends with `RETURNING id`).
    pub fn insert(&mut self, sql: &str, args: &[&dyn Param]) -> Result<i64> {
        debug_assert!(sql.trim_end().ends_with("RETURNING id"), "{sql}");
        self.one(sql, args)
    }

    /// Several statements without parameters (schema, triggers).
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        match &mut self.inner {
            Inner::Sqlite(conn, path) => {
                conn.execute_batch(sql).map_err(|source| StoreError::Sqlite { path: path.to_path_buf(), source })
            }
            Inner::Pg(tx, _, shown) => tx.batch_execute(sql).map_err(|e| pg_err(shown, e)),
        }
    }

    /// A session over SQLite's connection or transaction (for code that holds one).
    pub(crate) fn over_sqlite(conn: &'a rusqlite::Connection, path: &'a std::path::Path) -> Q<'a> {
        Q { inner: Inner::Sqlite(conn, path) }
    }

    /// SQLite's connection inside this session, for what only SQLite has.
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self.inner {
            Inner::Sqlite(conn, _) => Some(conn),
            Inner::Pg(..) => None,
        }
    }
}

fn sqlite_values(args: &[&dyn Param]) -> Vec<rusqlite::types::Value> {
    args.iter()
        .map(|a| match a.value() {
            Value::Null => rusqlite::types::Value::Null,
            Value::Int(i) => rusqlite::types::Value::Integer(i),
            Value::Real(r) => rusqlite::types::Value::Real(r),
            Value::Text(t) => rusqlite::types::Value::Text(t),
        })
        .collect()
}

fn prepare(
    tx: &mut (dyn PgTx + '_),
    statements: &mut HashMap<String, postgres::Statement>,
    shown: &str,
    sql: &str,
) -> Result<postgres::Statement> {
    if let Some(s) = statements.get(sql) {
        return Ok(s.clone());
    }
    let stmt = tx.prepare(&to_postgres(sql)).map_err(|e| pg_err(shown, e))?;
    statements.insert(sql.to_string(), stmt.clone());
    Ok(stmt)
}

/// `?1` → `$1` (and a bare `?` → the next number), outside quoted strings.
pub(crate) fn to_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let (mut quote, mut next) = (None::<char>, 1);
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    digits = next.to_string();
                }
                next = digits.parse::<usize>().unwrap_or(next) + 1;
                out.push('$');
                out.push_str(&digits);
            }
            (None, c) => out.push(c),
        }
    }
    out
}

impl ToSql for Value {
    /// Written as the parameter's type asks: our values are plain, PostgreSQL's typed.
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Int(i), _) => i.to_string().to_sql(&Type::TEXT, out),
            (Value::Real(r), &Type::FLOAT4) => (*r as f32).to_sql(ty, out),
            (Value::Real(r), &Type::FLOAT8) => r.to_sql(ty, out),
            (Value::Real(r), _) => r.to_string().to_sql(&Type::TEXT, out),
            (Value::Text(t), _) => t.as_str().to_sql(&Type::TEXT, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            _ => Value::Text(String::from_sql(ty, raw)?),
        })
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Value::Null)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::INT8 | Type::INT4 | Type::INT2 | Type::BOOL | Type::FLOAT8 | Type::FLOAT4)
            || <String as FromSql>::accepts(ty)
    }
}

#[cfg(test)]
mod tests {
    use super::to_postgres;

    #[test]
    fn numbered_and_bare_parameters_become_dollars_outside_strings() {
        assert_eq!(to_postgres("SELECT ?1, '?2', ?2 WHERE a = ?"), "SELECT $1, '?2', $2 WHERE a = $3");
        assert_eq!(to_postgres("a = ? AND b = ?"), "a = $1 AND b = $2");
    }
}
