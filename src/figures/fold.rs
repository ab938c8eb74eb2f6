//! The pure part: replay each case's events up to an instant, then count (see the module
//! docs of [`crate::figures`] for every definition). No clock, no I/O.

use super::{Dimension, Figure};
use crate::grids::scope::path_ids;
use crate::reports::ledger::Rating;
use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, HashMap};

/// What happened in one step of a case, as far as the figures care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// 签收.
    Accept,
    /// 交办 to a department (its code).
    Dispatch(String),
    /// 办结.
    Resolve,
    /// The resident's rating; 不满意 sends the case back (发回重办).
    Rate(Rating),
    /// 不予受理.
    Reject,
    /// Marked as a duplicate.
    Duplicate,
    /// Returned as not this department's responsibility.
    NotOurs,
    /// Closed unrated after the rating window.
    AutoClose,
    /// Anything else (submit, route, start, reroute, reclassify, escalate, comment).
    Other,
}

impl EventKind {
    /// From the stored action name and its data (`data.rating`, `data.department`).
    pub fn from_stored(action: &str, data: &serde_json::Value) -> EventKind {
        let text = |k: &str| data.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        match action {
            "accept" => EventKind::Accept,
            "dispatch" => EventKind::Dispatch(text("department").to_owned()),
            "resolve" => EventKind::Resolve,
            "rate" => Rating::parse(text("rating"))
                .map(EventKind::Rate)
                .unwrap_or(EventKind::Other),
            "reject" => EventKind::Reject,
            "mark_duplicate" => EventKind::Duplicate,
            "not_ours" => EventKind::NotOurs,
            "auto_close" => EventKind::AutoClose,
            _ => EventKind::Other,
        }
    }
}

/// One step of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: DateTime<Utc>,
    /// The staff member who took the step, if staff did.
    pub staff_id: Option<i64>,
    pub kind: EventKind,
}

/// A case as the figures see it: its intake facts (never updated after intake) and its events
/// in the order they happened.
#[derive(Debug, Clone)]
pub struct CaseInput {
    pub id: i64,
    /// The grid the case is in (after any re-routing: that grid's staff handle it).
    pub grid_id: i64,
    /// That grid's materialised path ('/street/community/compound/').
    pub grid_path: String,
    pub submitted_at: DateTime<Utc>,
    pub accept_by: DateTime<Utc>,
    pub finish_by: DateTime<Utc>,
    pub events: Vec<Event>,
    /// The staff member who filed it (代办 or an inspection find), if staff did.
    pub filed_by: Option<i64>,
    /// Filed by staff without a door or shop code: their own find (巡查上报).
    pub inspection: bool,
}

/// Where a replayed case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not yet signed for.
    Submitted,
    /// Signed for and being handled (also after being sent back).
    Handling,
    /// 办结, waiting for the rating.
    Resolved,
    /// Rated 满意/基本满意 or auto-closed.
    Closed,
    /// Rejected, duplicate or not ours.
    Excluded,
}

/// A case replayed up to an instant.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseView {
    pub phase: Phase,
    /// The first 签收: when and by whom.
    pub first_accept: Option<(DateTime<Utc>, Option<i64>)>,
    /// The 办结 that stands (the last one, unless the case was sent back after it).
    pub standing_resolve: Option<DateTime<Utc>>,
    /// Whether the case was resolved at least once.
    pub resolved_ever: bool,
    /// How often it was sent back (rated 不满意).
    pub sent_back: u32,
    /// Every rating, in order.
    pub ratings: Vec<Rating>,
    /// The ratings residents gave themselves: all but those the staff member who filed the
    /// case gave on the resident's word (代评) or as their own check of an inspection find
    /// (a rating step by staff).
    pub own_ratings: Vec<Rating>,
    /// The departments it was handed to, in order, without repeats.
    pub departments: Vec<String>,
}

