//! Settings: defaults, then an optional `steward.toml`, then `STEWARD_*` environment
//! variables (and `DATABASE_URL`), then command-line flags. Validated once at start-up.

use anyhow::Context;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    /// `sqlite://PATH` or `postgres://…`; may hold a password, so never printed whole.
    pub database_url: String,
    /// Load demo data when the database is empty.
    pub demo: bool,
    /// Where the built UI (`pkg/`, assets) lives.
    pub site_root: String,
    pub log_format: LogFormat,
    /// The address people use to reach Steward (`https://steward.example.com`). Session
    /// cookies are `Secure` when it is https; sign-in redirects are built from it.
    pub public_url: Option<url::Url>,
    /// Let visitors who are not signed in read the catalog (off by default).
    pub anonymous_read: bool,
    /// A session ends after this long without a request…
    pub session_idle: std::time::Duration,
    /// …and in any case this long after sign-in.
    pub session_max: std::time::Duration,
    /// Behind a reverse proxy: the header holding the client address (`x-forwarded-for`,
    /// whose last entry is used). Without it the peer address counts.
    pub client_ip_header: Option<String>,
    /// The password of the demo accounts; generated and printed once when not set.
    pub demo_password: Option<String>,
    /// Sign-in with GitHub, when a client id and secret are set.
    pub github: Option<GithubSettings>,
    /// Future fixes filed as GitHub issues, when a token is set.
    pub github_issues: Option<GithubIssueSettings>,
    /// The scheduler and its jobs.
    pub jobs: JobSettings,
    /// The package registries dependency freshness is measured against.
    pub registries: RegistrySettings,
    /// Where e-mail notifications are sent from: `smtp://host:25`, `smtp://…?tls=required`
    /// (STARTTLS) or `smtps://user:password@host:465`. May hold a password.
    pub smtp_url: Option<String>,
    /// The sender of e-mail notifications (`Steward <steward@example.com>`).
    pub smtp_from: Option<String>,
}

/// When each job runs: six-field cron expressions (seconds first), in UTC so that a
/// daylight-saving change never skips or doubles a tick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobSettings {
    /// Run the scheduler in this process (`STEWARD_SCHEDULER=off` for a replica that only
    /// serves; "Run now" still works there).
    pub scheduler: bool,
    pub checks: String,
    pub session_cleanup: String,
    pub history_retention: String,
    /// Sends what the outbox holds (findings opened, digests), retrying failures.
    pub deliveries: String,
    /// Each team's weekly digest.
    pub digest: String,
    /// Files future fixes as GitHub issues and reads their state back.
    pub github_sync: String,
    /// Looks up the packages in use in their registries and recomputes freshness figures.
    pub deps_sync: String,
    /// Days of scorecard history, finding events and job runs kept.
    pub history_retention_days: i64,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            scheduler: true,
            checks: "0 */15 * * * *".into(),
            session_cleanup: "0 0 * * * *".into(),
            history_retention: "0 30 3 * * *".into(),
            deliveries: "*/30 * * * * *".into(),
            digest: "0 0 8 * * Mon".into(),
            github_sync: "0 */2 * * * *".into(),
            deps_sync: "0 10 * * * *".into(),
            history_retention_days: 400,
        }
    }
}

/// The `[jobs]` table of `steward.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct FileJobs {
    scheduler: Option<bool>,
    checks: Option<String>,
    session_cleanup: Option<String>,
    history_retention: Option<String>,
    deliveries: Option<String>,
    digest: Option<String>,
    github_sync: Option<String>,
    deps_sync: Option<String>,
    history_retention_days: Option<i64>,
}

impl JobSettings {
    fn apply_file(&mut self, f: FileJobs) {
        self.scheduler = f.scheduler.unwrap_or(self.scheduler);
        for (slot, v) in [
            (&mut self.checks, f.checks),
            (&mut self.session_cleanup, f.session_cleanup),
            (&mut self.history_retention, f.history_retention),
            (&mut self.deliveries, f.deliveries),
            (&mut self.digest, f.digest),
            (&mut self.github_sync, f.github_sync),
            (&mut self.deps_sync, f.deps_sync),
        ] {
            if let Some(v) = v {
                *slot = v;
            }
        }
        self.history_retention_days = f
            .history_retention_days
            .unwrap_or(self.history_retention_days);
    }

