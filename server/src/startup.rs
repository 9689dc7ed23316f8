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
        let state = AppState {
            store: store.clone(),
            metrics: Default::default(),
            auth: std::sync::Arc::new(http::auth::AuthConfig::from_settings(settings)),
        };
        Ok(Application {
            router: http::app(state, leptos_options),
            listener,
            store,
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
        // Expired sessions and old sign-in failures are removed hourly.
        let store = self.store.clone();
        let cleanup = tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                every.tick().await;
                match crate::store::sessions::delete_expired(&store).await {
                    Ok(n) => tracing::debug!(sessions = n, "expired sessions removed"),
                    Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
                }
            }
        });
        let router = self
            .router
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("server error")?;
        cleanup.abort();
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