impl CaseInput {
    /// Replay the events that happened strictly before `as_of`.
    pub fn view(&self, as_of: DateTime<Utc>) -> CaseView {
        let mut v = CaseView {
            phase: Phase::Submitted,
            first_accept: None,
            standing_resolve: None,
            resolved_ever: false,
            sent_back: 0,
            ratings: Vec::new(),
            own_ratings: Vec::new(),
            departments: Vec::new(),
        };
        for e in self.events.iter().filter(|e| e.at < as_of) {
            // A terminal phase is history: nothing later changes it (the ledger refuses such
            // steps anyway; this keeps a stray row from resurrecting a case).
            if matches!(v.phase, Phase::Closed | Phase::Excluded) {
                break;
            }
            match &e.kind {
                EventKind::Accept => {
                    if v.first_accept.is_none() {
                        v.first_accept = Some((e.at, e.staff_id));
                    }
                    v.phase = Phase::Handling;
                }
                EventKind::Dispatch(d) => {
                    if !v.departments.contains(d) {
                        v.departments.push(d.clone());
                    }
                    v.phase = Phase::Handling;
                }
                EventKind::Resolve => {
                    v.standing_resolve = Some(e.at);
                    v.resolved_ever = true;
                    v.phase = Phase::Resolved;
                }
                EventKind::Rate(r) => {
                    v.ratings.push(*r);
                    if e.staff_id.is_none() {
                        v.own_ratings.push(*r);
                    }
                    if *r == Rating::Dissatisfied {
                        v.sent_back += 1;
                        v.standing_resolve = None;
                        v.phase = Phase::Handling;
                    } else {
                        v.phase = Phase::Closed;
                    }
                }
                EventKind::AutoClose => v.phase = Phase::Closed,
                EventKind::Reject | EventKind::Duplicate | EventKind::NotOurs => {
                    v.phase = Phase::Excluded
                }
                EventKind::Other => {}
            }
        }
        v
    }

    /// Whether the case was handed to `department` before `as_of`.
    pub fn handed_to(&self, department: &str, as_of: DateTime<Utc>) -> bool {
        self.events
            .iter()
            .any(|e| e.at < as_of && matches!(&e.kind, EventKind::Dispatch(d) if d == department))
    }
}

/// A number of cases; serialised as the number, the ids kept for the drill-down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Count(pub Vec<i64>);

impl Count {
    /// How many.
    pub fn n(&self) -> u32 {
        self.0.len() as u32
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.n())
    }
}

/// A rate: numerator over denominator, and the cases behind each.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Ratio {
    pub num: u32,
    pub den: u32,
    /// `num / den`; None when there is nothing to divide by (shown as "—").
    pub rate: Option<f64>,
    #[serde(skip)]
    pub num_cases: Vec<i64>,
    #[serde(skip)]
    pub den_cases: Vec<i64>,
}

impl Ratio {
    fn push(&mut self, id: i64, counts: bool) {
        self.den += 1;
        self.den_cases.push(id);
        if counts {
            self.num += 1;
            self.num_cases.push(id);
        }
    }

    fn finish(mut self) -> Ratio {
        self.rate = (self.den > 0).then(|| f64::from(self.num) / f64::from(self.den));
        self.num_cases.dedup();
        self.den_cases.dedup();
        self
    }
}

/// The ratings given, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RatingCounts {
    pub satisfied: u32,
    pub basically_satisfied: u32,
    pub dissatisfied: u32,
}

/// The figures of a set of cases for one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// Cases received in the period.
    #[schema(value_type = u32)]
    pub received: Count,
    /// Cases rejected, marked duplicate or not ours.
    #[schema(value_type = u32)]
    pub excluded: Count,
    pub accepted_on_time: Ratio,
    pub resolved_on_time: Ratio,
    pub satisfaction: Ratio,
    /// 满意率 without 代评: the residents' own ratings only (see [`CaseView::own_ratings`]).
    pub satisfaction_own: Ratio,
    pub ratings: RatingCounts,
    pub sent_back: Ratio,
    pub resolution: Ratio,
    /// Hours from submission to the first 签收, averaged; None without any.
    pub mean_hours_to_accept: Option<f64>,
    /// Hours from submission to the standing 办结, averaged; None without any.
    pub mean_hours_to_resolve: Option<f64>,
    /// Cases still open past their deadline.
    #[schema(value_type = u32)]
    pub overdue_open: Count,
}

impl Figures {
    /// Whether there is nothing to show: no case received and none open past its deadline.
    pub fn is_empty(&self) -> bool {
        self.received.0.is_empty() && self.overdue_open.0.is_empty()
    }

