//! The `steward` command line.

use crate::configuration::Settings;
use crate::domain::authz::{Role, Scope};
use crate::store::audit::Actor;
use crate::store::{accounts, catalog, Store};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use steward_app::api::ImportAction;

#[derive(Debug, Parser)]
#[command(
    name = "steward",
    version,
    about = "Production ownership: who owns what, and how to run it"
)]
pub struct Cli {
    /// Settings file (default: ./steward.toml when present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// sqlite://PATH or postgres://… (overrides settings and DATABASE_URL).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web UI and the API.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Import Backstage catalog YAML files (Location targets are followed).
    Import(ImportArgs),
    /// Print the catalog as Backstage YAML.
    Export,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Dependencies: send a service's lockfiles to Steward (from CI).
    #[command(subcommand)]
    Deps(DepsCommand),
}

#[derive(Debug, Subcommand)]
pub enum DepsCommand {
    /// Push lockfiles of SERVICE to a Steward server, each under its path relative to the
    /// current directory (run it from the repository's root).
    Push {
        service: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Steward's address (`https://steward.example.com`).
        #[arg(long, env = "STEWARD_URL")]
        url: String,
        /// A write token of an account in a team owning the service.
        #[arg(long, env = "STEWARD_TOKEN", hide_env_values = true)]
        token: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from stdin when it is piped; otherwise a
    /// generated one is printed once.
    Add {
        handle: String,
        #[arg(long, default_value = "member", value_parser = ["admin", "member", "viewer"])]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an account and print it (it is shown only this once).
    Create {
        handle: String,
        #[arg(long, value_parser = ["read", "write"])]
        scope: String,
        /// Lifetime such as 30d, 12h or 2w; without it the token does not expire.
        #[arg(long)]
        expires: Option<String>,
        /// A name that says what the token is for.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:3000.
    #[arg(long)]
    pub bind: Option<SocketAddr>,
    /// Load demo data into an empty database.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Catalog files (multi-document YAML).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Show the plan, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl Cli {
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let mut settings = Settings::load(self.config.as_deref())?;
        if let Some(url) = &self.database_url {
            settings.database_url = url.clone();
        }
        if let Command::Serve(args) = &self.command {
            if let Some(bind) = args.bind {
                settings.bind = bind;
            }
            settings.demo |= args.demo;
        }
        Ok(settings)
    }
}

async fn open(settings: &Settings) -> anyhow::Result<Store> {
    let store = Store::connect(&settings.database_url).await?;
    store.migrate().await?;
    Ok(store)
}

/// Runs the command; returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    let settings = cli.settings()?;
    crate::telemetry::init(settings.log_format);
    match cli.command {
        Command::Serve(_) => {
            let app = crate::startup::Application::build(&settings).await?;
            app.run_until_stopped().await?;
            Ok(0)
        }
        Command::Migrate => {
            open(&settings).await?;
            println!("migrations applied");
            Ok(0)
        }
        Command::Export => {
            let store = open(&settings).await?;
            let cat = catalog::snapshot(&store)
                .await
                .map_err(|e| anyhow::anyhow!("could not read the catalog: {e}"))?;
            print!("{}", crate::domain::backstage::export(&cat));
            Ok(0)
        }
        Command::Import(args) => import(&settings, &args).await,
        Command::User(UserCommand::Add { handle, role }) => {
            let store = open(&settings).await?;
            add_user(&store, &handle, &role).await
        }
        Command::Deps(DepsCommand::Push {
            service,
            files,
            url,
            token,
        }) => push_lockfiles(&url, &token, &service, &files).await,
        Command::Token(TokenCommand::Create {
            handle,
            scope,
            expires,
            name,
        }) => {
            let store = open(&settings).await?;
            create_token(&store, &handle, &scope, expires.as_deref(), &name).await
        }
    }
}

async fn add_user(store: &Store, handle: &str, role: &str) -> anyhow::Result<i32> {
    use std::io::{IsTerminal, Read};
    let role = Role::parse(role).context("role must be admin, member or viewer")?;
    let (password, generated) = if std::io::stdin().is_terminal() {
        (crate::auth::generate_password(), true)
    } else {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("could not read the password from stdin")?;
        let password = text.trim_end_matches(['\n', '\r']).to_string();
        anyhow::ensure!(
            password.chars().count() >= 12,
            "the password must have at least 12 characters"
        );
        (password, false)
    };
    let hash = crate::auth::hash_password(password.clone()).await?;
    let account = accounts::create(store, &Actor::system(), handle, role, Some(&hash))
        .await
        .map_err(|e| anyhow::anyhow!("{}", describe(e)))?;
    println!(
        "created {} account '{}'",
        account.role.as_str(),
        account.handle
    );
    if generated {
        println!("password (shown once): {password}");
    }
    Ok(0)
}

async fn create_token(
    store: &Store,
    handle: &str,
    scope: &str,
    expires: Option<&str>,
    name: &str,
) -> anyhow::Result<i32> {
    let scope = match scope {
        "write" => Scope::Write,
        _ => Scope::Read,
    };
    let expires_at = expires
        .map(|e| {
            parse_lifetime(e).map(|d| {
                (chrono::Utc::now() + d).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            })
        })
        .transpose()?;
    let account = accounts::by_handle(store, handle)
        .await
        .map_err(|e| anyhow::anyhow!("{}", describe(e)))?
        .with_context(|| format!("there is no account '{handle}'"))?;
    let token = crate::auth::generate_token();
    accounts::add_token(
        store,
        &cli_actor(),
        &account,
        name,
        scope,
        &token,
        expires_at.as_deref(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}", describe(e)))?;
    println!("{token}");
    Ok(0)
}

/// Changes made from the command line are attributed to the operating-system user.
fn cli_actor() -> crate::store::audit::Actor {
    crate::store::audit::Actor {
        principal: None,
        system: true,
        request_id: Some(format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".into())
        )),
    }
}

/// A store error as a command-line message (validation errors name their field).
fn describe(e: crate::error::Error) -> String {
    match e {
        crate::error::Error::Validation(errors) => errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// `30d`, `12h`, `2w`, `90m` → a duration.
fn parse_lifetime(text: &str) -> anyhow::Result<chrono::Duration> {
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let n: i64 = number
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .with_context(|| format!("'{text}' is not a lifetime such as 30d, 12h or 2w"))?;
    Ok(match unit {
        "m" => chrono::Duration::minutes(n),
        "h" => chrono::Duration::hours(n),
        "d" => chrono::Duration::days(n),
        "w" => chrono::Duration::weeks(n),
        _ => anyhow::bail!("'{text}' is not a lifetime such as 30d, 12h or 2w"),
    })
}

async fn import(settings: &Settings, args: &ImportArgs) -> anyhow::Result<i32> {
    let files = crate::import_files::read_files(&args.files)?;
    let mut documents = Vec::new();
    for (source, text) in &files {
        documents.extend(
            crate::domain::backstage::parse(text, source)
                .map_err(|e| anyhow::anyhow!(e))
                .with_context(|| format!("could not parse {source}"))?,
        );
    }
    let store = open(settings).await?;
    let report = catalog::import(&store, &cli_actor(), &documents, args.dry_run)
        .await
        .map_err(|e| anyhow::anyhow!("import failed: {e}"))?;
    for item in &report.items {
        let action = match item.action {
            ImportAction::Create => "create",
            ImportAction::Update => "update",
            ImportAction::Unchanged => "unchanged",
            ImportAction::Rejected => "REJECTED",
        };
        println!("{action:>9}  {} {}", item.kind, item.name);
        for reason in &item.reasons {
            println!("           - {reason}");
        }
    }
    println!(
        "{} to create, {} to update, {} unchanged, {} rejected — {}",
        report.created,
        report.updated,
        report.unchanged,
        report.rejected,
        if report.applied {
            "applied"
        } else if report.rejected > 0 {
            "nothing was written"
        } else if args.dry_run {
            "dry run, nothing was written"
        } else {
            "nothing to write"
        }
    );
    Ok(if report.rejected > 0 { 1 } else { 0 })
}

/// The path a lockfile has in the repository: relative to the current directory when it is
/// under it, else its file name.
fn repository_path(file: &std::path::Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = if file.is_absolute() {
        file.to_path_buf()
    } else {
        cwd.join(file)
    };
    let relative = absolute
        .strip_prefix(&cwd)
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|_| file.file_name().map(PathBuf::from).unwrap_or_default());
    relative
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `steward deps push`: one request per file; exits 1 when any was refused.
async fn push_lockfiles(
    url: &str,
    token: &str,
    service: &str,
    files: &[PathBuf],
) -> anyhow::Result<i32> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(120))
        .user_agent(concat!("steward-cli/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let endpoint = format!(
        "{}/api/v1/services/{}/lockfiles",
        url.trim_end_matches('/'),
        url::form_urlencoded::byte_serialize(service.as_bytes()).collect::<String>()
    );
    let mut failed = 0;
    for file in files {
        let path = repository_path(file);
        let content = match std::fs::read_to_string(file) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                failed += 1;
                continue;
            }
        };
        let response = client
            .post(&endpoint)
            .bearer_auth(token)
            .json(&serde_json::json!({"path": path, "content": content}))
            .send()
            .await
            .with_context(|| format!("could not reach {url}"))?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        if status.is_success() {
            if body["unchanged"] == true {
                println!("{path}: unchanged");
            } else {
                println!(
                    "{path}: {} packages ({} direct)",
                    body["packages"], body["direct"]
                );
            }
        } else {
            let details = body["error"]["details"]
                .as_array()
                .map(|d| {
                    d.iter()
                        .filter_map(|e| e["message"].as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .filter(|d| !d.is_empty());
            let message = details
                .or_else(|| body["error"]["message"].as_str().map(String::from))
                .unwrap_or_else(|| status.to_string());
            eprintln!("{path}: refused ({}): {message}", status.as_u16());
            failed += 1;
        }
    }
    Ok(i32::from(failed > 0))
}

#[cfg(test)]
mod tests {
    use super::parse_lifetime;

    #[test]
    fn lifetimes() {
        assert_eq!(parse_lifetime("30d").ok(), Some(chrono::Duration::days(30)));
        assert_eq!(parse_lifetime("2w").ok(), Some(chrono::Duration::weeks(2)));
        for bad in ["", "d", "0d", "-1d", "30y", "x3h"] {
            assert!(parse_lifetime(bad).is_err(), "{bad}");
        }
    }
}
