//! Print batches: which codes a request covers (checked: known template, every grid has
//! codes, within the limit), the sheets' data, and the record of every batch printed.

use super::engine::SheetItem;
use super::templates::Template;
use crate::codes::token::code_url;
use crate::codes::CodeKind;
use crate::db::schema::print_batches;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::grids::Grid;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// The template named, or `unknown_template` (naming the ones that exist).
pub fn parse_template(name: &str) -> AppResult<Template> {
    Template::parse(name.trim())
        .filter(|t| t.code_kind().is_some())
        .ok_or_else(|| {
            AppError::invalid(format!(
                "unknown template {:?}; the templates are {}",
                name.trim(),
                Template::batch_names()
            ))
            .with_reason("unknown_template")
            .with_arg("template", name.trim())
            .with_arg("templates", Template::batch_names())
        })
}

/// One code on a sheet, with what is printed around it.
#[derive(Debug, Clone, QueryableByName)]
pub struct BatchCode {
    #[diesel(sql_type = BigInt)]
    pub code_id: i64,
    #[diesel(sql_type = Text)]
    pub token: String,
    #[diesel(sql_type = Text)]
    pub check_code: String,
    #[diesel(sql_type = Text)]
    pub community: String,
    #[diesel(sql_type = Text)]
    pub compound: String,
    /// "3号楼 2单元 501" for a household, "" for a shop.
    #[diesel(sql_type = Text)]
    pub door: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub shop_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub shop_address: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub accepts_points: Option<bool>,
    #[diesel(sql_type = Nullable<Text>)]
    pub binding_code: Option<String>,
}

impl BatchCode {
    /// The sheet item for `template`: the code's URL and the words the template prints.
    /// The binding code goes only onto binding slips.
    pub fn sheet_item(&self, template: Template, public_base: &str) -> SheetItem {
        let place = format!("{} · {}", self.community, self.compound);
        let value = match template {
            Template::ShopCard => serde_json::json!({
                "shop": self.shop_name.as_deref().unwrap_or_default(),
                "place": match self.shop_address.as_deref() {
                    Some(a) if !a.is_empty() => format!("{place} · {a}"),
                    _ => place,
                },
                "check": self.check_code,
                "points": self.accepts_points.unwrap_or(false),
            }),
            Template::BindingSlip => serde_json::json!({
                "place": place,
                "door": self.door,
                "check": self.check_code,
                "binding": self.binding_code.as_deref().unwrap_or_default(),
            }),
            Template::DoorLabels | Template::ActivityPoster => serde_json::json!({
                "place": place,
                "door": self.door,
                "check": self.check_code,
            }),
        };
        let serde_json::Value::Object(fields) = value else {
            unreachable!("a JSON object literal is an object")
        };
        SheetItem {
            url: code_url(public_base, &self.token),
            fields,
        }
    }
}

