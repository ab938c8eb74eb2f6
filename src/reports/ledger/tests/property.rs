use super::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("说明".to_string()),
        1 => Just(String::new()),
        1 => Just("x".repeat(2001)),
    ]
}

fn any_action() -> impl Strategy<Value = Action> {
    let rating = prop_oneof![
        Just(Rating::Satisfied),
        Just(Rating::BasicallySatisfied),
        Just(Rating::Dissatisfied)
    ];
    prop_oneof![
        Just(Action::Accept),
        text().prop_map(|department| Action::Dispatch { department }),
        Just(Action::Start),
        text().prop_map(|note| Action::Resolve { note }),
        (rating, proptest::option::of(text()))
            .prop_map(|(rating, comment)| Action::Rate { rating, comment }),
        text().prop_map(|reason| Action::Reject { reason }),
        (0i64..3).prop_map(|of_case| Action::MarkDuplicate { of_case }),
        text().prop_map(|reason| Action::NotOurs { reason }),
        (1i64..5, text()).prop_map(|(to_grid, reason)| Action::Reroute { to_grid, reason }),
        (text(), text()).prop_map(|(to_category, reason)| Action::Reclassify {
            to_category,
            reason
        }),
        (-1i16..5).prop_map(|to_level| Action::Escalate { to_level }),
        Just(Action::AutoClose),
        text().prop_map(|text| Action::Comment { text }),
    ]
}

fn any_actor() -> impl Strategy<Value = Actor> {
    prop::sample::select(Actor::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_sequences_keep_the_invariants(
        steps in prop::collection::vec((any_actor(), any_action()), 0..60)
    ) {
        let mut case = CaseFacts::new(1);
        for (actor, action) in steps {
            let before = case.clone();
            match decide(&case, actor, &action) {
                Err(_) => {}
                Ok(t) => {
                    prop_assert_eq!(t.from, before.state);
                    // Terminal states are left only... never: only comments, in place.
                    if before.state.is_terminal() {
                        let is_comment = matches!(action, Action::Comment { .. });
                        prop_assert!(is_comment, "left terminal by {:?}", action);
                        prop_assert_eq!(t.to, before.state);
                    }
                    // Escalation only ever goes up, to a real level.
                    if let Action::Escalate { to_level } = action {
                        prop_assert!(to_level < before.escalation_level && to_level >= 1);
                    }
                    if let Some(level) = t.escalate_to {
                        prop_assert!(level < before.escalation_level && level >= 1);
                        prop_assert!(t.reopened);
                    }
                    // Closed only through the resident or the timeout.
                    if t.to == Closed && before.state != Closed {
                        let by_rate_or_timeout = matches!(action, Action::Rate { .. } | Action::AutoClose);
                        prop_assert!(by_rate_or_timeout, "closed by {:?}", action);
                    }
                    prop_assert_eq!(t.reopened, t.from == Resolved && t.to == Accepted);
                    case.apply(&action, &t);
                    prop_assert!(case.escalation_level <= before.escalation_level);
                    prop_assert!((1..=3).contains(&case.escalation_level));
                }
            }
        }
    }
}
