//! The database: one sqlx `Any` pool over SQLite (embedded default) or PostgreSQL (several
//! replicas). Every query is written once, in SQL both engines accept, with `$n` binds; the
//! schema is kept per engine in `migrations/`. See the README's architecture section for why
//! `Any` rather than one module per engine.

pub mod accounts;
pub mod audit;
pub mod catalog;
pub mod channels;
pub mod checks;
pub mod deps;
pub mod fixes;
pub mod github;
pub mod incidents;
pub mod jobs;
pub mod oncall;
pub mod outbox;
pub mod people;
pub mod registry;
pub mod runbooks;
pub mod services;
pub mod sessions;
pub mod teams;
pub mod vulns;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::str::FromStr;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pub pool: AnyPool,
    pub backend: Backend,
    /// The last catalog snapshot the checks read, shared by the clones of this store (see
    /// [`checks::snapshot::cached`]).
    pub(crate) snapshot: std::sync::Arc<std::sync::Mutex<Option<checks::snapshot::Cached>>>,
    /// The facts hashes the checks last stored (see [`checks::pass::Recorded`]).
    pub(crate) recorded: std::sync::Arc<std::sync::Mutex<Option<checks::pass::Recorded>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Store {
    /// A transaction that will write. On SQLite it takes the write lock at once (`begin
    /// immediate`): a deferred transaction that reads before it writes cannot wait for a
    /// concurrent writer (its snapshot would be stale) and fails with "database is locked",
    /// whereas an immediate one waits for the lock (`busy_timeout`).
    pub async fn begin(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("begin immediate").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Connects to `sqlite://path` (the file and its folder are created if missing; WAL mode)
    /// or `postgres://…`.
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!("unsupported database URL: use sqlite://PATH or postgres://…");
        };
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url).context("invalid database URL")?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "pragma journal_mode = wal; pragma foreign_keys = on; \
                             pragma busy_timeout = 5000; pragma synchronous = normal;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .context("could not connect to the database")?;
        Ok(Store {
            pool,
            backend,
            snapshot: Default::default(),
            recorded: Default::default(),
        })
    }

    fn migrator(&self) -> &'static Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies pending migrations; running it again is a no-op.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        self.migrator()
            .run(&self.pool)
            .await
            .context("could not apply database migrations")
    }

    /// Readiness: the database answers and every migration this build knows is applied.
    pub async fn ready(&self) -> Result<(), String> {
        let applied: Vec<i64> =
            sqlx::query_scalar("select version from _sqlx_migrations where success = $1")
                .bind(true)
                .fetch_all(&self.pool)
                .await
                .map_err(|_| "database unreachable or not migrated".to_string())?;
        let missing = self
            .migrator()
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .count();
        if missing == 0 {
            Ok(())
        } else {
            Err(format!("{missing} migration(s) not applied"))
        }
    }

    /// True when the catalog holds no teams, people or services (demo data goes only there).
    pub async fn is_empty(&self) -> crate::error::Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "select (select count(*) from teams) + (select count(*) from people) \
             + (select count(*) from services)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n == 0)
    }
}

/// Creates the folder of a SQLite file and asks sqlx to create the file itself.
fn prepare_sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" && !path.is_empty() {
        if let Some(dir) = std::path::Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("could not create {}", dir.display()))?;
            }
        }
    }
    let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    if !params.iter().any(|p| p.starts_with("mode=")) {
        params.push("mode=rwc");
    }
    Ok(format!("sqlite://{path}?{}", params.join("&")))
}

/// Now, as stored: RFC 3339 UTC with microseconds, so text order is time order.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A bind value for queries assembled at run time (filters, `in (…)` lists).
#[derive(Debug, Clone)]
pub enum Arg {
    Int(i64),
    Text(String),
}

/// SQL text with `$n` placeholders numbered in order of use.
#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }
    /// `select {columns}` followed by this text (a `from … where …` filter) and its binds.
    pub fn select(&self, columns: &str) -> Sql {
        Sql {
            text: format!("select {columns}{}", self.text),
            args: self.args.clone(),
        }
    }
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }
    /// Appends a placeholder for `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }
    /// Appends `(…)` with one placeholder per id.
    pub fn bind_list(&mut self, ids: &[i64]) -> &mut Self {
        self.text.push('(');
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(Arg::Int(*id));
        }
        self.text.push(')');
        self
    }
    /// Appends `(…)` with one placeholder per text.
    pub fn bind_texts<S: AsRef<str>>(&mut self, texts: &[S]) -> &mut Self {
        self.text.push('(');
        for (i, t) in texts.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(Arg::Text(t.as_ref().to_string()));
        }
        self.text.push(')');
        self
    }
    pub fn scalar<T>(
        &self,
    ) -> sqlx::query::QueryScalar<'_, sqlx::Any, T, sqlx::any::AnyArguments<'_>>
    where
        T: sqlx::Type<sqlx::Any> + for<'r> sqlx::Decode<'r, sqlx::Any>,
        (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        let mut q = sqlx::query_scalar(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Int(i) => q.bind(*i),
                Arg::Text(s) => q.bind(s.as_str()),
            };
        }
        q
    }
    pub fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Int(i) => q.bind(*i),
                Arg::Text(s) => q.bind(s.as_str()),
            };
        }
        q
    }
}

/// Checks the parts of a `PUT` body that must agree with the stored resource and returns
/// the version the client read.
pub(crate) fn check_put(
    version: Option<i64>,
    body_key: &str,
    path_key: &str,
    key_field: &str,
) -> crate::error::Result<i64> {
    if body_key != path_key {
        return Err(crate::error::Error::invalid(
            key_field,
            format!("'{body_key}' does not match the URL ('{path_key}'); it cannot be changed"),
        ));
    }
    version.ok_or_else(|| {
        crate::error::Error::invalid("version", "a replacement must carry the version it read")
    })
}

/// Increments the version of row `id` in `table`; with `expected`, only if the stored
/// version is still that one (optimistic locking). Returns whether a row was bumped.
pub(crate) async fn bump_version(
    conn: &mut sqlx::AnyConnection,
    table: &'static str,
    id: i64,
    expected: Option<i64>,
) -> crate::error::Result<bool> {
    let mut sql = Sql::new(&format!(
        "update {table} set version = version + 1 where id = "
    ));
    sql.bind(Arg::Int(id));
    if let Some(v) = expected {
        sql.push(" and version = ").bind(Arg::Int(v));
    }
    Ok(sql.query().execute(conn).await?.rows_affected() == 1)
}

/// `%text%` for a case-insensitive `like … escape '\'` match.
pub fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode() {
        assert_eq!(
            prepare_sqlite_url("sqlite::memory:").ok().as_deref(),
            Some("sqlite://:memory:?mode=rwc")
        );
        assert_eq!(
            prepare_sqlite_url("sqlite://x.db?mode=ro").ok().as_deref(),
            Some("sqlite://x.db?mode=ro")
        );
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("A_b%"), "%a\\_b\\%%");
    }
}