#[derive(QueryableByName)]
struct GridCount {
    #[diesel(sql_type = BigInt)]
    grid_id: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Active codes of `kind` in a grid's subtree (any level), joined to what the sheets print.
const CODES_IN_GRIDS: &str = "
    FROM codes c
    LEFT JOIN households h ON h.id = c.household_id
    LEFT JOIN shops s ON s.id = c.shop_id
    JOIN grids g ON g.id = COALESCE(h.grid_id, s.grid_id)
    JOIN grids p ON p.id = g.parent_id
    WHERE c.status = 'active' AND c.kind = $2
      AND EXISTS (SELECT 1 FROM grids r WHERE r.id = ANY($1) AND g.path LIKE r.path || '%')";

/// The codes a batch of `template` over `grids` prints, in print order (grid, then door or
/// shop). Refused: a grid without such codes (`grid_without_codes`, naming it) and more
/// codes than `limit` (`batch_too_large`, naming the limit). Scope is the caller's check.
pub async fn codes_for(
    conn: &mut AsyncPgConnection,
    template: Template,
    grids: &[Grid],
    limit: usize,
) -> AppResult<Vec<BatchCode>> {
    let kind = template.code_kind().ok_or_else(|| {
        AppError::invalid("the activity poster is printed per activity, not from grids")
            .with_reason("unknown_template")
            .with_arg("template", template.name())
            .with_arg("templates", Template::batch_names())
    })?;
    if grids.is_empty() {
        return Err(AppError::invalid("choose at least one grid").with_reason("no_grid_chosen"));
    }
    let ids: Vec<i64> = grids.iter().map(|g| g.id).collect();
    let counts: Vec<GridCount> = diesel::sql_query(
        "SELECT r.id AS grid_id,
                (SELECT count(*) FROM codes c
                   LEFT JOIN households h ON h.id = c.household_id
                   LEFT JOIN shops s ON s.id = c.shop_id
                   JOIN grids g ON g.id = COALESCE(h.grid_id, s.grid_id)
                  WHERE c.status = 'active' AND c.kind = $2 AND g.path LIKE r.path || '%') AS n
         FROM grids r WHERE r.id = ANY($1)",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Text, _>(kind.as_str())
    .load(conn)
    .await?;
    for grid in grids {
        let n = counts
            .iter()
            .find(|c| c.grid_id == grid.id)
            .map_or(0, |c| c.n);
        if n == 0 {
            return Err(AppError::invalid(format!(
                "grid {} ({}) has no active {} codes",
                grid.code,
                grid.name,
                kind.as_str()
            ))
            .with_reason(match kind {
                CodeKind::Household => "grid_without_codes",
                CodeKind::Shop => "grid_without_shop_codes",
            })
            .with_arg("grid", format!("{} {}", grid.code, grid.name)));
        }
    }
    #[derive(QueryableByName)]
    struct Total {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let total: Total = diesel::sql_query(format!("SELECT count(*) AS n {CODES_IN_GRIDS}"))
        .bind::<Array<BigInt>, _>(&ids)
        .bind::<Text, _>(kind.as_str())
        .get_result(conn)
        .await?;
    if total.n as usize > limit {
        return Err(too_large(total.n as usize, limit));
    }
    if template == Template::BindingSlip {
        // Households imported since the last code run may have no binding code yet.
        crate::people::residents::ensure_binding_codes(conn).await?;
    }
    Ok(diesel::sql_query(format!(
        "SELECT c.id AS code_id, c.token, c.check_code, p.name AS community, g.name AS compound,
                COALESCE(concat_ws(' ', h.building, NULLIF(h.unit, ''), h.room), '') AS door,
                s.name AS shop_name, s.address AS shop_address, s.accepts_points,
                h.binding_code
         {CODES_IN_GRIDS}
         ORDER BY g.path, h.building, h.unit, h.room, s.name, c.id"
    ))
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Text, _>(kind.as_str())
    .load(conn)
    .await?)
}

/// Who printed a batch.
#[derive(Debug, Clone)]
pub enum PrintedBy {
    /// A staff member in the console.
    Staff { id: i64, username: String },
    /// `mashang print` (the operating-system user who ran it).
    Command { os_user: String },
}

/// A recorded batch, as listed in the console.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = print_batches)]
pub struct PrintBatch {
    pub id: i64,
    pub template: String,
    pub grid_ids: Vec<i64>,
    pub staff_id: Option<i64>,
    pub printed_by: String,
    pub via: String,
    pub code_count: i32,
    /// `printing`, `done` or `failed`.
    pub status: String,
    pub page_count: i32,
    pub failure: Option<String>,
    pub finished_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A batch with its grids' names and paths (for listing and scope filtering).
#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct BatchListing {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub template: String,
    #[diesel(sql_type = Text)]
    pub printed_by: String,
    #[diesel(sql_type = Text)]
    pub via: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub code_count: i32,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub page_count: i32,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Array<Text>)]
    pub grid_names: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    pub grid_paths: Vec<String>,
}

impl PrintBatch {
    /// Record a batch about to be rendered (`printing`) and its codes, in print order, in
    /// one transaction. [`PrintBatch::finish`] says how it ended.
    pub async fn record(
        conn: &mut AsyncPgConnection,
        template: Template,
        grid_ids: &[i64],
        by: &PrintedBy,
        code_ids: &[i64],
    ) -> AppResult<PrintBatch> {
        let (staff_id, printed_by, via) = match by {
            PrintedBy::Staff { id, username } => (Some(*id), username.clone(), "console"),
            PrintedBy::Command { os_user } => (None, os_user.clone(), "cli"),
        };
        let grid_ids = grid_ids.to_vec();
        let code_ids = code_ids.to_vec();
        let code_count = i32::try_from(code_ids.len()).map_err(AppError::internal)?;
        conn.transaction(async move |conn| {
            let batch: PrintBatch = diesel::insert_into(print_batches::table)
                .values((
                    print_batches::template.eq(template.name()),
                    print_batches::grid_ids.eq(&grid_ids),
                    print_batches::staff_id.eq(staff_id),
                    print_batches::printed_by.eq(&printed_by),
                    print_batches::via.eq(via),
                    print_batches::code_count.eq(code_count),
                ))
                .returning(PrintBatch::as_returning())
                .get_result(conn)
                .await?;
            diesel::sql_query(
                "INSERT INTO print_batch_codes (batch_id, position, code_id)
                 SELECT $1, u.ord, u.id FROM UNNEST($2::bigint[]) WITH ORDINALITY AS u(id, ord)",
            )
            .bind::<BigInt, _>(batch.id)
            .bind::<Array<BigInt>, _>(&code_ids)
            .execute(conn)
            .await?;
            Ok(batch)
        })
        .await
    }

