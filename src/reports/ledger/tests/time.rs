use super::*;

#[test]
fn deadlines_from_hours() {
    let d = deadlines(t0(), 2, 72, None);
    assert_eq!(
        d.accept_by,
        Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap()
    );
    assert_eq!(
        d.finish_by,
        Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap()
    );
    // Immediate: zero hours means "now".
    assert_eq!(
        deadlines(t0(), 0, 0, None),
        Deadlines {
            accept_by: t0(),
            finish_by: t0()
        }
    );
    // A misconfigured category never finishes before it must be accepted.
    let d = deadlines(t0(), 24, 4, None);
    assert_eq!(d.finish_by, d.accept_by);
    // Absurd hours saturate instead of panicking.
    assert_eq!(
        deadlines(t0(), u32::MAX, u32::MAX, None).finish_by,
        DateTime::<Utc>::MAX_UTC
    );
}

#[test]
fn deadlines_with_a_promised_date() {
    let promised = Utc.with_ymd_and_hms(2026, 12, 31, 16, 0, 0).unwrap();
    let d = deadlines(t0(), 4, 72, Some(promised));
    assert_eq!(d.accept_by, t0() + Duration::hours(4));
    assert_eq!(
        d.finish_by, promised,
        "the committed date replaces the hours"
    );
    // Promised earlier than the finish hours: still the promise.
    let soon = t0() + Duration::hours(10);
    assert_eq!(deadlines(t0(), 4, 72, Some(soon)).finish_by, soon);
    // Promised before the accept deadline (or in the past): clamped to accept_by.
    let past = t0() - Duration::days(1);
    let d = deadlines(t0(), 4, 72, Some(past));
    assert_eq!(d.finish_by, d.accept_by);
    let d = deadlines(t0(), 4, 72, Some(t0() + Duration::hours(1)));
    assert_eq!(d.finish_by, t0() + Duration::hours(4));
}

#[test]
fn escalation_due_for_late_acceptance() {
    // Submitted at t0 - 2h with a 2 h accept deadline → accept_by == t0.
    let d = deadlines(t0() - Duration::hours(2), 2, 48, None);
    assert_eq!(d.accept_by, t0());
    let sec = Duration::seconds(1);
    assert_eq!(escalation_due(Submitted, &d, 3, t0() - sec), None, "before");
    assert_eq!(
        escalation_due(Submitted, &d, 3, t0()),
        None,
        "at the deadline is in time"
    );
    assert_eq!(
        escalation_due(Submitted, &d, 3, t0() + sec),
        Some(2),
        "after"
    );
    // Once: already at 2 (or higher) → nothing more for acceptance.
    assert_eq!(escalation_due(Submitted, &d, 2, t0() + sec), None);
    assert_eq!(escalation_due(Submitted, &d, 1, t0() + sec), None);
    // Accepted late is no longer "not accepted".
    assert_eq!(escalation_due(Accepted, &d, 3, t0() + sec), None);
}

#[test]
fn escalation_due_for_overdue_cases() {
    // finish_by == t0.
    let d = deadlines(t0() - Duration::hours(48), 2, 48, None);
    assert_eq!(d.finish_by, t0());
    let sec = Duration::seconds(1);
    for state in [Accepted, Dispatched, InProgress] {
        assert_eq!(
            escalation_due(state, &d, 3, t0() - sec),
            None,
            "{state:?} before"
        );
        assert_eq!(escalation_due(state, &d, 3, t0()), None, "{state:?} at");
        assert_eq!(
            escalation_due(state, &d, 3, t0() + sec),
            Some(1),
            "{state:?} after"
        );
        assert_eq!(
            escalation_due(state, &d, 2, t0() + sec),
            Some(1),
            "{state:?} from 2"
        );
        assert_eq!(
            escalation_due(state, &d, 1, t0() + sec),
            None,
            "{state:?} once"
        );
    }
    // Still not even accepted and already overdue: straight to the street.
    assert_eq!(escalation_due(Submitted, &d, 3, t0() + sec), Some(1));
    assert_eq!(escalation_due(Submitted, &d, 1, t0() + sec), None);
    // Long after: never for resolved or terminal cases.
    let later = t0() + Duration::days(30);
    for state in [Resolved, Closed, Rejected, Duplicate, NotOurs] {
        for level in [3, 2, 1] {
            assert_eq!(escalation_due(state, &d, level, later), None, "{state:?}");
        }
    }
}

#[test]
fn escalation_due_walks_each_level_once_with_a_moving_clock() {
    // accept_by = t0, finish_by = t0 + 24h.
    let d = deadlines(t0(), 0, 24, None);
    let (mut state, mut level) = (Submitted, 3);
    let mut done = vec![];
    for hour in 0..=48 {
        let now = t0() + Duration::minutes(30) + Duration::hours(hour);
        if let Some(to) = escalation_due(state, &d, level, now) {
            assert!(to < level);
            let case = CaseFacts {
                id: 1,
                state,
                escalation_level: level,
                dispatched_to: None,
            };
            assert!(decide(&case, Actor::System, &Action::Escalate { to_level: to }).is_ok());
            level = to;
            done.push((hour, to));
        }
        if hour == 3 {
            state = Accepted;
        }
    }
    assert_eq!(done, [(0, 2), (24, 1)]);
}

#[test]
fn auto_close_due_after_the_rating_window() {
    let resolved = t0();
    let window = resolved + Duration::days(7);
    let sec = Duration::seconds(1);
    assert!(!auto_close_due(Resolved, Some(resolved), 7, window - sec));
    assert!(
        !auto_close_due(Resolved, Some(resolved), 7, window),
        "the last instant is in time"
    );
    assert!(auto_close_due(Resolved, Some(resolved), 7, window + sec));
    assert!(auto_close_due(Resolved, Some(resolved), 0, resolved + sec));
    assert!(!auto_close_due(
        Resolved,
        None,
        7,
        window + Duration::days(100)
    ));
    for state in CaseState::ALL.into_iter().filter(|s| *s != Resolved) {
        assert!(
            !auto_close_due(state, Some(resolved), 7, window + sec),
            "{state:?}"
        );
    }
    assert!(!auto_close_due(
        Resolved,
        Some(DateTime::<Utc>::MAX_UTC),
        7,
        DateTime::<Utc>::MAX_UTC
    ));
}