    fn apply_env(&mut self, var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        if let Some(v) = var("STEWARD_SCHEDULER") {
            self.scheduler = !matches!(v.as_str(), "0" | "false" | "no" | "off");
        }
        for (name, slot) in [
            ("STEWARD_JOBS_CHECKS", &mut self.checks),
            ("STEWARD_JOBS_SESSION_CLEANUP", &mut self.session_cleanup),
            (
                "STEWARD_JOBS_HISTORY_RETENTION",
                &mut self.history_retention,
            ),
            ("STEWARD_JOBS_GITHUB_SYNC", &mut self.github_sync),
            ("STEWARD_JOBS_DEPS_SYNC", &mut self.deps_sync),
        ] {
            if let Some(v) = var(name).filter(|v| !v.is_empty()) {
                *slot = v;
            }
        }
        if let Some(v) = var("STEWARD_HISTORY_RETENTION_DAYS") {
            self.history_retention_days = v.parse().with_context(|| {
                format!("STEWARD_HISTORY_RETENTION_DAYS: '{v}' is not a number")
            })?;
        }
        Ok(())
    }

    /// Every cron expression must parse and the retention must be sensible: checked at
    /// start-up so that a typo stops the server with the key named, not a silent scheduler.
    pub fn validate(&self) -> anyhow::Result<()> {
        for (key, expr) in self.schedules() {
            crate::jobs::parse_cron(expr).map_err(|e| {
                anyhow::anyhow!("jobs.{key}: '{expr}' is not a valid schedule: {e}")
            })?;
        }
        if !(1..=3650).contains(&self.history_retention_days) {
            anyhow::bail!("jobs.history_retention_days must be between 1 and 3650");
        }
        Ok(())
    }

    /// `(settings key, cron expression)` of each job.
    pub fn schedules(&self) -> [(&'static str, &str); 7] {
        [
            ("checks", self.checks.as_str()),
            ("session_cleanup", self.session_cleanup.as_str()),
            ("history_retention", self.history_retention.as_str()),
            ("deliveries", self.deliveries.as_str()),
            ("digest", self.digest.as_str()),
            ("github_sync", self.github_sync.as_str()),
            ("deps_sync", self.deps_sync.as_str()),
        ]
    }
}

/// The package registries (or their mirrors: Artifactory, Verdaccio, a devpi, a GOPROXY) that
/// dependency freshness is measured against. Each package is looked up once for the whole
/// organisation and again after `ttl`, with its ETag.
#[derive(Clone, Debug, PartialEq)]
pub struct RegistrySettings {
    /// crates.io's API (`https://crates.io`: `/api/v1/crates/NAME` is read).
    pub crates_url: url::Url,
    /// The npm registry (`https://registry.npmjs.org`).
    pub npm_url: url::Url,
    /// PyPI's JSON API (`https://pypi.org`: `/pypi/NAME/json`).
    pub pypi_url: url::Url,
    /// A Go module proxy (`https://proxy.golang.org`).
    pub go_url: url::Url,
    /// How long a registry's answer is used before the package is looked up again.
    pub ttl: std::time::Duration,
    /// Requests in flight at once, per registry.
    pub concurrency: usize,
    /// Requests per second, per registry, except crates.io…
    pub requests_per_second: f64,
    /// …whose crawler policy asks for at most one a second.
    pub crates_requests_per_second: f64,
    /// How long one request may take.
    pub timeout: std::time::Duration,
    /// Packages one run looks up at most (the rest wait for the next run).
    pub batch: usize,
    /// OSV's API (`https://api.osv.dev`), asked which advisories affect each version in use;
    /// `None` (set empty) for an air-gapped install that loads OSV export archives instead.
    pub osv_url: Option<url::Url>,
}

impl Default for RegistrySettings {
    fn default() -> Self {
        let url = |u: &str| url::Url::parse(u).expect("a valid default URL");
        RegistrySettings {
            crates_url: url("https://crates.io"),
            npm_url: url("https://registry.npmjs.org"),
            pypi_url: url("https://pypi.org"),
            go_url: url("https://proxy.golang.org"),
            ttl: std::time::Duration::from_secs(24 * 3600),
            concurrency: 4,
            requests_per_second: 10.0,
            crates_requests_per_second: 1.0,
            timeout: std::time::Duration::from_secs(20),
            batch: 5000,
            osv_url: Some(url("https://api.osv.dev")),
        }
    }
}

/// The `[registries]` table of `steward.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct FileRegistries {
    crates_url: Option<String>,
    npm_url: Option<String>,
    pypi_url: Option<String>,
    go_url: Option<String>,
    ttl_hours: Option<u64>,
    concurrency: Option<usize>,
    requests_per_second: Option<f64>,
    crates_requests_per_second: Option<f64>,
    timeout_secs: Option<u64>,
    osv_url: Option<String>,
}

