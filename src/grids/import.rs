//! Importing households and shops: all or nothing, idempotent.
//!
//! A file is parsed (`import_parse`), every row's grid is looked up and checked (exists,
//! level 3, in the importer's scope), and then either refused whole with every bad row
//! named, or (when asked to skip bad rows, or when there are none) stored in one transaction
//! with codes issued for new doors and shops. Re-importing a file changes nothing.

use super::households::{Household, HouseholdInput, UpsertCounts};
use super::import_parse::{self, FileError, ImportKind, RowError, RowProblem, Rows};
use super::scope::Scope;
use super::shops::{Shop, ShopInput};
use super::Grid;
use crate::codes::landing::LandingCache;
use crate::codes::Code;
use crate::db::schema::import_batches;
use crate::error::AppResult;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Rows stored per statement.
const CHUNK: usize = 1000;

/// What to import and on whose behalf.
pub struct ImportRequest<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    pub kind: Option<ImportKind>,
    pub skip_bad_rows: bool,
    /// Bounds on the file (rows, sheet extent, unzipped size).
    pub limits: import_parse::Limits,
    pub scope: &'a Scope,
    pub staff_id: Option<i64>,
    /// "cli" or "console".
    pub source: &'a str,
    /// Told once the rows are stored (scan pages show households' and shops' details).
    pub landing: &'a LandingCache,
}

/// What an import did.
#[derive(Debug)]
pub enum Outcome {
    /// The file could not be read as an import; nothing stored.
    FileRejected(FileError),
    /// Some rows are bad and skipping was not asked for; nothing stored.
    RowsRejected {
        kind: ImportKind,
        total: usize,
        errors: Vec<RowError>,
    },
    /// Stored (the bad rows, if any, skipped and listed).
    Applied(Applied),
}

/// A stored import.
#[derive(Debug, Serialize)]
pub struct Applied {
    pub batch_id: i64,
    #[serde(skip)]
    pub kind: ImportKind,
    pub total: usize,
    pub counts: UpsertCounts,
    pub skipped: usize,
    pub codes_issued: usize,
    #[serde(skip)]
    pub errors: Vec<RowError>,
}

/// The stored name of a kind.
pub fn kind_name(kind: ImportKind) -> &'static str {
    match kind {
        ImportKind::Household => "household",
        ImportKind::Shop => "shop",
    }
}

/// Parse "household" / "shop" (and the Chinese words).
pub fn parse_kind(s: &str) -> Option<ImportKind> {
    match s.trim() {
        "household" | "households" | "住户" => Some(ImportKind::Household),
        "shop" | "shops" | "商户" => Some(ImportKind::Shop),
        _ => None,
    }
}

/// The grid checks that need the database: exists, level 3, in scope.
fn grid_problem(grid: Option<&Grid>, scope: &Scope) -> Option<RowProblem> {
    match grid {
        None => Some(RowProblem::UnknownGrid),
        Some(g) if g.level != 3 => Some(RowProblem::NotLevel3Grid),
        Some(g) if !scope.contains_path(&g.path) => Some(RowProblem::OutOfScope),
        Some(_) => None,
    }
}

