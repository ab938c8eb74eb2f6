//! Building and running the HTTP server.

use crate::config::Settings;
use crate::web::state::AppState;
use actix_web::dev::Server;
use actix_web::HttpServer;
use std::net::TcpListener;

/// A server bound to its port, ready to run. Tests bind port 0 and read `port`.
pub struct Application {
    pub port: u16,
    pub state: AppState,
    server: Server,
}

impl Application {
    /// Bind the listener and build the server. The database must be migrated already: `main`
    /// migrates once, before any runtime exists, for every command (tests migrate a template
    /// database once per run, benchmarks their own).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))?;
        let port = listener.local_addr()?.port();
        let state = AppState::build(settings)?;
        let server = run(listener, state.clone())?;
        crate::jobs::spawn(state.services.clone());
        state.landing.clone().watch();
        crate::points::jobs::spawn(state.services.clone());
        Ok(Application {
            port,
            state,
            server,
        })
    }

    /// Serve until stopped. SIGINT/SIGTERM stop gracefully: the listener closes at once and
    /// in-flight requests get `server.shutdown_timeout_seconds` to finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn run(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    let settings = state.settings.clone();
    let workers = match settings.server.workers {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        n => n,
    };
    let server = HttpServer::new(move || crate::web::routes::app(state.clone()))
        .workers(workers)
        .shutdown_timeout(settings.server.shutdown_timeout_seconds)
        .listen(listener)?
        .run();
    Ok(server)
}
