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
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("database_url", &redact(&self.database_url))
            .field("demo", &self.demo)
            .field("site_root", &self.site_root)
            .field("log_format", &self.log_format)
            .finish()
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
}

impl Settings {
    /// Reads `config` (or `./steward.toml` when it exists) and the environment.
    pub fn load(config: Option<&Path>) -> anyhow::Result<Settings> {
        let mut s = Settings::default();
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
        }
        s.apply_env(|k| std::env::var(k).ok())?;
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
        Ok(())
    }
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
    fn file_rejects_unknown_keys() {
        assert!(toml::from_str::<FileSettings>("bnd = '1'").is_err());
        let f: FileSettings = toml::from_str("demo = true\nlog_format = 'json'").expect("valid");
        assert_eq!(f.log_format, Some(LogFormat::Json));
    }
}
