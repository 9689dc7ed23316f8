//! The `steward` command line.

use crate::configuration::Settings;
use crate::store::{catalog, Store};
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
    }
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
    let report = catalog::import(&store, &documents, args.dry_run)
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
