use super::*;

#[test]
fn happy_path_through_a_department() {
    let mut case = CaseFacts::new(100);
    assert_eq!(case.state, Submitted);
    let path = [
        (Actor::Responsible, Action::Accept, Accepted),
        (
            Actor::Responsible,
            Action::Dispatch {
                department: "市政公司".into(),
            },
            Dispatched,
        ),
        (Actor::Department, Action::Start, InProgress),
        (
            Actor::Department,
            Action::Comment {
                text: "已派人查看".into(),
            },
            InProgress,
        ),
        (
            Actor::Department,
            Action::Resolve {
                note: "已更换井盖".into(),
            },
            Resolved,
        ),
        (
            Actor::Reporter,
            Action::Rate {
                rating: Rating::Satisfied,
                comment: Some("谢谢".into()),
            },
            Closed,
        ),
    ];
    for (actor, action, want) in path {
        let t = step(&mut case, actor, action);
        assert_eq!(t.to, want);
        assert!(!t.reopened);
        assert_eq!(t.escalate_to, None);
    }
    assert_eq!(case.dispatched_to.as_deref(), Some("市政公司"));
    assert_eq!(case.escalation_level, 3);
    assert!(case.state.is_terminal());
}

#[test]
fn happy_path_kept_by_the_grid_and_auto_closed() {
    let mut case = CaseFacts::new(101);
    step(&mut case, Actor::Responsible, Action::Accept);
    step(&mut case, Actor::Responsible, Action::Start);
    // A department must not resolve a case that was never dispatched to it.
    assert_eq!(
        decide(
            &case,
            Actor::Department,
            &Action::Resolve { note: "x".into() }
        ),
        Err(TransitionError::WrongActor {
            action: "resolve",
            actor: Actor::Department
        })
    );
    // Handing on mid-way is allowed.
    step(
        &mut case,
        Actor::Responsible,
        Action::Dispatch {
            department: "供水公司".into(),
        },
    );
    step(&mut case, Actor::Department, Action::Start);
    step(
        &mut case,
        Actor::Department,
        Action::Resolve {
            note: "已修复".into(),
        },
    );
    let t = step(&mut case, Actor::System, Action::AutoClose);
    assert_eq!((t.from, t.to), (Resolved, Closed));
}

#[test]
fn responsible_may_resolve_right_after_accepting() {
    let mut case = CaseFacts::new(102);
    step(&mut case, Actor::Admin, Action::Accept);
    let t = step(
        &mut case,
        Actor::Responsible,
        Action::Resolve {
            note: "现场已处理".into(),
        },
    );
    assert_eq!((t.from, t.to), (Accepted, Resolved));
}

#[test]
fn dissatisfied_reopens_and_escalates_one_level_each_time() {
    let mut case = CaseFacts::new(200);
    step(&mut case, Actor::Responsible, Action::Accept);
    step(
        &mut case,
        Actor::Responsible,
        Action::Dispatch {
            department: "环卫所".into(),
        },
    );
    let mut levels = vec![];
    for want in [Some(2), Some(1), None] {
        if case.state == Accepted && case.dispatched_to.is_none() {
            step(&mut case, Actor::Responsible, Action::Start);
        }
        step(
            &mut case,
            Actor::Responsible,
            Action::Resolve {
                note: "处理完毕".into(),
            },
        );
        let before = case.escalation_level;
        let t = step(
            &mut case,
            Actor::Reporter,
            Action::Rate {
                rating: Rating::Dissatisfied,
                comment: Some("没修好".into()),
            },
        );
        assert_eq!((t.from, t.to, t.reopened), (Resolved, Accepted, true));
        assert_eq!(t.escalate_to, want, "from level {before}");
        assert_eq!(
            case.dispatched_to, None,
            "the grid re-handles a reopened case"
        );
        // The old department cannot pick it up again without a new dispatch.
        assert_eq!(
            decide(&case, Actor::Department, &Action::Start)
                .unwrap_err()
                .code(),
            "wrong_actor"
        );
        levels.push(case.escalation_level);
    }
    assert_eq!(levels, [2, 1, 1]);
    step(
        &mut case,
        Actor::Responsible,
        Action::Resolve {
            note: "彻底修复".into(),
        },
    );
    let t = step(
        &mut case,
        Actor::Reporter,
        Action::Rate {
            rating: Rating::BasicallySatisfied,
            comment: None,
        },
    );
    assert_eq!(t.to, Closed);
}

#[test]
fn reopen_after_a_system_escalation_goes_one_further() {
    let mut case = CaseFacts::new(201);
    step(&mut case, Actor::System, Action::Escalate { to_level: 2 });
    step(&mut case, Actor::Responsible, Action::Accept);
    step(
        &mut case,
        Actor::Responsible,
        Action::Resolve {
            note: "done".into(),
        },
    );
    let t = step(
        &mut case,
        Actor::Reporter,
        Action::Rate {
            rating: Rating::Dissatisfied,
            comment: None,
        },
    );
    assert_eq!(t.escalate_to, Some(1));
    assert_eq!(
        decide(&case, Actor::System, &Action::Escalate { to_level: 1 }),
        Err(TransitionError::AlreadyEscalated { level: 1 })
    );
}

#[test]
fn next_level_up_values() {
    assert_eq!(next_level_up(3), Some(2));
    assert_eq!(next_level_up(2), Some(1));
    assert_eq!(next_level_up(1), None);
    assert_eq!(next_level_up(0), None);
    assert_eq!(next_level_up(9), Some(2));
}
