//! Community news (社区动态 / 公示): published to grids, read by everyone below them.

use crate::db::schema::{grids, news, news_grids};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// A news item.
#[derive(Debug, Clone, Queryable, Selectable, QueryableByName, Serialize)]
#[diesel(table_name = news)]
pub struct News {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub published_by: Option<i64>,
    pub published_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// Limits on what may be published.
pub const MAX_TITLE: usize = 120;
/// Body length limit (characters).
pub const MAX_BODY: usize = 10_000;

/// Check a title and body; the error names the field.
pub fn validate(title: &str, body: &str) -> Result<(), String> {
    let (t, b) = (title.trim().chars().count(), body.trim().chars().count());
    if t == 0 || t > MAX_TITLE {
        return Err(format!("title: 1-{MAX_TITLE} characters"));
    }
    if b == 0 || b > MAX_BODY {
        return Err(format!("body: 1-{MAX_BODY} characters"));
    }
    Ok(())
}

/// A staff member publishes: every chosen grid must exist (`invalid_input` naming it) and be
/// within `scope` (a forged grid id is refused, not silently dropped). Scan pages are told.
#[allow(clippy::too_many_arguments)]
pub async fn publish_in_scope(
    db: &crate::db::DbPool,
    landing: &crate::codes::landing::LandingCache,
    scope: &crate::grids::scope::Scope,
    staff_id: i64,
    title: &str,
    body: &str,
    grid_ids: &[i64],
) -> AppResult<News> {
    let mut conn = db.get().await?;
    if grid_ids.is_empty() {
        return Err(AppError::invalid("choose at least one grid"));
    }
    for id in grid_ids {
        let grid = crate::grids::Grid::find(&mut conn, *id)
            .await
            .map_err(|_| AppError::invalid(format!("no grid {id}")))?;
        if !scope.contains_path(&grid.path) {
            return Err(AppError::forbidden());
        }
    }
    let item = News::publish(&mut conn, title, body, grid_ids, Some(staff_id), None).await?;
    drop(conn);
    landing.changed(None).await?;
    Ok(item)
}

impl News {
    /// Publish to grids (already checked to be in the publisher's scope).
    pub async fn publish(
        conn: &mut AsyncPgConnection,
        title: &str,
        body: &str,
        grid_ids: &[i64],
        by: Option<i64>,
        published_at: Option<DateTime<Utc>>,
    ) -> AppResult<News> {
        validate(title, body).map_err(AppError::invalid)?;
        if grid_ids.is_empty() {
            return Err(AppError::invalid("choose at least one grid"));
        }
        let (title, body) = (title.trim().to_owned(), body.trim().to_owned());
        let grid_ids = grid_ids.to_vec();
        conn.transaction(async move |conn| {
            let item: News = diesel::insert_into(news::table)
                .values((
                    news::title.eq(&title),
                    news::body.eq(&body),
                    news::published_by.eq(by),
                    news::published_at.eq(published_at.unwrap_or_else(Utc::now)),
                ))
                .returning(News::as_returning())
                .get_result(conn)
                .await?;
            let rows: Vec<_> = grid_ids
                .iter()
                .map(|g| (news_grids::news_id.eq(item.id), news_grids::grid_id.eq(*g)))
                .collect();
            diesel::insert_into(news_grids::table)
                .values(rows)
                .execute(conn)
                .await?;
            crate::audit::record(
                conn,
                by,
                "news.publish",
                "news",
                item.id,
                serde_json::json!({ "grids": grid_ids }),
            )
            .await?;
            Ok(item)
        })
        .await
    }

    /// The latest items that reach the grid at `path`: published to it or to any grid above.
    pub async fn for_grid_path(
        conn: &mut AsyncPgConnection,
        path: &str,
        limit: i64,
    ) -> AppResult<Vec<News>> {
        Ok(diesel::sql_query(
            "SELECT n.id, n.title, n.body, n.published_by, n.published_at, n.withdrawn_at
             FROM news n
             WHERE n.withdrawn_at IS NULL AND EXISTS (
                 SELECT 1 FROM news_grids ng JOIN grids g ON g.id = ng.grid_id
                 WHERE ng.news_id = n.id AND $1 LIKE g.path || '%')
             ORDER BY n.published_at DESC, n.id DESC
             LIMIT $2",
        )
        .bind::<Text, _>(path)
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await?)
    }

    /// One published item, with the grids it went to (id, path).
    pub async fn find_published(
        conn: &mut AsyncPgConnection,
        id: i64,
    ) -> AppResult<(News, Vec<(i64, String)>)> {
        let item: News = news::table
            .find(id)
            .filter(news::withdrawn_at.is_null())
            .select(News::as_select())
            .first(conn)
            .await?;
        let targets = news_grids::table
            .inner_join(grids::table)
            .filter(news_grids::news_id.eq(id))
            .select((grids::id, grids::name))
            .load(conn)
            .await?;
        Ok((item, targets))
    }

    /// Recent items with the names of the grids they went to (console list, names joined
    /// in `locale`), in one query.
    pub async fn recent(
        conn: &mut AsyncPgConnection,
        limit: i64,
        locale: crate::i18n::Locale,
    ) -> AppResult<Vec<(News, String)>> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(embed)]
            item: News,
            #[diesel(sql_type = Array<Text>)]
            grid_names: Vec<String>,
        }
        let rows: Vec<Row> = diesel::sql_query(
            "SELECT n.id, n.title, n.body, n.published_by, n.published_at, n.withdrawn_at,
                    COALESCE(array_agg(g.name ORDER BY g.path) FILTER (WHERE g.name IS NOT NULL), '{}') AS grid_names
             FROM news n
             LEFT JOIN news_grids ng ON ng.news_id = n.id
             LEFT JOIN grids g ON g.id = ng.grid_id
             WHERE n.withdrawn_at IS NULL
             GROUP BY n.id
             ORDER BY n.published_at DESC, n.id DESC
             LIMIT $1",
        )
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await?;
        let separator = crate::i18n::translate(locale, "common.list_separator", &[]);
        Ok(rows
            .into_iter()
            .map(|r| (r.item, r.grid_names.join(&separator)))
            .collect())
    }

    /// Whether an item with this title already went to this grid (demo idempotency).
    pub async fn exists_for(
        conn: &mut AsyncPgConnection,
        title: &str,
        grid_id: i64,
    ) -> AppResult<bool> {
        use diesel::dsl::exists;
        Ok(diesel::select(exists(
            news::table
                .inner_join(news_grids::table)
                .filter(news::title.eq(title).and(news_grids::grid_id.eq(grid_id))),
        ))
        .get_result(conn)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn limits() {
        assert!(super::validate("供暖通知", "明日起供暖").is_ok());
        assert!(super::validate(" ", "x").unwrap_err().starts_with("title"));
        assert!(super::validate("t", "").unwrap_err().starts_with("body"));
        assert!(super::validate(&"长".repeat(121), "x").is_err());
    }
}