fn registry_url(v: &str, key: &str) -> anyhow::Result<url::Url> {
    let u = url::Url::parse(v.trim()).with_context(|| format!("{key}: '{v}' is not a URL"))?;
    if !matches!(u.scheme(), "http" | "https") || u.cannot_be_a_base() {
        anyhow::bail!("{key}: '{v}' is not an http(s) URL");
    }
    Ok(u)
}

/// A URL that can be set empty to turn its integration off.
fn optional_url(v: &str, key: &str) -> anyhow::Result<Option<url::Url>> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    registry_url(v, key).map(Some)
}

impl RegistrySettings {
    fn apply_file(&mut self, f: FileRegistries) -> anyhow::Result<()> {
        for (slot, v, key) in [
            (&mut self.crates_url, f.crates_url, "registries.crates_url"),
            (&mut self.npm_url, f.npm_url, "registries.npm_url"),
            (&mut self.pypi_url, f.pypi_url, "registries.pypi_url"),
            (&mut self.go_url, f.go_url, "registries.go_url"),
        ] {
            if let Some(v) = v {
                *slot = registry_url(&v, key)?;
            }
        }
        if let Some(v) = f.osv_url {
            self.osv_url = optional_url(&v, "registries.osv_url")?;
        }
        if let Some(h) = f.ttl_hours {
            self.ttl = std::time::Duration::from_secs(h.saturating_mul(3600));
        }
        self.concurrency = f.concurrency.unwrap_or(self.concurrency);
        self.requests_per_second = f.requests_per_second.unwrap_or(self.requests_per_second);
        self.crates_requests_per_second = f
            .crates_requests_per_second
            .unwrap_or(self.crates_requests_per_second);
        if let Some(s) = f.timeout_secs {
            self.timeout = std::time::Duration::from_secs(s);
        }
        Ok(())
    }

    fn apply_env(&mut self, var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        for (name, slot) in [
            ("STEWARD_REGISTRY_CRATES_URL", &mut self.crates_url),
            ("STEWARD_REGISTRY_NPM_URL", &mut self.npm_url),
            ("STEWARD_REGISTRY_PYPI_URL", &mut self.pypi_url),
            ("STEWARD_REGISTRY_GO_URL", &mut self.go_url),
        ] {
            if let Some(v) = var(name).filter(|v| !v.is_empty()) {
                *slot = registry_url(&v, name)?;
            }
        }
        if let Some(v) = var("STEWARD_OSV_URL") {
            self.osv_url = optional_url(&v, "STEWARD_OSV_URL")?;
        }
        if let Some(v) = var("STEWARD_REGISTRY_TTL_HOURS") {
            let h: u64 = v
                .parse()
                .with_context(|| format!("STEWARD_REGISTRY_TTL_HOURS: '{v}' is not a number"))?;
            self.ttl = std::time::Duration::from_secs(h.saturating_mul(3600));
        }
        if let Some(v) = var("STEWARD_REGISTRY_REQUESTS_PER_SECOND") {
            self.requests_per_second = v.parse().with_context(|| {
                format!("STEWARD_REGISTRY_REQUESTS_PER_SECOND: '{v}' is not a number")
            })?;
        }
        Ok(())
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.ttl.as_secs() < 3600 || self.ttl.as_secs() > 30 * 86_400 {
            anyhow::bail!("registries.ttl_hours must be between 1 and 720");
        }
        if !(1..=64).contains(&self.concurrency) {
            anyhow::bail!("registries.concurrency must be between 1 and 64");
        }
        for (key, rps) in [
            ("registries.requests_per_second", self.requests_per_second),
            (
                "registries.crates_requests_per_second",
                self.crates_requests_per_second,
            ),
        ] {
            if !(rps > 0.0 && rps <= 1000.0) {
                anyhow::bail!("{key} must be above 0 and at most 1000");
            }
        }
        if !(1..=300).contains(&self.timeout.as_secs()) {
            anyhow::bail!("registries.timeout_secs must be between 1 and 300");
        }
        Ok(())
    }
}

