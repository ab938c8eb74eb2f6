//! The smallest useful actix-web server: `GET /` answers a short text. The landing-page load
//! test (`benches/landing_load.sh`) measures it beside `mashang serve` in the same run, so the
//! figures compare the service with what actix-web itself does on this machine.
//!
//! Usage: minimal_server PORT [WORKERS]

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    // Serve only when given a port: `cargo test --all-targets` and `cargo bench` run this
    // binary with no port (or `--bench`), and then it must not block.
    let Some(port) = std::env::args().skip(1).find_map(|a| a.parse::<u16>().ok()) else {
        eprintln!("usage: minimal_server PORT (run by benches/landing_load.sh)");
        return Ok(());
    };
    let workers: usize = std::env::var("WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(2);
    HttpServer::new(|| {
        App::new().route(
            "/",
            web::get().to(|| async { HttpResponse::Ok().body("ok") }),
        )
    })
    .workers(workers)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
