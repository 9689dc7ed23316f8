//! Building and running the application: connect, migrate, load demo data if asked, bind,
//! serve until SIGTERM or Ctrl-C.

use crate::configuration::Settings;
use crate::http::{self, AppState};
use crate::store::Store;
use anyhow::Context;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pub store: Store,
    pub jobs: std::sync::Arc<crate::jobs::Runner>,
    scheduler: bool,
}

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
        let store = Store::connect(&settings.database_url).await?;
        store.migrate().await?;
        if settings.demo {
            crate::demo_loader::load_if_empty(&store, settings.demo_password.as_deref()).await?;
        }
        let listener = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("could not listen on {}", settings.bind))?;
        let mut leptos_options = leptos::config::get_configuration(None)
            .context("leptos configuration")?
            .leptos_options;
        leptos_options.output_name = "steward".into();
        leptos_options.site_root = settings.site_root.clone().into();
        leptos_options.site_pkg_dir = "pkg".into();
        leptos_options.site_addr = listener.local_addr()?;
        let jobs = std::sync::Arc::new(crate::jobs::Runner::new(store.clone(), &settings.jobs)?);
        let state = AppState {
            store: store.clone(),
            metrics: Default::default(),
            auth: std::sync::Arc::new(http::auth::AuthConfig::from_settings(settings)),
            jobs: jobs.clone(),
            scheduler_running: settings.jobs.scheduler,
        };
        Ok(Application {
            router: http::app(state, leptos_options),
            listener,
            store,
            jobs,
            scheduler: settings.jobs.scheduler,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        use axum::serve::ListenerExt;
        tracing::info!(address = %self.listener.local_addr()?, "serving");
        // Pages stream in several writes; without TCP_NODELAY, Nagle's algorithm and the
        // client's delayed ACK hold the tail of each response back by ~40 ms.
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        // The scheduler (checks, session clean-up, …) runs beside the server; a replica
        // started with it off only serves.
        let mut scheduler = None;
        if self.scheduler {
            match self.jobs.schedule().await {
                Ok(s) => scheduler = Some(s),
                Err(e) => tracing::error!(error = %format!("{e:#}"), "the scheduler did not start"),
            }
        }
        let router = self
            .router
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("server error")?;
        if let Some(mut s) = scheduler {
            let _ = s.shutdown().await;
        }
        self.store.pool.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