    /// Say how a `printing` batch ended: `done` with its pages, or `failed` with why. A
    /// batch already finished is left as it is.
    pub async fn finish(
        conn: &mut AsyncPgConnection,
        batch_id: i64,
        outcome: Result<usize, String>,
    ) -> AppResult<()> {
        let (status, pages, failure) = match outcome {
            Ok(pages) => (
                "done",
                i32::try_from(pages).map_err(AppError::internal)?,
                None,
            ),
            Err(why) => ("failed", 0, Some(why)),
        };
        diesel::update(
            print_batches::table
                .find(batch_id)
                .filter(print_batches::status.eq("printing")),
        )
        .set((
            print_batches::status.eq(status),
            print_batches::page_count.eq(pages),
            print_batches::failure.eq(failure),
            print_batches::finished_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
        Ok(())
    }

    /// One batch.
    pub async fn find(conn: &mut AsyncPgConnection, batch_id: i64) -> AppResult<PrintBatch> {
        Ok(print_batches::table
            .find(batch_id)
            .select(PrintBatch::as_select())
            .first(conn)
            .await?)
    }

    /// The most recent batches with their grids' names and paths, newest first.
    pub async fn recent(conn: &mut AsyncPgConnection, limit: i64) -> AppResult<Vec<BatchListing>> {
        Ok(diesel::sql_query(
            "SELECT b.id, b.template, b.printed_by, b.via, b.code_count, b.status, b.page_count, b.created_at,
                    ARRAY(SELECT g.name FROM grids g WHERE g.id = ANY(b.grid_ids) ORDER BY g.path) AS grid_names,
                    ARRAY(SELECT g.path FROM grids g WHERE g.id = ANY(b.grid_ids) ORDER BY g.path) AS grid_paths
             FROM print_batches b ORDER BY b.created_at DESC, b.id DESC LIMIT $1",
        )
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await?)
    }

    /// The code ids of a batch, in print order.
    pub async fn code_ids(conn: &mut AsyncPgConnection, batch_id: i64) -> AppResult<Vec<i64>> {
        use crate::db::schema::print_batch_codes as pbc;
        Ok(pbc::table
            .filter(pbc::batch_id.eq(batch_id))
            .order(pbc::position)
            .select(pbc::code_id)
            .load(conn)
            .await?)
    }
}

/// A batch over the configured limit: refused, naming the limit.
pub fn too_large(count: usize, limit: usize) -> AppError {
    AppError::with_detail(
        ErrorCode::InvalidInput,
        format!("{count} codes are more than the limit of {limit} codes per batch"),
    )
    .with_reason("batch_too_large")
    .with_arg("count", count.to_string())
    .with_arg("limit", limit.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> BatchCode {
        BatchCode {
            code_id: 7,
            token: "0123456789ABCDEFGHJKMNPQRS".into(),
            check_code: "7KQ2".into(),
            community: "平原社区".into(),
            compound: "邮电小区".into(),
            door: "3号楼 2单元 501".into(),
            shop_name: None,
            shop_address: None,
            accepts_points: None,
            binding_code: Some("4F7KQ2M9TX".into()),
        }
    }

    #[test]
    fn the_binding_code_goes_only_onto_binding_slips() {
        let c = code();
        let slip = c.sheet_item(Template::BindingSlip, "http://x.test");
        assert_eq!(slip.fields["binding"], "4F7KQ2M9TX");
        let label = c.sheet_item(Template::DoorLabels, "http://x.test");
        assert!(!label.fields.contains_key("binding"));
        assert!(!serde_json::to_string(&label.fields)
            .unwrap()
            .contains("4F7KQ2M9TX"));
        assert_eq!(label.url, "HTTP://X.TEST/C/0123456789ABCDEFGHJKMNPQRS");
        assert_eq!(label.fields["place"], "平原社区 · 邮电小区");
    }

    #[test]
    fn unknown_templates_are_refused_with_a_stable_reason() {
        let e = parse_template("poster").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert_eq!(e.reason, Some("unknown_template"));
        // The activity poster is not printed from grids.
        assert!(parse_template("activity-poster").is_err());
        assert_eq!(
            parse_template(" door-labels ").unwrap(),
            Template::DoorLabels
        );
    }

    #[test]
    fn too_large_names_the_limit() {
        let e = too_large(25000, 20000);
        assert_eq!(e.reason, Some("batch_too_large"));
        assert!(e.detail.unwrap().contains("20000"));
        assert!(e.args.contains(&("limit", "20000".to_owned())));
    }
}