/// An OAuth app on GitHub (or GitHub Enterprise: both base URLs are settings).
#[derive(Clone)]
pub struct GithubSettings {
    pub client_id: String,
    pub client_secret: String,
    /// Only members of this organization may sign in.
    pub allowed_org: Option<String>,
    /// Where people authorize (`https://github.com`).
    pub web_url: url::Url,
    /// The REST API (`https://api.github.com`).
    pub api_url: url::Url,
}

impl std::fmt::Debug for GithubSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubSettings")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("allowed_org", &self.allowed_org)
            .field("web_url", &self.web_url.as_str())
            .field("api_url", &self.api_url.as_str())
            .finish()
    }
}

/// Filing future fixes as issues in their services' repositories, and reading their state
/// back (by a scheduled poll and, when a secret is set, by webhook).
#[derive(Clone)]
pub struct GithubIssueSettings {
    /// The REST API (`https://api.github.com`, or GitHub Enterprise's `/api/v3`).
    pub api_url: url::Url,
    /// A token that may create issues in the services' repositories.
    pub token: String,
    /// Labels put on every issue filed.
    pub labels: Vec<String>,
    /// The secret of the repository or organization webhook (`X-Hub-Signature-256`).
    pub webhook_secret: Option<String>,
    /// How long one call to GitHub may take.
    pub timeout: std::time::Duration,
    /// The pause between two issues created, which keeps under GitHub's secondary limits
    /// on content creation (GitHub asks for at least a second).
    pub create_gap: std::time::Duration,
    /// Start a sync as soon as a future fix is recorded, rather than at the next tick.
    pub file_at_once: bool,
}

impl std::fmt::Debug for GithubIssueSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubIssueSettings")
            .field("api_url", &self.api_url.as_str())
            .field("token", &"***")
            .field("labels", &self.labels)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "***"),
            )
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("database_url", &redact(&self.database_url))
            .field("demo", &self.demo)
            .field("site_root", &self.site_root)
            .field("log_format", &self.log_format)
            .field("public_url", &self.public_url.as_ref().map(|u| u.as_str()))
            .field("anonymous_read", &self.anonymous_read)
            .field("session_idle", &self.session_idle)
            .field("session_max", &self.session_max)
            .field("client_ip_header", &self.client_ip_header)
            .field("github", &self.github)
            .field("github_issues", &self.github_issues)
            .field("jobs", &self.jobs)
            .field("registries", &self.registries)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact))
            .field("smtp_from", &self.smtp_from)
            .finish_non_exhaustive()
    }
}

/// The database URL without its password.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: "sqlite://data/steward.db".into(),
            demo: false,
            site_root: "target/site".into(),
            log_format: LogFormat::Pretty,
            public_url: None,
            anonymous_read: false,
            session_idle: std::time::Duration::from_secs(12 * 3600),
            session_max: std::time::Duration::from_secs(7 * 86_400),
            client_ip_header: None,
            demo_password: None,
            github: None,
            github_issues: None,
            jobs: JobSettings::default(),
            registries: RegistrySettings::default(),
            smtp_url: None,
            smtp_from: None,
        }
    }
}

/// The file's shape: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct FileSettings {
    bind: Option<SocketAddr>,
    database_url: Option<String>,
    demo: Option<bool>,
    site_root: Option<String>,
    log_format: Option<LogFormat>,
    public_url: Option<String>,
    anonymous_read: Option<bool>,
    session_idle_minutes: Option<u64>,
    session_max_hours: Option<u64>,
    client_ip_header: Option<String>,
    github_client_id: Option<String>,
    github_client_secret: Option<String>,
    github_org: Option<String>,
    github_web_url: Option<String>,
    github_api_url: Option<String>,
    github_token: Option<String>,
    github_issue_labels: Option<Vec<String>>,
    github_webhook_secret: Option<String>,
    jobs: Option<FileJobs>,
    registries: Option<FileRegistries>,
    smtp_url: Option<String>,
    smtp_from: Option<String>,
}

