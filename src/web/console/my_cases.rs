//! "My cases" (`/console/cases`): the open cases in the account's view as cards for a phone,
//! filtered by state, past deadline, grid, category and (for filers) the cases they filed;
//! searched by case number, door or words; sorted by deadline, shown as a countdown; a case
//! waiting to be signed for is accepted with one tap.

use super::base;
use crate::error::AppResult;
use crate::grids::scope::Scope;
use crate::people::{Permission, Role};
use crate::reports::ledger::{Action, CaseState};
use crate::reports::Report;
use crate::web::auth::CurrentStaff;
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

/// The most cases one list shows (the most urgent first).
const MAX_ROWS: i64 = 200;
/// Longest search (characters).
const MAX_SEARCH: usize = 50;

#[derive(Serialize)]
struct Card {
    id: i64,
    category: String,
    category_code: String,
    state: String,
    state_code: String,
    ledger: String,
    grid: String,
    grid_code: String,
    door: Option<String>,
    description: String,
    due: chrono::DateTime<chrono::Utc>,
    countdown: String,
    overdue: bool,
    escalation_level: i16,
    filed_as: Option<String>,
    mine: bool,
    can_accept: bool,
}

/// The list's filters (all optional; every one bounded by `web::input`'s query check).
#[derive(Deserialize, Serialize, Default)]
pub struct QueueQuery {
    /// Words, a case number (`#12` or `12`) or a door (`3号楼 101`).
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    overdue: Option<String>,
    /// One grid by its code.
    #[serde(default)]
    grid: String,
    /// One category by its code.
    #[serde(default)]
    category: String,
    /// Only the cases I filed (代办 and inspection finds).
    #[serde(default)]
    mine: Option<String>,
    #[serde(default)]
    sort: String,
}

impl QueueQuery {
    fn keeps(&self, c: &Card) -> bool {
        let words: String = self
            .q
            .trim()
            .trim_start_matches('#')
            .chars()
            .take(MAX_SEARCH)
            .collect();
        // A door is typed with or without spaces ("3号楼1单元101" or "3号楼 1单元 101").
        let compact = |s: &str| s.split_whitespace().collect::<String>();
        let door_hit = c
            .door
            .as_deref()
            .is_some_and(|d| !words.is_empty() && compact(d).contains(&compact(&words)));
        (words.is_empty()
            || c.id.to_string() == words
            || door_hit
            || c.description.contains(words.as_str())
            || c.category.contains(words.as_str())
            || c.grid.contains(words.as_str()))
            && (self.state.is_empty() || c.state_code == self.state)
            && (self.overdue.is_none() || c.overdue)
            && (self.grid.is_empty() || c.grid_code == self.grid)
            && (self.category.is_empty() || c.category_code == self.category)
            && (self.mine.is_none() || c.mine)
    }

    fn order(&self, cards: &mut [Card]) {
        match self.sort.as_str() {
            "newest" => cards.sort_by_key(|c| std::cmp::Reverse(c.id)),
            "grid" => cards.sort_by(|a, b| a.grid.cmp(&b.grid).then(a.due.cmp(&b.due))),
            // The deadline that matters now, nearest (or most overdue) first.
            _ => cards.sort_by_key(|c| c.due),
        }
    }
}

/// "2天3小时" / "3小时12分" / "12分": the time to (or past) a deadline in the page's language.
pub fn countdown(
    locale: Locale,
    due: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let secs = (due - now).num_seconds();
    let left = secs.unsigned_abs();
    let (d, h, m) = (left / 86_400, left % 86_400 / 3600, left % 3600 / 60);
    let span = if d > 0 {
        crate::i18n::translate(
            locale,
            "field.countdown.days",
            &[("d", d.to_string()), ("h", h.to_string())],
        )
    } else if h > 0 {
        crate::i18n::translate(
            locale,
            "field.countdown.hours",
            &[("h", h.to_string()), ("m", m.to_string())],
        )
    } else {
        crate::i18n::translate(locale, "field.countdown.minutes", &[("m", m.to_string())])
    };
    let key = if secs < 0 {
        "field.countdown.over"
    } else {
        "field.countdown.left"
    };
    crate::i18n::translate(locale, key, &[("span", span)])
}