/// Run an import. `progress(done, total)` is called as rows are stored.
pub async fn run(
    conn: &mut AsyncPgConnection,
    req: ImportRequest<'_>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> AppResult<Outcome> {
    let format = import_parse::detect_format(Some(req.file_name), req.bytes);
    let bytes = req.bytes.to_vec();
    let (kind_hint, limits) = (req.kind, req.limits.clone());
    // Parsing a large workbook is CPU work: keep it off the async threads.
    let parsed = tokio::task::spawn_blocking(move || {
        import_parse::parse(&bytes, format, kind_hint, &limits)
    })
    .await
    .map_err(crate::error::AppError::internal)?;
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => return Ok(Outcome::FileRejected(e)),
    };
    let kind = parsed.rows.kind();
    let total = parsed.total_lines;
    let mut errors = parsed.errors;

    let codes: Vec<String> = match &parsed.rows {
        Rows::Households(r) => r.iter().map(|r| r.grid_code.clone()).collect(),
        Rows::Shops(r) => r.iter().map(|r| r.grid_code.clone()).collect(),
    };
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    let grids: HashMap<String, Grid> = Grid::by_codes(conn, &unique)
        .await?
        .into_iter()
        .map(|g| (g.code.clone(), g))
        .collect();
    let check = |line: usize, code: &str, errors: &mut Vec<RowError>| -> Option<i64> {
        let g = grids.get(code);
        match grid_problem(g, req.scope) {
            Some(problem) => {
                errors.push(RowError {
                    line,
                    column: Some("grid_code".into()),
                    problem,
                });
                None
            }
            None => g.map(|g| g.id),
        }
    };
    let mut households = Vec::new();
    let mut shops = Vec::new();
    match parsed.rows {
        Rows::Households(rows) => {
            for r in rows {
                if let Some(grid_id) = check(r.line, &r.grid_code, &mut errors) {
                    households.push(HouseholdInput {
                        grid_id,
                        building: r.building,
                        unit: r.unit,
                        room: r.room,
                        contact_name: r.contact_name,
                        contact_phone: r.contact_phone,
                    });
                }
            }
        }
        Rows::Shops(rows) => {
            for r in rows {
                if let Some(grid_id) = check(r.line, &r.grid_code, &mut errors) {
                    shops.push(ShopInput {
                        grid_id,
                        name: r.name,
                        address: r.address,
                        accepts_points: r.accepts_points,
                        contact_phone: r.contact_phone,
                    });
                }
            }
        }
    }
    errors.sort_by_key(|e| e.line);
    if !errors.is_empty() && !req.skip_bad_rows {
        return Ok(Outcome::RowsRejected {
            kind,
            total,
            errors,
        });
    }
    let good = households.len() + shops.len();
    let mut bad_lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    bad_lines.dedup();
    let skipped = bad_lines.len();
    let sha = hex::encode(Sha256::digest(req.bytes));
    let landing = req.landing;
    let (file_name, source, staff_id) = (
        req.file_name.to_owned(),
        req.source.to_owned(),
        req.staff_id,
    );

    let applied = conn
        .transaction(async move |conn| {
            let mut counts = UpsertCounts::default();
            let mut done = 0;
            for chunk in households.chunks(CHUNK) {
                counts.add(Household::upsert_many(conn, chunk).await?);
                done += chunk.len();
                progress(done, good);
            }
            for chunk in shops.chunks(CHUNK) {
                counts.add(Shop::upsert_many(conn, chunk).await?);
                done += chunk.len();
                progress(done, good);
            }
            let codes_issued = Code::issue_missing(conn, staff_id).await?;
            let as_i32 = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
            let batch_id: i64 = diesel::insert_into(import_batches::table)
                .values((
                    import_batches::kind.eq(kind_name(kind)),
                    import_batches::file_name.eq(&file_name),
                    import_batches::file_sha256.eq(&sha),
                    import_batches::source.eq(&source),
                    import_batches::staff_id.eq(staff_id),
                    import_batches::rows_total.eq(as_i32(total)),
                    import_batches::inserted.eq(as_i32(counts.inserted)),
                    import_batches::updated.eq(as_i32(counts.updated)),
                    import_batches::unchanged.eq(as_i32(counts.unchanged)),
                    import_batches::skipped.eq(as_i32(skipped)),
                ))
                .returning(import_batches::id)
                .get_result(conn)
                .await?;
            Ok::<_, crate::error::AppError>(Applied {
                batch_id,
                kind,
                total,
                counts,
                skipped,
                codes_issued,
                errors: vec![],
            })
        })
        .await?;
    landing.changed(None).await?;
    Ok(Outcome::Applied(Applied { errors, ..applied }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(level: i16, path: &str) -> Grid {
        Grid {
            id: 1,
            code: "X".into(),
            name: "x".into(),
            level,
            parent_id: None,
            path: path.into(),
            boundary: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn grid_checks() {
        let scope = Scope::Subtrees(vec!["/1/2/".into()]);
        assert_eq!(grid_problem(None, &scope), Some(RowProblem::UnknownGrid));
        assert_eq!(
            grid_problem(Some(&grid(2, "/1/2/")), &scope),
            Some(RowProblem::NotLevel3Grid)
        );
        assert_eq!(
            grid_problem(Some(&grid(3, "/1/9/10/")), &scope),
            Some(RowProblem::OutOfScope)
        );
        assert_eq!(grid_problem(Some(&grid(3, "/1/2/3/")), &scope), None);
        assert_eq!(grid_problem(Some(&grid(3, "/1/9/10/")), &Scope::All), None);
    }

    #[test]
    fn kinds() {
        assert_eq!(parse_kind("商户"), Some(ImportKind::Shop));
        assert_eq!(parse_kind("household"), Some(ImportKind::Household));
        assert_eq!(parse_kind("x"), None);
    }
}