impl Settings {
    /// Reads `config` (or `./steward.toml` when it exists) and the environment.
    pub fn load(config: Option<&Path>) -> anyhow::Result<Settings> {
        let mut s = Settings::default();
        let mut github = GithubParts::default();
        let path = config.unwrap_or(Path::new("steward.toml"));
        if config.is_some() || path.exists() {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("could not read {}", path.display()))?;
            let file: FileSettings = toml::from_str(&text)
                .with_context(|| format!("invalid settings in {}", path.display()))?;
            s.bind = file.bind.unwrap_or(s.bind);
            s.database_url = file.database_url.unwrap_or(s.database_url);
            s.demo = file.demo.unwrap_or(s.demo);
            s.site_root = file.site_root.unwrap_or(s.site_root);
            s.log_format = file.log_format.unwrap_or(s.log_format);
            if let Some(v) = file.public_url {
                s.public_url = Some(parse_public_url(&v)?);
            }
            s.anonymous_read = file.anonymous_read.unwrap_or(s.anonymous_read);
            if let Some(m) = file.session_idle_minutes {
                s.session_idle = minutes(m, "session_idle_minutes")?;
            }
            if let Some(h) = file.session_max_hours {
                s.session_max = minutes(h.saturating_mul(60), "session_max_hours")?;
            }
            s.client_ip_header = file.client_ip_header.or(s.client_ip_header);
            if let Some(jobs) = file.jobs {
                s.jobs.apply_file(jobs);
            }
            if let Some(r) = file.registries {
                s.registries.apply_file(r)?;
            }
            s.smtp_url = file.smtp_url.or(s.smtp_url);
            s.smtp_from = file.smtp_from.or(s.smtp_from);
            github = GithubParts {
                client_id: file.github_client_id,
                client_secret: file.github_client_secret,
                org: file.github_org,
                web_url: file.github_web_url,
                api_url: file.github_api_url,
                token: file.github_token,
                labels: file.github_issue_labels,
                webhook_secret: file.github_webhook_secret,
            };
        }
        s.apply_env(|k| std::env::var(k).ok())?;
        github.apply_env(|k| std::env::var(k).ok());
        s.github_issues = github.issues()?;
        s.github = github.build()?;
        s.jobs.validate()?;
        s.registries.validate()?;
        if let Some(url) = &s.smtp_url {
            check_smtp_url(url)?;
        }
        Ok(s)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        if let Some(v) = var("STEWARD_BIND") {
            self.bind = v
                .parse()
                .with_context(|| format!("STEWARD_BIND: '{v}' is not an address"))?;
        }
        if let Some(v) = var("DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = var("STEWARD_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = var("STEWARD_DEMO") {
            self.demo = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = var("STEWARD_SITE_ROOT") {
            self.site_root = v;
        }
        if let Some(v) = var("STEWARD_LOG_FORMAT") {
            self.log_format = match v.as_str() {
                "json" => LogFormat::Json,
                "pretty" => LogFormat::Pretty,
                _ => anyhow::bail!("STEWARD_LOG_FORMAT must be json or pretty"),
            };
        }
        if let Some(v) = var("STEWARD_PUBLIC_URL") {
            self.public_url = Some(parse_public_url(&v)?);
        }
        if let Some(v) = var("STEWARD_ANONYMOUS_READ") {
            self.anonymous_read = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = var("STEWARD_SESSION_IDLE_MINUTES") {
            let m = v
                .parse()
                .with_context(|| format!("STEWARD_SESSION_IDLE_MINUTES: '{v}' is not a number"))?;
            self.session_idle = minutes(m, "STEWARD_SESSION_IDLE_MINUTES")?;
        }
        if let Some(v) = var("STEWARD_SESSION_MAX_HOURS") {
            let h: u64 = v
                .parse()
                .with_context(|| format!("STEWARD_SESSION_MAX_HOURS: '{v}' is not a number"))?;
            self.session_max = minutes(h.saturating_mul(60), "STEWARD_SESSION_MAX_HOURS")?;
        }
        if let Some(v) = var("STEWARD_CLIENT_IP_HEADER") {
            self.client_ip_header = Some(v.to_ascii_lowercase()).filter(|v| !v.is_empty());
        }
        if let Some(v) = var("STEWARD_DEMO_PASSWORD") {
            self.demo_password = Some(v);
        }
        self.jobs.apply_env(&var)?;
        self.registries.apply_env(&var)?;
        if let Some(v) = var("STEWARD_SMTP_URL").filter(|v| !v.is_empty()) {
            self.smtp_url = Some(v);
        }
        if let Some(v) = var("STEWARD_SMTP_FROM").filter(|v| !v.is_empty()) {
            self.smtp_from = Some(v);
        }
        Ok(())
    }

    /// Whether session cookies get the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }
}

/// The GitHub settings as read, before they are checked together.
#[derive(Default)]
struct GithubParts {
    client_id: Option<String>,
    client_secret: Option<String>,
    org: Option<String>,
    web_url: Option<String>,
    api_url: Option<String>,
    token: Option<String>,
    labels: Option<Vec<String>>,
    webhook_secret: Option<String>,
}

impl GithubParts {
    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) {
        for (name, slot) in [
            ("STEWARD_GITHUB_CLIENT_ID", &mut self.client_id),
            ("STEWARD_GITHUB_CLIENT_SECRET", &mut self.client_secret),
            ("STEWARD_GITHUB_ORG", &mut self.org),
            ("STEWARD_GITHUB_WEB_URL", &mut self.web_url),
            ("STEWARD_GITHUB_API_URL", &mut self.api_url),
            ("STEWARD_GITHUB_TOKEN", &mut self.token),
            ("STEWARD_GITHUB_WEBHOOK_SECRET", &mut self.webhook_secret),
        ] {
            if let Some(v) = var(name).filter(|v| !v.is_empty()) {
                *slot = Some(v);
            }
        }
        if let Some(v) = var("STEWARD_GITHUB_ISSUE_LABELS") {
            self.labels = Some(v.split(',').map(String::from).collect());
        }
    }

    /// Issue filing, when a token is set; the labels must be ones GitHub accepts.
    fn issues(&self) -> anyhow::Result<Option<GithubIssueSettings>> {
        let Some(token) = self.token.clone() else {
            if self.webhook_secret.is_some() {
                anyhow::bail!("the GitHub webhook secret needs a GitHub token (github_token)");
            }
            return Ok(None);
        };
        let text = self
            .api_url
            .clone()
            .unwrap_or_else(|| "https://api.github.com".to_string());
        let api_url = parse_public_url(&text).context("GitHub API URL")?;
        let labels: Vec<String> = match &self.labels {
            Some(l) => l
                .iter()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect(),
            None => vec!["steward".into(), "future-fix".into()],
        };
        if let Some(bad) = labels.iter().find(|l| l.chars().count() > 50) {
            anyhow::bail!("GitHub label '{bad}' is longer than GitHub's 50 characters");
        }
        Ok(Some(GithubIssueSettings {
            api_url,
            token,
            labels,
            webhook_secret: self.webhook_secret.clone(),
            timeout: std::time::Duration::from_secs(10),
            create_gap: std::time::Duration::from_secs(1),
            file_at_once: true,
        }))
    }

    fn build(self) -> anyhow::Result<Option<GithubSettings>> {
        let (client_id, client_secret) = match (self.client_id, self.client_secret) {
            (None, None) => return Ok(None),
            (Some(id), Some(secret)) => (id, secret),
            _ => anyhow::bail!("GitHub sign-in needs both a client id and a client secret"),
        };
        let url = |v: Option<String>, default: &str, what: &str| -> anyhow::Result<url::Url> {
            let text = v.unwrap_or_else(|| default.to_string());
            parse_public_url(&text).with_context(|| format!("GitHub {what} URL"))
        };
        Ok(Some(GithubSettings {
            client_id,
            client_secret,
            allowed_org: self.org,
            web_url: url(self.web_url, "https://github.com", "web")?,
            api_url: url(self.api_url, "https://api.github.com", "API")?,
        }))
    }
}

fn parse_public_url(v: &str) -> anyhow::Result<url::Url> {
    let u = url::Url::parse(v).with_context(|| format!("public URL '{v}' is not a URL"))?;
    if !matches!(u.scheme(), "http" | "https") || u.host().is_none() {
        anyhow::bail!("public URL '{v}' must be http(s)://HOST[:PORT]");
    }
    Ok(u)
}

/// An SMTP URL names its scheme and host; its password never appears in the error.
fn check_smtp_url(v: &str) -> anyhow::Result<()> {
    let ok = url::Url::parse(v)
        .is_ok_and(|u| matches!(u.scheme(), "smtp" | "smtps") && u.host().is_some());
    if !ok {
        anyhow::bail!(
            "smtp_url '{}' must be smtp://HOST[:PORT] or smtps://[USER:PASSWORD@]HOST[:PORT]",
            redact(v)
        );
    }
    Ok(())
}

fn minutes(m: u64, what: &str) -> anyhow::Result<std::time::Duration> {
    if m == 0 {
        anyhow::bail!("{what} must be at least 1");
    }
    Ok(std::time::Duration::from_secs(m.saturating_mul(60)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_defaults() {
        let mut s = Settings::default();
        s.apply_env(|k| match k {
            "STEWARD_BIND" => Some("0.0.0.0:8080".into()),
            "DATABASE_URL" => Some("postgres://u:secret@db/steward".into()),
            "STEWARD_DEMO" => Some("true".into()),
            _ => None,
        })
        .expect("valid env");
        assert_eq!(s.bind.port(), 8080);
        assert!(s.demo);
        assert!(!format!("{s:?}").contains("secret"));
    }

    #[test]
    fn bad_env_is_an_error() {
        let mut s = Settings::default();
        assert!(s
            .apply_env(|k| (k == "STEWARD_BIND").then(|| "nope".to_string()))
            .is_err());
    }

    #[test]
    fn github_needs_both_halves_and_hides_its_secret() {
        let mut parts = GithubParts::default();
        parts.apply_env(|k| (k == "STEWARD_GITHUB_CLIENT_ID").then(|| "id".to_string()));
        assert!(parts.build().is_err());
        let mut parts = GithubParts::default();
        parts.apply_env(|k| match k {
            "STEWARD_GITHUB_CLIENT_ID" => Some("id".into()),
            "STEWARD_GITHUB_CLIENT_SECRET" => Some("hush".into()),
            "STEWARD_GITHUB_API_URL" => Some("http://127.0.0.1:9/".into()),
            _ => None,
        });
        let github = parts.build().expect("valid").expect("configured");
        assert_eq!(github.web_url.as_str(), "https://github.com/");
        assert_eq!(github.api_url.as_str(), "http://127.0.0.1:9/");
        assert!(!format!("{github:?}").contains("hush"));
        assert!(GithubParts::default().build().expect("valid").is_none());
    }

    #[test]
    fn issue_filing_needs_a_token_and_hides_it() {
        assert!(GithubParts::default().issues().expect("valid").is_none());
        let mut parts = GithubParts::default();
        parts.apply_env(|k| (k == "STEWARD_GITHUB_WEBHOOK_SECRET").then(|| "whsec".into()));
        assert!(
            parts.issues().is_err(),
            "a webhook secret alone files nothing"
        );
        let mut parts = GithubParts::default();
        parts.apply_env(|k| match k {
            "STEWARD_GITHUB_TOKEN" => Some("ghp_secret".into()),
            "STEWARD_GITHUB_WEBHOOK_SECRET" => Some("whsec".into()),
            "STEWARD_GITHUB_ISSUE_LABELS" => Some(" decay ,, follow-up".into()),
            _ => None,
        });
        let issues = parts.issues().expect("valid").expect("configured");
        assert_eq!(issues.api_url.as_str(), "https://api.github.com/");
        assert_eq!(issues.labels, ["decay", "follow-up"]);
        let shown = format!("{issues:?}");
        assert!(
            !shown.contains("ghp_secret") && !shown.contains("whsec"),
            "{shown}"
        );
        let mut parts = GithubParts::default();
        parts.apply_env(|k| (k == "STEWARD_GITHUB_TOKEN").then(|| "t".into()));
        let issues = parts.issues().expect("valid").expect("configured");
        assert_eq!(issues.labels, ["steward", "future-fix"]);
        parts.labels = Some(vec!["x".repeat(51)]);
        assert!(
            parts.issues().is_err(),
            "GitHub refuses labels over 50 characters"
        );
    }

    #[test]
    fn job_schedules_come_from_the_file_and_the_environment_and_are_checked() {
        let f: FileSettings =
            toml::from_str("[jobs]\nchecks = '0 */5 * * * *'\nhistory_retention_days = 30")
                .expect("valid");
        let mut s = Settings::default();
        s.jobs.apply_file(f.jobs.expect("jobs"));
        assert_eq!(s.jobs.checks, "0 */5 * * * *");
        assert_eq!(s.jobs.history_retention_days, 30);
        s.apply_env(|k| (k == "STEWARD_JOBS_SESSION_CLEANUP").then(|| "*/10 * * * * *".into()))
            .expect("valid env");
        assert_eq!(s.jobs.session_cleanup, "*/10 * * * * *");
        assert!(s.jobs.validate().is_ok());
        s.jobs.checks = "every minute".into();
        let e = s.jobs.validate().expect_err("invalid cron").to_string();
        assert!(e.contains("jobs.checks"), "{e}");
        s.jobs.checks = JobSettings::default().checks;
        s.jobs.history_retention_days = 0;
        assert!(s.jobs.validate().is_err());
        assert!(toml::from_str::<FileSettings>("[jobs]\nchecks_every = '1'").is_err());
    }

    #[test]
    fn registries_are_mirrors_with_checked_limits() {
        let f: FileSettings = toml::from_str(
            "[registries]\nnpm_url = 'https://artifactory.example.com/api/npm/npm'\nttl_hours = 6",
        )
        .expect("valid");
        let mut s = Settings::default();
        s.registries
            .apply_file(f.registries.expect("registries"))
            .expect("valid");
        assert_eq!(
            s.registries.npm_url.host_str(),
            Some("artifactory.example.com")
        );
        assert_eq!(s.registries.ttl.as_secs(), 6 * 3600);
        assert_eq!(s.registries.crates_url.as_str(), "https://crates.io/");
        s.apply_env(|k| (k == "STEWARD_REGISTRY_GO_URL").then(|| "http://127.0.0.1:9/go".into()))
            .expect("valid env");
        assert_eq!(s.registries.go_url.as_str(), "http://127.0.0.1:9/go");
        assert!(s.registries.validate().is_ok());
        let e = s
            .apply_env(|k| (k == "STEWARD_REGISTRY_PYPI_URL").then(|| "ftp://pypi".into()))
            .expect_err("not http");
        assert!(e.to_string().contains("STEWARD_REGISTRY_PYPI_URL"), "{e}");
        s.registries.requests_per_second = 0.0;
        assert!(s.registries.validate().is_err());
        assert!(toml::from_str::<FileSettings>("[registries]\nmaven_url = 'x'").is_err());
    }

    #[test]
    fn smtp_urls_are_checked_and_their_passwords_hidden() {
        let mut s = Settings::default();
        s.apply_env(|k| match k {
            "STEWARD_SMTP_URL" => Some("smtps://mailer:hush@mail.example.com:465".into()),
            "STEWARD_SMTP_FROM" => Some("steward@example.com".into()),
            _ => None,
        })
        .expect("valid env");
        assert!(!format!("{s:?}").contains("hush"));
        assert!(check_smtp_url("smtps://mailer:hush@mail.example.com:465").is_ok());
        let e = check_smtp_url("http://mailer:hush@mail.example.com").expect_err("not smtp");
        assert!(!e.to_string().contains("hush"));
    }

    #[test]
    fn file_rejects_unknown_keys() {
        assert!(toml::from_str::<FileSettings>("bnd = '1'").is_err());
        let f: FileSettings = toml::from_str("demo = true\nlog_format = 'json'").expect("valid");
        assert_eq!(f.log_format, Some(LogFormat::Json));
    }
}