    /// The cases behind a figure: its numerator (`denominator == false`) or denominator.
    /// Counts (received, excluded, open past deadline) have one list for both.
    pub fn cases(&self, figure: Figure, denominator: bool) -> &[i64] {
        fn ratio(r: &Ratio, denominator: bool) -> &[i64] {
            if denominator {
                &r.den_cases
            } else {
                &r.num_cases
            }
        }
        match figure {
            Figure::Received => &self.received.0,
            Figure::Excluded => &self.excluded.0,
            Figure::OverdueOpen => &self.overdue_open.0,
            Figure::AcceptedOnTime => ratio(&self.accepted_on_time, denominator),
            Figure::ResolvedOnTime => ratio(&self.resolved_on_time, denominator),
            Figure::Satisfaction => ratio(&self.satisfaction, denominator),
            Figure::SatisfactionOwn => ratio(&self.satisfaction_own, denominator),
            Figure::SentBack => ratio(&self.sent_back, denominator),
            Figure::Resolution => ratio(&self.resolution, denominator),
        }
    }
}

fn mean_hours(total_seconds: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| total_seconds as f64 / n as f64 / 3600.0)
}

/// The figures of `cases` for the period `[from, to)`, judged as of `min(to, now)`.
/// `cases` should be sorted by id (the drill-down lists keep that order).
pub fn figures<'a>(
    cases: impl IntoIterator<Item = &'a CaseInput>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Figures {
    let as_of = to.min(now);
    let mut f = Figures::default();
    let (mut accept_secs, mut accept_n, mut resolve_secs, mut resolve_n) = (0i64, 0i64, 0i64, 0i64);
    for c in cases {
        if c.submitted_at >= as_of {
            continue;
        }
        let v = c.view(as_of);
        // Open past deadline: a stock at the period's end, whenever the case came in.
        let open = matches!(v.phase, Phase::Submitted | Phase::Handling);
        let due = if v.phase == Phase::Submitted {
            c.accept_by
        } else {
            c.finish_by
        };
        if open && due < as_of {
            f.overdue_open.0.push(c.id);
        }
        if c.submitted_at < from {
            continue;
        }
        f.received.0.push(c.id);
        if v.phase == Phase::Excluded {
            f.excluded.0.push(c.id);
            continue;
        }
        match v.first_accept {
            Some((at, _)) => {
                f.accepted_on_time.push(c.id, at <= c.accept_by);
                accept_secs += (at - c.submitted_at).num_seconds();
                accept_n += 1;
            }
            None if c.accept_by < as_of => f.accepted_on_time.push(c.id, false),
            None => {}
        }
        match v.standing_resolve {
            Some(at) => {
                f.resolved_on_time.push(c.id, at <= c.finish_by);
                resolve_secs += (at - c.submitted_at).num_seconds();
                resolve_n += 1;
            }
            None if c.finish_by < as_of => f.resolved_on_time.push(c.id, false),
            None => {}
        }
        for r in &v.ratings {
            match r {
                Rating::Satisfied => f.ratings.satisfied += 1,
                Rating::BasicallySatisfied => f.ratings.basically_satisfied += 1,
                Rating::Dissatisfied => f.ratings.dissatisfied += 1,
            }
            f.satisfaction.push(c.id, *r != Rating::Dissatisfied);
        }
        for r in &v.own_ratings {
            f.satisfaction_own.push(c.id, *r != Rating::Dissatisfied);
        }
        if v.resolved_ever {
            f.sent_back.push(c.id, v.sent_back > 0);
        }
        f.resolution.push(c.id, v.phase == Phase::Closed);
    }
    f.accepted_on_time = std::mem::take(&mut f.accepted_on_time).finish();
    f.resolved_on_time = std::mem::take(&mut f.resolved_on_time).finish();
    f.satisfaction = std::mem::take(&mut f.satisfaction).finish();
    f.satisfaction_own = std::mem::take(&mut f.satisfaction_own).finish();
    f.sent_back = std::mem::take(&mut f.sent_back).finish();
    f.resolution = std::mem::take(&mut f.resolution).finish();
    f.mean_hours_to_accept = mean_hours(accept_secs, accept_n);
    f.mean_hours_to_resolve = mean_hours(resolve_secs, resolve_n);
    f
}

