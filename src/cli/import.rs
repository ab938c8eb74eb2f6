//! `mashang import FILE [--kind household|shop] [--skip-bad-rows]`

use crate::codes::landing::LandingCache;
use crate::config::Settings;
use crate::error::Refusal;
use crate::grids::import::{self, ImportRequest, Outcome};
use crate::grids::scope::Scope;
use crate::i18n::Locale;
use crate::redis_store::RedisStore;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;

/// Import a file on the command line (as the district: no scope limit), with a progress bar.
pub async fn run(
    settings: &Settings,
    file: &Path,
    kind: Option<&str>,
    skip_bad_rows: bool,
) -> anyhow::Result<()> {
    let kind = match kind {
        Some(k) => Some(
            import::parse_kind(k).ok_or_else(|| anyhow::anyhow!("--kind is household or shop"))?,
        ),
        None => None,
    };
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut conn = super::connect(settings).await?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} rows ({eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message("importing");
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let outcome = import::run(
        &mut conn,
        ImportRequest {
            file_name: &name,
            bytes: &bytes,
            kind,
            skip_bad_rows,
            limits: settings.import.limits(),
            scope: &Scope::All,
            staff_id: None,
            source: "cli",
            landing: &LandingCache::announcer(RedisStore::connect(
                &settings.redis.url,
                &settings.redis.key_prefix,
            )?),
        },
        &progress,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    match outcome {
        Outcome::FileRejected(e) => anyhow::bail!("{} — nothing imported", e.words(Locale::En)),
        Outcome::RowsRejected { total, errors, .. } => {
            for e in &errors {
                eprintln!("{}", e.words(Locale::En));
            }
            anyhow::bail!(
                "{} problem(s) in {total} rows — nothing imported (fix the file, or pass --skip-bad-rows)",
                errors.len()
            )
        }
        Outcome::Applied(a) => {
            for e in &a.errors {
                eprintln!("skipped: {}", e.words(Locale::En));
            }
            println!(
                "imported {} {} rows: {} new, {} updated, {} unchanged, {} skipped; {} codes issued (batch {})",
                a.total,
                import::kind_name(a.kind),
                a.counts.inserted,
                a.counts.updated,
                a.counts.unchanged,
                a.skipped,
                a.codes_issued,
                a.batch_id
            );
            Ok(())
        }
    }
}
