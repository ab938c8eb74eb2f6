use super::*;

#[test]
fn state_is_checked_before_actor_and_actor_before_payload() {
    let closed = facts(Closed, 3, false);
    assert_eq!(
        decide(&closed, Actor::Reporter, &Action::Accept),
        Err(TransitionError::NotAllowed {
            state: Closed,
            action: "accept"
        })
    );
    let inp = facts(InProgress, 3, false);
    assert_eq!(
        decide(
            &inp,
            Actor::Reporter,
            &Action::Resolve {
                note: String::new()
            }
        ),
        Err(TransitionError::WrongActor {
            action: "resolve",
            actor: Actor::Reporter
        })
    );
    assert_eq!(
        decide(
            &facts(Accepted, 3, false),
            Actor::Reporter,
            &Action::MarkDuplicate { of_case: 7 }
        ),
        Err(TransitionError::WrongActor {
            action: "mark_duplicate",
            actor: Actor::Reporter
        })
    );
}

#[test]
fn resolve_note_is_required_and_limited_in_characters() {
    let case = facts(InProgress, 3, false);
    let r = |note: String| decide(&case, Actor::Responsible, &Action::Resolve { note });
    assert_eq!(
        r(String::new()),
        Err(TransitionError::EmptyText { field: "note" })
    );
    assert_eq!(r(" \n\t　".into()).unwrap_err().code(), "empty_text");
    // 2000 Chinese characters are 6000 bytes and still fine.
    assert!(r("修".repeat(NOTE_MAX)).is_ok());
    assert_eq!(
        r("修".repeat(NOTE_MAX + 1)),
        Err(TransitionError::TextTooLong {
            field: "note",
            max: 2000
        })
    );
}

#[test]
fn reasons_are_required_and_limited() {
    let case = facts(Submitted, 3, false);
    for make in [
        (|r: String| Action::Reject { reason: r }) as fn(String) -> Action,
        |r| Action::NotOurs { reason: r },
        |r| Action::Reroute {
            to_grid: 3,
            reason: r,
        },
        |r| Action::Reclassify {
            to_category: "roads".into(),
            reason: r,
        },
    ] {
        let d = |s: String| decide(&case, Actor::Admin, &make(s));
        assert_eq!(
            d("".into()),
            Err(TransitionError::EmptyText { field: "reason" })
        );
        assert_eq!(
            d("   ".into()),
            Err(TransitionError::EmptyText { field: "reason" })
        );
        assert!(d("因".repeat(REASON_MAX)).is_ok());
        assert_eq!(
            d("因".repeat(REASON_MAX + 1)),
            Err(TransitionError::TextTooLong {
                field: "reason",
                max: 500
            })
        );
    }
}

#[test]
fn dispatch_and_reclassify_targets_are_required() {
    let case = facts(Accepted, 3, false);
    assert_eq!(
        decide(
            &case,
            Actor::Responsible,
            &Action::Dispatch {
                department: " ".into()
            }
        ),
        Err(TransitionError::EmptyText {
            field: "department"
        })
    );
    assert_eq!(
        decide(
            &case,
            Actor::Responsible,
            &Action::Reclassify {
                to_category: "".into(),
                reason: "错".into()
            }
        ),
        Err(TransitionError::EmptyText {
            field: "to_category"
        })
    );
}

#[test]
fn rating_comment_is_optional_and_limited() {
    let case = facts(Resolved, 3, false);
    let rate = |comment: Option<String>| {
        decide(
            &case,
            Actor::Reporter,
            &Action::Rate {
                rating: Rating::Satisfied,
                comment,
            },
        )
    };
    assert!(rate(None).is_ok());
    assert!(
        rate(Some(String::new())).is_ok(),
        "blank optional comment is accepted"
    );
    assert!(rate(Some("好".repeat(RATING_COMMENT_MAX))).is_ok());
    assert_eq!(
        rate(Some("好".repeat(RATING_COMMENT_MAX + 1))),
        Err(TransitionError::TextTooLong {
            field: "comment",
            max: 500
        })
    );
}

#[test]
fn comments_are_required_limited_and_work_on_terminal_cases() {
    for state in CaseState::ALL {
        let case = facts(state, 1, false);
        let c = |text: String| decide(&case, Actor::Reporter, &Action::Comment { text });
        assert_eq!(
            c("".into()),
            Err(TransitionError::EmptyText { field: "text" })
        );
        assert_eq!(c("字".repeat(COMMENT_MAX)).map(|t| t.to), Ok(state));
        assert_eq!(
            c("字".repeat(COMMENT_MAX + 1)),
            Err(TransitionError::TextTooLong {
                field: "text",
                max: 1000
            })
        );
    }
}

#[test]
fn duplicate_of_itself_is_refused() {
    let case = facts(Submitted, 3, false);
    assert_eq!(
        decide(
            &case,
            Actor::Responsible,
            &Action::MarkDuplicate { of_case: 7 }
        ),
        Err(TransitionError::SelfDuplicate)
    );
    assert_eq!(
        decide(
            &case,
            Actor::Responsible,
            &Action::MarkDuplicate { of_case: 6 }
        )
        .map(|t| t.to),
        Ok(Duplicate)
    );
}

#[test]
fn escalate_levels_only_go_up_once_each() {
    let esc = |level: i16, to: i16| {
        decide(
            &facts(Accepted, level, false),
            Actor::System,
            &Action::Escalate { to_level: to },
        )
    };
    assert_eq!(
        esc(3, 2).map(|t| (t.to, t.escalate_to)),
        Ok((Accepted, None))
    );
    assert!(esc(3, 1).is_ok(), "straight to the street when overdue");
    assert!(esc(2, 1).is_ok());
    assert_eq!(
        esc(3, 3),
        Err(TransitionError::AlreadyEscalated { level: 3 })
    );
    assert_eq!(
        esc(2, 2),
        Err(TransitionError::AlreadyEscalated { level: 2 })
    );
    assert_eq!(
        esc(2, 3),
        Err(TransitionError::AlreadyEscalated { level: 2 })
    );
    assert_eq!(
        esc(1, 1),
        Err(TransitionError::AlreadyEscalated { level: 1 })
    );
    assert_eq!(
        esc(1, 0),
        Err(TransitionError::NotAllowed {
            state: Accepted,
            action: "escalate"
        })
    );
    assert_eq!(
        esc(3, 0),
        Err(TransitionError::NotAllowed {
            state: Accepted,
            action: "escalate"
        })
    );
    assert_eq!(esc(3, -1).unwrap_err().code(), "not_allowed");
    // Not while resolved: the handling is done.
    assert_eq!(
        decide(
            &facts(Resolved, 3, false),
            Actor::System,
            &Action::Escalate { to_level: 2 }
        ),
        Err(TransitionError::NotAllowed {
            state: Resolved,
            action: "escalate"
        })
    );
}
