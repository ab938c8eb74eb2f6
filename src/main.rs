//! The `mashang` command: serve, migrate, demo, import, codes export, print, points, open311.

use clap::{Parser, Subcommand};
use mashang::config::Settings;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "mashang",
    version,
    about = "码上生活 Mashang: one code per door and shop"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service (migrates the database first).
    Serve,
    /// Create the database if missing and run pending migrations.
    Migrate,
    /// Create (idempotently) the demo district and print sign-ins and a few code URLs.
    Demo,
    /// Import households or shops from a CSV or XLSX file.
    Import {
        /// The file (.csv or .xlsx; GBK/GB18030 CSVs are recognised).
        file: PathBuf,
        /// household or shop (default: inferred from the header row).
        #[arg(long)]
        kind: Option<String>,
        /// Store the good rows and report the bad ones, instead of refusing the whole file.
        #[arg(long)]
        skip_bad_rows: bool,
    },
    /// Work with codes.
    Codes {
        #[command(subcommand)]
        command: CodesCommand,
    },
    /// Print code sheets as one print-ready PDF (door-labels, shop-card, binding-slip).
    Print {
        /// door-labels, shop-card or binding-slip.
        #[arg(long)]
        template: String,
        /// Only codes in this grid (any level; repeatable). Default: the whole district.
        #[arg(long)]
        grid: Vec<String>,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
        /// zh (Chinese only) or bilingual (Mongolian beside Chinese; door labels).
        #[arg(long, default_value = "zh")]
        script: String,
    },
    /// Volunteer points: rebuild the Redis projection, audit the invariants.
    Points {
        #[command(subcommand)]
        command: PointsCommand,
    },
    /// Open311 GeoReport v2 for integrators.
    Open311 {
        #[command(subcommand)]
        command: Open311Command,
    },
}

#[derive(Subcommand)]
enum Open311Command {
    /// Integrators' API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key and print it (shown only this once).
    Create {
        /// A name for the integrator (letters, digits, '.', '_', '-').
        name: String,
    },
    /// List the keys (never the keys themselves).
    List,
    /// Revoke the live key with this name.
    Revoke { name: String },
}

#[derive(Subcommand)]
enum PointsCommand {
    /// Restore the live points in Redis from the journal in PostgreSQL.
    Rebuild,
    /// Check the invariants; exits non-zero naming the accounts that fail.
    Audit {
        /// Relay the journal to Redis first (compare once caught up).
        #[arg(long)]
        catch_up: bool,
    },
}

#[derive(Subcommand)]
enum CodesCommand {
    /// Write the codes as CSV for a print shop.
    Export {
        /// Only codes in this grid (any level; repeatable).
        #[arg(long)]
        grid: Vec<String>,
        /// household or shop.
        #[arg(long)]
        kind: Option<String>,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load()?;
    mashang::telemetry::init_tracing(&settings.log.format, &settings.log.filter);
    // Migrations run here, before any async runtime exists (see db::run_migrations).
    mashang::db::create_database_if_missing(&settings.database.url)?;
    let applied = mashang::db::run_migrations(&settings.database.url)?;
    for m in &applied {
        tracing::info!(migration = %m, "applied migration");
    }
    let rt = tokio::runtime::Runtime::new()?;
    match cli.command {
        Command::Migrate => {
            println!(
                "database up to date ({} migration(s) applied now)",
                applied.len()
            );
            Ok(())
        }
        Command::Serve => actix_web::rt::System::new().block_on(async move {
            let app = mashang::startup::Application::build(settings).await?;
            tracing::info!(port = app.port, "listening");
            app.run_until_stopped().await?;
            Ok(())
        }),
        Command::Demo => rt.block_on(mashang::cli::demo::run(&settings)),
        Command::Import {
            file,
            kind,
            skip_bad_rows,
        } => rt.block_on(mashang::cli::import::run(
            &settings,
            &file,
            kind.as_deref(),
            skip_bad_rows,
        )),
        Command::Codes {
            command: CodesCommand::Export { grid, kind, out },
        } => rt.block_on(mashang::cli::codes_export::run(
            &settings,
            &grid,
            kind.as_deref(),
            &out,
        )),
        Command::Print {
            template,
            grid,
            out,
            script,
        } => rt.block_on(mashang::cli::print::run(
            &settings, &template, &grid, &out, &script,
        )),
        Command::Points {
            command: PointsCommand::Rebuild,
        } => rt.block_on(mashang::cli::points::rebuild(&settings)),
        Command::Points {
            command: PointsCommand::Audit { catch_up },
        } => rt.block_on(mashang::cli::points::audit(&settings, catch_up)),
        Command::Open311 {
            command: Open311Command::Keys { command },
        } => match command {
            KeysCommand::Create { name } => {
                rt.block_on(mashang::cli::open311::create(&settings, &name))
            }
            KeysCommand::List => rt.block_on(mashang::cli::open311::list(&settings)),
            KeysCommand::Revoke { name } => {
                rt.block_on(mashang::cli::open311::revoke(&settings, &name))
            }
        },
    }
}