/// The groups a case counts in for a dimension: the grid id at that level of its path (as a
/// string), or each department it was handed to before `as_of`.
pub fn group_keys(c: &CaseInput, dim: Dimension, as_of: DateTime<Utc>) -> Vec<String> {
    match dim.level() {
        Some(level) => {
            let ids = path_ids(&c.grid_path);
            // A case queued at a community (level 2) has no compound: it counts for the
            // deepest grid it has.
            let id = ids
                .get(level - 1)
                .or(ids.last())
                .copied()
                .unwrap_or(c.grid_id);
            vec![id.to_string()]
        }
        None => c.view(as_of).departments,
    }
}

/// The figures per group (key order), for one dimension.
pub fn breakdown(
    cases: &[CaseInput],
    dim: Dimension,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<(String, Figures)> {
    let as_of = to.min(now);
    let mut groups: BTreeMap<String, Vec<&CaseInput>> = BTreeMap::new();
    for c in cases.iter().filter(|c| c.submitted_at < as_of) {
        for k in group_keys(c, dim, as_of) {
            groups.entry(k).or_default().push(c);
        }
    }
    groups
        .into_iter()
        .map(|(k, cs)| (k, figures(cs, from, to, now)))
        .filter(|(_, f)| !f.is_empty())
        .collect()
}

/// The cases of one group (`key` from [`group_keys`]).
pub fn in_group<'a>(
    cases: &'a [CaseInput],
    dim: Dimension,
    key: &'a str,
    as_of: DateTime<Utc>,
) -> impl Iterator<Item = &'a CaseInput> + 'a {
    cases
        .iter()
        .filter(move |c| group_keys(c, dim, as_of).iter().any(|k| k == key))
}

/// The assessment row of one grid worker (动态考核).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerFigures {
    pub staff_id: i64,
    /// Cases received in the period and first signed for by this worker.
    pub accepted_by_them: Count,
    /// The figures of the cases in the worker's grids.
    pub figures: Figures,
}

