//! Spawns the real application on 127.0.0.1:0 with a fresh database per test, on SQLite (a
//! temporary file) or PostgreSQL (a new database on the server named by
//! `STEWARD_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`).
//! Without a reachable PostgreSQL the PostgreSQL variants are skipped — except under
//! `CI=true`, where that is a failure.

use serde_json::Value;
use steward_server::configuration::{LogFormat, Settings};
use steward_server::startup::Application;
use steward_server::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: Store,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

fn postgres_admin_url() -> String {
    std::env::var("STEWARD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

async fn fresh_postgres() -> Option<(String, String)> {
    sqlx::any::install_default_drivers();
    let admin = postgres_admin_url();
    let conn = sqlx::AnyPool::connect(&admin).await;
    let pool = match conn {
        Ok(p) => p,
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("PostgreSQL is required under CI=true but unreachable at {admin}: {e}");
            }
            eprintln!("skipping: PostgreSQL unreachable at {admin}: {e}");
            return None;
        }
    };
    let name = format!("steward_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("create database {name}"))
        .execute(&pool)
        .await
        .expect("create test database");
    pool.close().await;
    let mut url = url::Url::parse(&admin).expect("admin url");
    url.set_path(&name);
    Some((url.to_string(), name))
}

pub async fn spawn_app(db: Db) -> Option<TestApp> {
    if std::env::var("TEST_LOG").is_ok() {
        steward_server::telemetry::init(LogFormat::Pretty);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (database_url, postgres) = match db {
        Db::Sqlite => (
            format!("sqlite://{}", dir.path().join("steward.db").display()),
            None,
        ),
        Db::Postgres => {
            let (url, name) = fresh_postgres().await?;
            (url, Some((postgres_admin_url(), name)))
        }
    };
    let settings = Settings {
        bind: "127.0.0.1:0".parse().expect("addr"),
        database_url,
        demo: false,
        site_root: dir.path().display().to_string(),
        log_format: LogFormat::Pretty,
    };
    let app = Application::build(&settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.store.clone();
    tokio::spawn(app.run_until_stopped());
    Some(TestApp {
        address,
        // A request that hangs fails the test with its URL instead of blocking the run.
        client: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("client"),
        store,
        _dir: dir,
        postgres,
    })
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.postgres.take() {
            // Dropped from a plain thread: the test's runtime may be shutting down.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    if let Ok(pool) = sqlx::AnyPool::connect(&admin).await {
                        let _ =
                            sqlx::query(&format!("drop database if exists {name} with (force)"))
                                .execute(&pool)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A response's status and JSON body (or `Value::String` for text).
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub text: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        Reply { status, body, text }
    }

    pub async fn get(&self, path: &str) -> Reply {
        Self::reply(
            self.client
                .get(self.url(path))
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        Self::reply(
            self.client
                .post(self.url(path))
                .json(body)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        Self::reply(
            self.client
                .put(self.url(path))
                .json(body)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        Self::reply(
            self.client
                .delete(self.url(path))
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Reply {
        Self::reply(
            self.client
                .post(self.url(path))
                .header("content-type", content_type)
                .body(body.to_string())
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// A team, a few people and services to work with.
    pub async fn seed(&self) {
        for (handle, zone) in [("ada", "Europe/London"), ("grace", "America/New_York")] {
            let r = self
                .post(
                    "/api/v1/people",
                    &serde_json::json!({"handle": handle, "name": handle.to_uppercase(), "timeZone": zone}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        for (slug, parent) in [("platform", None), ("payments", Some("platform"))] {
            let r = self
                .post(
                    "/api/v1/teams",
                    &serde_json::json!({"slug": slug, "name": slug.to_uppercase(), "parent": parent,
                        "members": [{"person": "ada", "role": "lead"}, {"person": "grace", "role": "member"}]}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        for (slug, owners, tier, deps) in [
            ("ledger", vec!["payments"], 1, vec![]),
            (
                "payments-api",
                vec!["payments", "platform"],
                1,
                vec!["ledger"],
            ),
            ("status-page", vec!["platform"], 3, vec!["payments-api"]),
        ] {
            let r = self
                .post("/api/v1/services", &service(slug, &owners, tier, &deps))
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
    }
}

pub fn service(slug: &str, owners: &[&str], tier: i64, deps: &[&str]) -> Value {
    serde_json::json!({
        "slug": slug,
        "name": format!("The {slug}"),
        "description": format!("What {slug} does"),
        "owners": owners,
        "tier": tier,
        "lifecycle": "production",
        "kind": "service",
        "tags": ["rust"],
        "links": [{"title": "Runbook", "url": format!("https://wiki.example.com/{slug}")}],
        "dependsOn": deps,
    })
}

/// Runs an async test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::helpers::{spawn_app, Db};
            #[tokio::test]
            async fn sqlite() {
                if let Some(app) = spawn_app(Db::Sqlite).await {
                    super::$name(app).await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = spawn_app(Db::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}
