//! Spawns the real application on 127.0.0.1:0 with a fresh database per test, on SQLite (a
//! temporary file) or PostgreSQL (a new database on the server named by
//! `STEWARD_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`).
//! Without a reachable PostgreSQL the PostgreSQL variants are skipped — except under
//! `CI=true`, where that is a failure.

use serde_json::Value;
use steward_server::configuration::{LogFormat, Settings};
use steward_server::domain::authz::{Role, Scope};
use steward_server::startup::Application;
use steward_server::store::audit::Actor;
use steward_server::store::{accounts, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    /// Sends the admin's API token with every request.
    pub client: reqwest::Client,
    /// Sends no credentials.
    pub anon: reqwest::Client,
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
    spawn_app_with(db, |_| {}).await
}

/// A client that gives up on a request after 30 s, so that a hang names its URL instead of
/// blocking the run; with `token`, it sends it as a bearer token.
pub fn client(token: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token {
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {t}").parse().expect("header"),
        );
    }
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .default_headers(headers)
        .build()
        .expect("client")
}

/// A client that keeps cookies, as a browser does (but sends no Origin header).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub async fn spawn_app_with(db: Db, configure: impl FnOnce(&mut Settings)) -> Option<TestApp> {
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
    let mut settings = Settings {
        bind: "127.0.0.1:0".parse().expect("addr"),
        database_url,
        demo: false,
        site_root: dir.path().display().to_string(),
        log_format: LogFormat::Pretty,
        ..Settings::default()
    };
    // Tests run jobs when they ask for them; a scheduler firing in the middle of a test
    // would make its counts depend on the clock.
    settings.jobs.scheduler = false;
    // No test asks the real OSV; the ones about advisories point it at a fake.
    settings.registries.osv_url = None;
    configure(&mut settings);
    let app = Application::build(&settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.store.clone();
    tokio::spawn(app.run_until_stopped());
    let admin_token = make_token(&store, "admin", Role::Admin, Scope::Write, None).await;
    Some(TestApp {
        address,
        client: client(Some(&admin_token)),
        anon: client(None),
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

/// Creates the account `handle` (if new; linked to the person with that handle) with
/// `password` (if given), and a token of `scope` for it.
pub async fn make_token(
    store: &Store,
    handle: &str,
    role: Role,
    scope: Scope,
    password: Option<&str>,
) -> String {
    let account = match accounts::by_handle(store, handle).await.expect("lookup") {
        Some(a) => a,
        None => {
            let hash = match password {
                Some(p) => Some(
                    steward_server::auth::hash_password(p.to_string())
                        .await
                        .expect("hash"),
                ),
                None => None,
            };
            accounts::create(store, &Actor::system(), handle, role, hash.as_deref())
                .await
                .expect("account")
        }
    };
    let token = steward_server::auth::generate_token();
    accounts::add_token(
        store,
        &Actor::system(),
        &account,
        "test",
        scope,
        &token,
        None,
    )
    .await
    .expect("token");
    token
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

    /// Any request with any client.
    pub async fn call(
        &self,
        client: &reqwest::Client,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Reply {
        let mut request = client.request(method.parse().expect("method"), self.url(path));
        if let Some(b) = body {
            request = request.json(b);
        }
        Self::reply(request.send().await.expect("request")).await
    }

    /// Signs `handle` in with a cookie-keeping client and returns it.
    pub async fn sign_in(&self, handle: &str, password: &str) -> reqwest::Client {
        let browser = browser();
        let r = self
            .call(
                &browser,
                "POST",
                "/api/v1/session",
                Some(&serde_json::json!({"handle": handle, "password": password})),
            )
            .await;
        assert_eq!(r.status, 200, "sign-in of {handle}: {}", r.text);
        browser
    }

    pub async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        Reply { status, body, text }
    }

    /// A GET. A server-rendered page whose streamed body stalls (leptos' out-of-order
    /// streaming now and then never resolves a `<Suspense>`: leptos-rs/leptos#4851, #4647)
    /// is asked for once more, loudly, so that the rare upstream stall does not fail an
    /// unrelated test; a second stall fails it.
    pub async fn get(&self, path: &str) -> Reply {
        for attempt in 1..=2 {
            let response = self
                .client
                .get(self.url(path))
                .send()
                .await
                .expect("request");
            let status = response.status().as_u16();
            match response.text().await {
                Ok(text) => {
                    let body = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
                    return Reply { status, body, text };
                }
                Err(e) if e.is_timeout() && attempt == 1 && !path.starts_with("/api/") => {
                    eprintln!("GET {path}: the streamed page stalled ({e}); asking again");
                }
                Err(e) => panic!("GET {path}: body: {e:?}"),
            }
        }
        unreachable!("the loop returns or panics")
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

    /// A raw body on a connection of its own: a body refused before it is read (413) ends its
    /// connection, and a pooled one could then fail the next request of the test.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Reply {
        Self::reply(
            self.client
                .post(self.url(path))
                .header("content-type", content_type)
                .header("connection", "close")
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

/// Runs an async test body once on SQLite and once on PostgreSQL. Tests run on a multi-thread
/// runtime with two workers, as `steward serve` does on these machines: the server is spawned
/// on the test's runtime, and on a one-thread runtime leptos' streaming SSR now and then
/// stalls a page mid-body (leptos-rs/leptos#4647), which failed a CI run.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::helpers::{spawn_app, Db};
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = spawn_app(Db::Sqlite).await {
                    super::$name(app).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = spawn_app(Db::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

/// Runs job `name` now through the API and waits for its run to end; answers the run.
pub async fn run_job(app: &TestApp, name: &str) -> Value {
    let r = app
        .post(
            &format!("/api/v1/jobs/{name}/run"),
            &serde_json::json!(null),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let id = r.body["id"].as_i64().expect("run id");
    for _ in 0..600 {
        let run = app.get(&format!("/api/v1/jobs/runs/{id}")).await.body;
        if run["outcome"] != "running" {
            return run;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("job {name} did not finish");
}

/// Like [`both!`], for tests that build their own application (an upstream fake first, then
/// settings that point at it): the test body takes the database kind.
#[macro_export]
macro_rules! both_db {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::helpers::Db;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(Db::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(Db::Postgres).await;
            }
        }
    )*};
}