/// The assessment of each worker (`(staff id, paths of their grids)`), in the given order.
///
/// Each case is replayed once, and cases are grouped by grid first, so a district-wide
/// assessment costs (cases + workers × grids), not workers × cases.
pub fn assessment(
    cases: &[CaseInput],
    workers: &[(i64, Vec<String>)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<WorkerFigures> {
    let as_of = to.min(now);
    let mut by_grid: BTreeMap<&str, Vec<&CaseInput>> = BTreeMap::new();
    let mut accepted_by: HashMap<i64, Vec<i64>> = HashMap::new();
    for c in cases {
        by_grid.entry(c.grid_path.as_str()).or_default().push(c);
        if c.submitted_at >= from && c.submitted_at < as_of {
            if let Some((_, Some(staff))) = c.view(as_of).first_accept {
                accepted_by.entry(staff).or_default().push(c.id);
            }
        }
    }
    workers
        .iter()
        .map(|(staff_id, paths)| {
            let mut mine: Vec<&CaseInput> = by_grid
                .iter()
                .filter(|(grid, _)| paths.iter().any(|p| grid.starts_with(p.as_str())))
                .flat_map(|(_, cs)| cs.iter().copied())
                .collect();
            mine.sort_by_key(|c| c.id);
            WorkerFigures {
                staff_id: *staff_id,
                accepted_by_them: Count(accepted_by.remove(staff_id).unwrap_or_default()),
                figures: figures(mine, from, to, now),
            }
        })
        .collect()
}

/// How long the filer of an inspection find has, after its standing 办结, to verify the
/// result on site (核实: their rating of it).
pub const VERIFY_WITHIN_HOURS: i64 = 72;

/// The assessment row of one informant (or anyone who files): 有效上报 and 按时核实.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InformantFigures {
    pub staff_id: i64,
    /// 有效上报: cases they filed (代办 and inspection finds) received in the period and not
    /// rejected, marked duplicate or returned as not ours.
    pub valid_filed: Count,
    /// 按时核实: their inspection finds of the period verified (rated by them) within
    /// [`VERIFY_WITHIN_HOURS`] of the standing 办结, over those verified or whose window
    /// ended before `as_of`.
    pub verified_on_time: Ratio,
}

/// The filing assessment of each of `staff`, in the given order.
pub fn informants(
    cases: &[CaseInput],
    staff: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<InformantFigures> {
    let as_of = to.min(now);
    let mut rows: Vec<InformantFigures> = staff
        .iter()
        .map(|id| InformantFigures {
            staff_id: *id,
            valid_filed: Count::default(),
            verified_on_time: Ratio::default(),
        })
        .collect();
    for c in cases {
        let Some(filer) = c.filed_by else { continue };
        let Some(row) = rows.iter_mut().find(|r| r.staff_id == filer) else {
            continue;
        };
        if c.submitted_at < from || c.submitted_at >= as_of {
            continue;
        }
        let v = c.view(as_of);
        if v.phase == Phase::Excluded {
            continue;
        }
        row.valid_filed.0.push(c.id);
        let Some(resolved) = v.standing_resolve.filter(|_| c.inspection) else {
            continue;
        };
        let due = resolved + chrono::Duration::hours(VERIFY_WITHIN_HOURS);
        let verified = c.events.iter().find(|e| {
            matches!(e.kind, EventKind::Rate(_))
                && e.staff_id == Some(filer)
                && e.at >= resolved
                && e.at < as_of
        });
        match verified {
            Some(e) => row.verified_on_time.push(c.id, e.at <= due),
            None if due < as_of => row.verified_on_time.push(c.id, false),
            None => {}
        }
    }
    for r in &mut rows {
        r.verified_on_time = std::mem::take(&mut r.verified_on_time).finish();
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    /// 2026-10-01 00:00 UTC, hours after it.
    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    fn ev(h: i64, kind: EventKind) -> Event {
        Event {
            at: t(h),
            staff_id: Some(7),
            kind,
        }
    }

    /// A case submitted at hour `s`, accept within 2 h, finish within 24 h.
    fn case(id: i64, s: i64, events: Vec<Event>) -> CaseInput {
        CaseInput {
            id,
            grid_id: 23,
            grid_path: "/1/5/23/".into(),
            submitted_at: t(s),
            accept_by: t(s + 2),
            finish_by: t(s + 24),
            events,
            filed_by: None,
            inspection: false,
        }
    }

    #[test]
    fn an_informants_valid_finds_and_their_verification_on_time() {
        let filer = 7;
        let mut found = case(
            1,
            10,
            vec![
                ev(11, Accept),
                ev(20, Resolve),
                ev(30, Rate(Rating::Satisfied)),
            ],
        );
        let mut late = case(
            2,
            10,
            vec![
                ev(11, Accept),
                ev(20, Resolve),
                ev(20 + 80, Rate(Rating::Satisfied)),
            ],
        );
        let mut rejected = case(3, 10, vec![ev(11, Reject)]);
        let mut unverified = case(4, 10, vec![ev(11, Accept), ev(20, Resolve)]);
        let mut on_behalf = case(5, 10, vec![ev(11, Accept)]);
        for c in [&mut found, &mut late, &mut rejected, &mut unverified] {
            c.filed_by = Some(filer);
            c.inspection = true;
        }
        on_behalf.filed_by = Some(filer);
        let other = case(6, 10, vec![]);
        let all = [found, late, rejected, unverified, on_behalf, other];
        let rows = informants(&all, &[filer, 99], t(0), t(200), t(1000));
        assert_eq!(rows[0].valid_filed.0, vec![1, 2, 4, 5]);
        assert_eq!(rows[0].verified_on_time.num_cases, vec![1]);
        assert_eq!(rows[0].verified_on_time.den_cases, vec![1, 2, 4]);
        assert!(rows[1].valid_filed.0.is_empty());
        // Before the window of the unverified find ends, it is not yet a failure.
        let early = informants(&all, &[filer], t(0), t(25), t(1000));
        assert_eq!(early[0].verified_on_time.den, 0);
    }

    use EventKind::*;

    #[test]
    fn ratings_given_by_the_filer_are_kept_apart() {
        // A resident's own rating has no staff member; the filer's (代评) has one.
        let own = |h, r| Event {
            at: t(h),
            staff_id: None,
            kind: Rate(r),
        };
        let a = case(
            1,
            10,
            vec![
                ev(11, Accept),
                ev(20, Resolve),
                own(21, Rating::Dissatisfied),
            ],
        );
        let b = case(
            2,
            10,
            vec![
                ev(11, Accept),
                ev(20, Resolve),
                ev(21, Rate(Rating::Satisfied)),
            ],
        );
        let f = figures([&a, &b], t(0), t(100), t(1000));
        assert_eq!((f.satisfaction.num, f.satisfaction.den), (1, 2));
        assert_eq!((f.satisfaction_own.num, f.satisfaction_own.den), (0, 1));
        assert_eq!(f.satisfaction_own.den_cases, vec![1]);
        assert_eq!(f.cases(Figure::SatisfactionOwn, true), &[1]);
    }

    #[test]
    fn the_loop_on_time_and_satisfied() {
        let c = case(
            1,
            10,
            vec![
                ev(11, Accept),
                ev(20, Resolve),
                ev(21, Rate(Rating::Satisfied)),
            ],
        );
        let f = figures([&c], t(0), t(100), t(1000));
        assert_eq!(f.received.n(), 1);
        assert_eq!((f.accepted_on_time.num, f.accepted_on_time.den), (1, 1));
        assert_eq!((f.resolved_on_time.num, f.resolved_on_time.den), (1, 1));
        assert_eq!((f.satisfaction.num, f.satisfaction.den), (1, 1));
        assert_eq!((f.sent_back.num, f.sent_back.den), (0, 1));
        assert_eq!((f.resolution.num, f.resolution.den), (1, 1));
        assert_eq!(f.mean_hours_to_accept, Some(1.0));
        assert_eq!(f.mean_hours_to_resolve, Some(10.0));
        assert_eq!(f.overdue_open.n(), 0);
    }

    #[test]
    fn deadlines_are_met_at_their_exact_instant() {
        // Accepted at accept_by exactly, resolved at finish_by exactly: on time.
        let c = case(1, 0, vec![ev(2, Accept), ev(24, Resolve)]);
        let f = figures([&c], t(0), t(100), t(1000));
        assert_eq!(f.accepted_on_time.rate, Some(1.0));
        assert_eq!(f.resolved_on_time.rate, Some(1.0));
        // One second late.
        let mut late = case(2, 0, vec![ev(2, Accept), ev(24, Resolve)]);
        late.events[0].at += Duration::seconds(1);
        late.events[1].at += Duration::seconds(1);
        let f = figures([&late], t(0), t(100), t(1000));
        assert_eq!(f.accepted_on_time.rate, Some(0.0));
        assert_eq!(f.resolved_on_time.rate, Some(0.0));
    }

    #[test]
    fn sent_back_then_resolved_again_counts_the_second_resolution() {
        // Resolved on time (h 5), rated 不满意 (h 6), resolved again late (h 30), satisfied.
        let c = case(
            1,
            0,
            vec![
                ev(1, Accept),
                ev(5, Resolve),
                ev(6, Rate(Rating::Dissatisfied)),
                ev(30, Resolve),
                ev(31, Rate(Rating::BasicallySatisfied)),
            ],
        );
        let f = figures([&c], t(0), t(100), t(1000));
        assert_eq!((f.resolved_on_time.num, f.resolved_on_time.den), (0, 1));
        // Two ratings: one satisfied of two.
        assert_eq!((f.satisfaction.num, f.satisfaction.den), (1, 2));
        assert_eq!(f.satisfaction.num_cases, vec![1]);
        assert_eq!(f.satisfaction.den_cases, vec![1]);
        assert_eq!(
            f.ratings,
            RatingCounts {
                satisfied: 0,
                basically_satisfied: 1,
                dissatisfied: 1
            }
        );
        assert_eq!((f.sent_back.num, f.sent_back.den), (1, 1));
        assert_eq!((f.resolution.num, f.resolution.den), (1, 1));
        assert_eq!(f.mean_hours_to_resolve, Some(30.0));
        // Judged between the send-back and the second resolution: open, late, not resolved.
        let f = figures([&c], t(0), t(29), t(1000));
        assert_eq!((f.resolved_on_time.num, f.resolved_on_time.den), (0, 1));
        assert_eq!(f.overdue_open.0, vec![1]);
        assert_eq!((f.resolution.num, f.resolution.den), (0, 1));
        assert_eq!(f.mean_hours_to_resolve, None);
    }

    #[test]
    fn rejected_duplicate_and_not_ours_are_received_but_excluded() {
        let cases = [
            case(1, 0, vec![ev(1, Reject)]),
            case(2, 0, vec![ev(1, Accept), ev(2, Duplicate)]),
            case(3, 0, vec![ev(5, NotOurs)]),
        ];
        let f = figures(&cases, t(0), t(100), t(1000));
        assert_eq!(f.received.n(), 3);
        assert_eq!(f.excluded.0, vec![1, 2, 3]);
        for r in [
            &f.accepted_on_time,
            &f.resolved_on_time,
            &f.satisfaction,
            &f.sent_back,
            &f.resolution,
        ] {
            assert_eq!((r.den, r.rate), (0, None));
        }
        assert_eq!(f.mean_hours_to_accept, None);
        assert_eq!(f.overdue_open.n(), 0);
        // Before it was returned (judged at h 3), case 3 is open and late to be accepted.
        let f = figures(&cases, t(0), t(3), t(1000));
        assert_eq!(f.excluded.0, vec![1, 2]);
        assert_eq!(f.overdue_open.0, vec![3]);
        assert_eq!((f.accepted_on_time.num, f.accepted_on_time.den), (0, 1));
    }

    #[test]
    fn a_case_received_before_the_period_and_closed_within_it() {
        // Received at h 0 (period 1: [0, 48)), resolved at h 60, rated at h 61 (period 2:
        // [48, 96)). It belongs to period 1, where it was open past its deadline at the end.
        let c = case(
            1,
            0,
            vec![
                ev(1, Accept),
                ev(60, Resolve),
                ev(61, Rate(Rating::Satisfied)),
            ],
        );
        let p1 = figures([&c], t(0), t(48), t(1000));
        assert_eq!(p1.received.n(), 1);
        assert_eq!((p1.resolved_on_time.num, p1.resolved_on_time.den), (0, 1));
        assert_eq!(p1.overdue_open.0, vec![1]);
        assert_eq!((p1.resolution.num, p1.resolution.den), (0, 1));
        let p2 = figures([&c], t(48), t(96), t(1000));
        assert!(p2.is_empty(), "not received in period 2 and no longer open");
        assert_eq!(p2.resolution.den, 0);
        assert_eq!(p2.satisfaction.den, 0);
    }

    #[test]
    fn pending_deadlines_are_not_failures_yet() {
        // Received at h 10, nothing done; judged at h 11 (now): neither deadline has passed.
        let c = case(1, 10, vec![]);
        let f = figures([&c], t(0), t(100), t(11));
        assert_eq!(f.received.n(), 1);
        assert_eq!(f.accepted_on_time.den, 0);
        assert_eq!(f.resolved_on_time.den, 0);
        assert_eq!(f.overdue_open.n(), 0);
        assert_eq!((f.resolution.num, f.resolution.den), (0, 1));
        // At h 13 the accept deadline (h 12) has passed.
        let f = figures([&c], t(0), t(100), t(13));
        assert_eq!((f.accepted_on_time.num, f.accepted_on_time.den), (0, 1));
        assert_eq!(f.overdue_open.0, vec![1]);
    }

    #[test]
    fn auto_closed_counts_as_resolved_but_not_rated() {
        let c = case(
            1,
            0,
            vec![ev(1, Accept), ev(3, Resolve), ev(200, AutoClose)],
        );
        let f = figures([&c], t(0), t(300), t(1000));
        assert_eq!((f.resolution.num, f.resolution.den), (1, 1));
        assert_eq!(f.satisfaction.den, 0);
        assert_eq!(f.satisfaction.rate, None);
    }

    #[test]
    fn events_after_the_period_do_not_count_and_a_terminal_case_stays_put() {
        let c = case(
            1,
            0,
            vec![
                ev(1, Accept),
                ev(3, Resolve),
                ev(4, Rate(Rating::Satisfied)),
                // A stray row after closing (the ledger never writes one) changes nothing.
                ev(5, Rate(Rating::Dissatisfied)),
            ],
        );
        let v = c.view(t(100));
        assert_eq!(v.phase, Phase::Closed);
        assert_eq!(v.ratings, vec![Rating::Satisfied]);
        // Judged at h 4 exactly: the rating at h 4 is not before it.
        assert_eq!(c.view(t(4)).phase, Phase::Resolved);
    }

    #[test]
    fn a_repeated_event_row_counts_once() {
        // The ledger refuses a second accept or a rating of a closed case; should a row ever be
        // recorded twice (a retried write), the first acceptance, the last resolution and the
        // closing rating stand, and a department is listed once.
        let c = case(
            1,
            0,
            vec![
                ev(1, Accept),
                ev(3, Accept),
                ev(4, Dispatch("police".into())),
                ev(4, Dispatch("police".into())),
                ev(5, Resolve),
                ev(6, Rate(Rating::Satisfied)),
                ev(6, Rate(Rating::Satisfied)),
            ],
        );
        let v = c.view(t(100));
        assert_eq!(v.first_accept, Some((t(1), Some(7))));
        assert_eq!(v.departments, vec!["police".to_owned()]);
        assert_eq!(v.ratings, vec![Rating::Satisfied]);
        let f = figures([&c], t(0), t(100), t(1000));
        assert_eq!((f.satisfaction.num, f.satisfaction.den), (1, 1));
        assert_eq!(f.mean_hours_to_accept, Some(1.0));
    }

    #[test]
    fn an_empty_period_has_no_rates() {
        let f = figures(std::iter::empty(), t(0), t(10), t(100));
        assert!(f.is_empty());
        assert_eq!(f.accepted_on_time.rate, None);
        assert_eq!(f.mean_hours_to_accept, None);
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["received"], 0);
        assert_eq!(json["satisfaction"]["rate"], serde_json::Value::Null);
    }

    #[test]
    fn groups_by_level_and_department() {
        let mut a = case(1, 0, vec![ev(1, Accept), ev(2, Dispatch("police".into()))]);
        a.events.push(ev(3, Dispatch("housing".into())));
        let mut b = case(2, 0, vec![]);
        b.grid_path = "/1/6/".into();
        b.grid_id = 6;
        assert_eq!(group_keys(&a, Dimension::Street, t(10)), vec!["1"]);
        assert_eq!(group_keys(&a, Dimension::Community, t(10)), vec!["5"]);
        assert_eq!(group_keys(&a, Dimension::Grid, t(10)), vec!["23"]);
        assert_eq!(group_keys(&b, Dimension::Grid, t(10)), vec!["6"]);
        assert_eq!(
            group_keys(&a, Dimension::Department, t(10)),
            vec!["police", "housing"]
        );
        assert_eq!(
            group_keys(&a, Dimension::Department, t(3)),
            vec!["police"],
            "not yet handed to housing"
        );
        let cases = [a, b];
        let rows = breakdown(&cases, Dimension::Community, t(0), t(10), t(100));
        let keys: Vec<_> = rows.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["5", "6"]);
        assert!(cases[0].handed_to("police", t(10)));
        assert!(!cases[0].handed_to("police", t(2)));
    }

    #[test]
    fn workers_are_credited_for_what_they_accepted() {
        let mut a = case(1, 0, vec![ev(1, Accept)]);
        a.events[0].staff_id = Some(40);
        let mut b = case(2, 0, vec![ev(1, Accept)]);
        b.grid_path = "/1/5/24/".into();
        b.events[0].staff_id = Some(41);
        let cases = [a, b];
        let rows = assessment(
            &cases,
            &[(40, vec!["/1/5/23/".into()]), (41, vec!["/1/5/24/".into()])],
            t(0),
            t(10),
            t(100),
        );
        assert_eq!(rows[0].accepted_by_them.0, vec![1]);
        assert_eq!(rows[0].figures.received.0, vec![1]);
        assert_eq!(rows[1].accepted_by_them.0, vec![2]);
        assert_eq!(rows[1].figures.received.0, vec![2]);
    }

    #[test]
    fn stored_events_map_to_kinds() {
        use serde_json::json;
        assert_eq!(
            EventKind::from_stored("rate", &json!({"rating": "basically_satisfied"})),
            Rate(Rating::BasicallySatisfied)
        );
        assert_eq!(
            EventKind::from_stored("dispatch", &json!({"department": "police"})),
            Dispatch("police".into())
        );
        assert_eq!(
            EventKind::from_stored("mark_duplicate", &json!({})),
            Duplicate
        );
        assert_eq!(EventKind::from_stored("escalate", &json!({})), Other);
    }
}
