//! Who is told what by email about a case. Everything is enqueued in the caller's
//! transaction (see `notify::outbox`), with a dedupe key, so retries never double a mail.

use super::categories::Catalog;
use super::ledger::LedgerKind;
use super::model::Report;
use crate::db::schema::{grids, report_followers, staff, staff_grids};
use crate::error::AppResult;
use crate::i18n::{translate, Locale};
use crate::notify::outbox::enqueue;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Format a time as people in Inner Mongolia read it (UTC+8).
pub fn china_time(t: DateTime<Utc>) -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    t.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// (id, name, email) of active staff responsible for `grid_id` with one of `roles`.
async fn responsible(
    conn: &mut AsyncPgConnection,
    grid_id: i64,
    roles: &[&str],
) -> AppResult<Vec<(i64, String, String)>> {
    let rows: Vec<(i64, String, Option<String>)> = staff_grids::table
        .inner_join(staff::table)
        .filter(
            staff_grids::grid_id
                .eq(grid_id)
                .and(staff::active.eq(true))
                .and(staff::role.eq_any(roles)),
        )
        .select((staff::id, staff::display_name, staff::email))
        .order(staff::id)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n, e)| e.map(|e| (id, n, e)))
        .collect())
}

/// The grid's ancestors and itself, deepest first: (id, level, name).
async fn lineage(conn: &mut AsyncPgConnection, grid_id: i64) -> AppResult<Vec<(i64, i16, String)>> {
    let path: String = grids::table
        .find(grid_id)
        .select(grids::path)
        .first(conn)
        .await?;
    let ids = crate::grids::scope::path_ids(&path);
    let mut rows: Vec<(i64, i16, String)> = grids::table
        .filter(grids::id.eq_any(&ids))
        .select((grids::id, grids::level, grids::name))
        .load(conn)
        .await?;
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    Ok(rows)
}

/// What every mail about a case shows; `locale` is the stored tag of the mail's reader.
fn common(catalog: &Catalog, report: &Report, grid_name: &str, locale: &str) -> serde_json::Value {
    let locale = Locale::parse_or_default(locale);
    let category = catalog
        .kind(&report.category)
        .map(|k| k.name(locale).to_owned())
        .unwrap_or_else(|| report.category.clone());
    let ledger = LedgerKind::parse(&report.ledger_kind)
        .map(|k| k.label(locale))
        .unwrap_or_default();
    serde_json::json!({
        "category": category,
        "ledger": ledger,
        "grid": grid_name,
        "place": report.address_text.clone().unwrap_or_default(),
        "description": report.description,
        "submitted_at": china_time(report.submitted_at),
        "accept_by": china_time(report.accept_by),
        "finish_by": china_time(report.finish_by),
    })
}

fn with(mut v: serde_json::Value, extra: serde_json::Value) -> serde_json::Value {
    if let (Some(a), Some(b)) = (v.as_object_mut(), extra.as_object()) {
        a.extend(b.clone());
    }
    v
}

/// A new case: its grid's workers (and heads), or, for a grid without any, the heads of the
/// nearest grid above that has some.
pub async fn new_case(
    conn: &mut AsyncPgConnection,
    catalog: &Catalog,
    links: super::Links<'_>,
    report: &Report,
) -> AppResult<usize> {
    let grids = lineage(conn, report.grid_id).await?;
    let mut sent = 0;
    for (i, (gid, _, _)) in grids.iter().enumerate() {
        let roles: &[&str] = if i == 0 {
            &["grid_worker", "grid_head"]
        } else {
            &["grid_head"]
        };
        let people = responsible(conn, *gid, roles).await?;
        if people.is_empty() {
            continue;
        }
        let base_params = common(catalog, report, &grids[0].2, "zh-CN");
        for (sid, name, email) in people {
            let params = with(
                base_params.clone(),
                serde_json::json!({ "name": name, "link": format!("{}/console/cases/{}", links.base, report.id) }),
            );
            enqueue(
                conn,
                &format!("new_case:{}:{sid}", report.id),
                &email,
                "new_case",
                "zh-CN",
                params,
            )
            .await?;
            sent += 1;
        }
        break;
    }
    Ok(sent)
}

/// The reporter's link: with the rating key for a resident's own report; the plain tracking
/// link for one staff filed (the filer rates from the console, and only where no resident
/// of the household can).
fn reporter_link(links: super::Links<'_>, report: &Report) -> String {
    if report.filed_by.is_some() {
        links.tracking(&report.public_id)
    } else {
        links.reporter_tracking(&report.public_id)
    }
}