/// `GET /console/cases`: my cases, as cards.
pub async fn queue(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    filter: web::Query<QueueQuery>,
) -> AppResult<HttpResponse> {
    me.require(Permission::FollowCases)?;
    let mut conn = state.conn().await?;
    let now = chrono::Utc::now();
    let rows = match (me.staff.role(), &me.scope) {
        (Role::DepartmentLiaison, _) => match &me.staff.department {
            Some(d) => Report::queue(&mut conn, None, Some(d), now, MAX_ROWS).await?,
            None => vec![],
        },
        (_, Scope::All) => Report::queue(&mut conn, None, None, now, MAX_ROWS).await?,
        (_, Scope::Subtrees(paths)) => {
            Report::queue(&mut conn, Some(paths), None, now, MAX_ROWS).await?
        }
    };
    let code_ids: Vec<i64> = rows.iter().filter_map(|r| r.report.code_id).collect();
    let doors = crate::codes::lookup::labels(&mut conn, &code_ids).await?;
    let cards: Vec<Card> = rows
        .into_iter()
        .map(|q| {
            let report = &q.report;
            let actor = super::cases::actor_for(&me, report, &q.grid_path);
            let can_accept = actor.is_some_and(|a| {
                crate::reports::ledger::decide(&report.facts(), a, &Action::Accept).is_ok()
            });
            Card {
                id: report.id,
                category: state
                    .catalog
                    .kind(&report.category)
                    .map(|k| k.name(locale).to_owned())
                    .unwrap_or_default(),
                category_code: report.category.clone(),
                state: report.case_state().label(locale),
                state_code: report.state.clone(),
                ledger: report.kind().label(locale),
                grid: q.grid_name.clone(),
                grid_code: q.grid_code.clone(),
                door: report.code_id.and_then(|c| doors.get(&c).cloned()),
                description: report.description.chars().take(80).collect(),
                countdown: countdown(locale, q.due, now),
                due: q.due,
                overdue: q.overdue,
                escalation_level: report.escalation_level,
                filed_as: report.filed_as().map(str::to_owned),
                mine: report.filed_by == Some(me.staff.id),
                can_accept,
            }
        })
        .collect();
    // The filters offer what is in the list: its grids and categories.
    let mut grids: Vec<(String, String)> = cards
        .iter()
        .map(|c| (c.grid_code.clone(), c.grid.clone()))
        .collect();
    grids.sort();
    grids.dedup();
    let mut categories: Vec<(String, String)> = cards
        .iter()
        .map(|c| (c.category_code.clone(), c.category.clone()))
        .collect();
    categories.sort_by(|a, b| a.1.cmp(&b.1));
    categories.dedup();
    let mut cards: Vec<Card> = cards.into_iter().filter(|c| filter.keeps(c)).collect();
    filter.order(&mut cards);
    let states: Vec<&str> = [
        CaseState::Submitted,
        CaseState::Accepted,
        CaseState::Dispatched,
        CaseState::InProgress,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    let back = match serde_html_form::to_string(&*filter) {
        Ok(q) => format!("/console/cases?{q}"),
        Err(_) => "/console/cases".to_owned(),
    };
    let ctx = minijinja::context! {
        cards => Serde(cards), filter => Serde(&*filter), grids, categories, states, back,
        filer => me.staff.can(Permission::FileReports),
        ..base(&me, "/console/cases")
    };
    state.pages.page("console/cases.html", locale, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    #[test]
    fn countdowns_read_both_ways() {
        let now = Utc::now();
        let zh = |d| countdown(Locale::ZhCn, now + d, now);
        assert!(
            zh(Duration::hours(50)).contains('2'),
            "{}",
            zh(Duration::hours(50))
        );
        let late = zh(Duration::minutes(-30));
        assert!(late.contains("30"), "{late}");
        assert_ne!(zh(Duration::minutes(30)), late);
        let en = countdown(Locale::En, now + Duration::minutes(90), now);
        assert!(en.contains('1') && en.contains("30"), "{en}");
    }
}