/// The reporter's receipt with the tracking link.
pub async fn received(
    conn: &mut AsyncPgConnection,
    catalog: &Catalog,
    links: super::Links<'_>,
    report: &Report,
    email: &str,
) -> AppResult<()> {
    let grids = lineage(conn, report.grid_id).await?;
    let locale = report.reporter_locale.as_str();
    let params = with(
        common(catalog, report, &grids[0].2, locale),
        serde_json::json!({ "link": reporter_link(links, report) }),
    );
    enqueue(
        conn,
        &format!("received:{}", report.id),
        email,
        "received",
        locale,
        params,
    )
    .await
}

/// Why a case was escalated, for the mail.
#[derive(Debug, Clone, Copy)]
pub enum EscalationCause {
    NotAccepted,
    Overdue,
    Dissatisfied,
}

/// An escalation to `level`: the heads of the grid at that level above the case's grid.
pub async fn escalated(
    conn: &mut AsyncPgConnection,
    catalog: &Catalog,
    links: super::Links<'_>,
    report: &Report,
    level: i16,
    cause: EscalationCause,
) -> AppResult<usize> {
    let grids = lineage(conn, report.grid_id).await?;
    let Some((gid, _, _)) = grids.iter().find(|g| g.1 == level) else {
        return Ok(0);
    };
    let people = responsible(conn, *gid, &["grid_head", "admin"]).await?;
    // Staff mails are in the default language (staff have no language of their own yet).
    let cause = match cause {
        EscalationCause::NotAccepted => "not_accepted",
        EscalationCause::Overdue => "overdue",
        EscalationCause::Dissatisfied => "dissatisfied",
    };
    let reason = translate(Locale::default(), &format!("escalation.{cause}"), &[]);
    let mut n = 0;
    for (sid, name, email) in people {
        let params = with(
            common(catalog, report, &grids[0].2, "zh-CN"),
            serde_json::json!({ "name": name, "reason": reason, "link": format!("{}/console/cases/{}", links.base, report.id) }),
        );
        let key = format!(
            "escalate:{}:{level}:{}:{sid}",
            report.id, report.reopen_count
        );
        enqueue(conn, &key, &email, "escalated", "zh-CN", params).await?;
        n += 1;
    }
    Ok(n)
}

/// The one mail to an address that asked to follow a case: a signed link to confirm it.
pub async fn confirm_follow(
    conn: &mut AsyncPgConnection,
    catalog: &Catalog,
    links: super::Links<'_>,
    report: &Report,
    email: &str,
) -> AppResult<()> {
    let grids = lineage(conn, report.grid_id).await?;
    let token = crate::signed::sign(
        links.secret_key,
        crate::signed::Purpose::ConfirmFollow,
        &[&report.public_id, email],
    );
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("e", email)
        .append_pair("t", &token)
        .finish();
    let link = format!(
        "{}/follow/confirm?{query}",
        links.tracking(&report.public_id)
    );
    let params = with(
        common(catalog, report, &grids[0].2, "zh-CN"),
        serde_json::json!({ "link": link }),
    );
    // One mail per case and address, ever: asking again sends nothing more.
    enqueue(
        conn,
        &format!("confirm_follow:{}:{email}", report.id),
        email,
        "confirm_follow",
        "zh-CN",
        params,
    )
    .await
}

/// A resolution: the reporter and everyone who followed the case.
pub async fn resolved(
    conn: &mut AsyncPgConnection,
    catalog: &Catalog,
    links: super::Links<'_>,
    report: &Report,
    result: &str,
) -> AppResult<usize> {
    let grids = lineage(conn, report.grid_id).await?;
    // The reporter's mail carries the rating link; followers (confirmed addresses only) get
    // the public tracking link.
    let mut to: Vec<(String, String, bool)> = report
        .reporter_email
        .iter()
        .map(|e| (e.clone(), report.reporter_locale.clone(), true))
        .collect();
    let followers: Vec<String> = report_followers::table
        .filter(report_followers::report_id.eq(report.id))
        .filter(report_followers::confirmed_at.is_not_null())
        .select(report_followers::email)
        .load(conn)
        .await?;
    to.extend(
        followers
            .into_iter()
            .map(|e| (e, "zh-CN".to_owned(), false)),
    );
    let mut n = 0;
    for (email, locale, reporter) in to {
        let link = if reporter {
            reporter_link(links, report)
        } else {
            links.tracking(&report.public_id)
        };
        let params = with(
            common(catalog, report, &grids[0].2, &locale),
            serde_json::json!({ "result": result, "link": link, "rate": reporter && report.filed_by.is_none() }),
        );
        enqueue(
            conn,
            &format!("resolved:{}:{}:{email}", report.id, report.reopen_count),
            &email,
            "resolved",
            &locale,
            params,
        )
        .await?;
        n += 1;
    }
    Ok(n)
}
