use super::*;

/// Columns of the table: a state, and whether the case has been dispatched.
const COLUMNS: [(CaseState, bool); 10] = [
    (Submitted, false),
    (Accepted, false),
    (Dispatched, true),
    (InProgress, true),  // in progress after a dispatch
    (InProgress, false), // in progress, kept by the responsible staff
    (Resolved, false),
    (Closed, false),
    (Rejected, false),
    (Duplicate, false),
    (NotOurs, false),
];

/// Who may do what, written out by hand from the rules (not derived from
/// the code). Letters: P = reporter (resident), R = responsible staff,
/// D = department, A = admin, S = system; "-" = nobody.
#[rustfmt::skip]
pub(super) const TABLE: &[(&str, [&str; 10])] = &[
    //                     Sub    Acc    Dis    InP+d  InP    Res    Clo     Rej     Dup     NotOurs
    ("accept",            ["RA",  "-",   "-",   "-",   "-",   "-",   "-",    "-",    "-",    "-"]),
    ("dispatch",          ["-",   "RA",  "-",   "RA",  "RA",  "-",   "-",    "-",    "-",    "-"]),
    ("start",             ["-",   "RA",  "RDA", "-",   "-",   "-",   "-",    "-",    "-",    "-"]),
    ("resolve",           ["-",   "RA",  "RDA", "RDA", "RA",  "-",   "-",    "-",    "-",    "-"]),
    ("rate_satisfied",    ["-",   "-",   "-",   "-",   "-",   "P",   "-",    "-",    "-",    "-"]),
    ("rate_basically",    ["-",   "-",   "-",   "-",   "-",   "P",   "-",    "-",    "-",    "-"]),
    ("rate_dissatisfied", ["-",   "-",   "-",   "-",   "-",   "P",   "-",    "-",    "-",    "-"]),
    ("reject",            ["RA",  "RA",  "-",   "-",   "-",   "-",   "-",    "-",    "-",    "-"]),
    ("mark_duplicate",    ["RA",  "RA",  "-",   "-",   "-",   "-",   "-",    "-",    "-",    "-"]),
    ("not_ours",          ["RA",  "RA",  "-",   "-",   "-",   "-",   "-",    "-",    "-",    "-"]),
    ("reroute",           ["RA",  "RA",  "RA",  "RA",  "RA",  "-",   "-",    "-",    "-",    "-"]),
    ("reclassify",        ["RA",  "RA",  "RA",  "RA",  "RA",  "-",   "-",    "-",    "-",    "-"]),
    ("escalate",          ["S",   "S",   "S",   "S",   "S",   "-",   "-",    "-",    "-",    "-"]),
    ("auto_close",        ["-",   "-",   "-",   "-",   "-",   "S",   "-",    "-",    "-",    "-"]),
    ("comment",           ["PRDA","PRDA","PRDA","PRDA","PRDA","PRDA","PRDA", "PRDA", "PRDA", "PRDA"]),
];

/// A valid payload for each table row (case id 7, level 3).
pub(super) fn sample(key: &str) -> Action {
    match key {
        "accept" => Action::Accept,
        "dispatch" => Action::Dispatch {
            department: "住建局".into(),
        },
        "start" => Action::Start,
        "resolve" => Action::Resolve {
            note: "已清理占道堆放物".into(),
        },
        "rate_satisfied" => Action::Rate {
            rating: Rating::Satisfied,
            comment: None,
        },
        "rate_basically" => Action::Rate {
            rating: Rating::BasicallySatisfied,
            comment: Some("还行".into()),
        },
        "rate_dissatisfied" => Action::Rate {
            rating: Rating::Dissatisfied,
            comment: None,
        },
        "reject" => Action::Reject {
            reason: "不属于公共事务".into(),
        },
        "mark_duplicate" => Action::MarkDuplicate { of_case: 8 },
        "not_ours" => Action::NotOurs {
            reason: "属供热公司".into(),
        },
        "reroute" => Action::Reroute {
            to_grid: 12,
            reason: "地址在相邻网格".into(),
        },
        "reclassify" => Action::Reclassify {
            to_category: "environment.litter".into(),
            reason: "类别选错".into(),
        },
        "escalate" => Action::Escalate { to_level: 2 },
        "auto_close" => Action::AutoClose,
        "comment" => Action::Comment {
            text: "请尽快处理".into(),
        },
        other => panic!("no sample for {other}"),
    }
}

/// Where an allowed row leads; `None` = the state does not change.
fn target(key: &str) -> Option<CaseState> {
    match key {
        "accept" => Some(Accepted),
        "dispatch" => Some(Dispatched),
        "start" => Some(InProgress),
        "resolve" => Some(Resolved),
        "rate_satisfied" | "rate_basically" => Some(Closed),
        "rate_dissatisfied" => Some(Accepted),
        "reject" => Some(Rejected),
        "mark_duplicate" => Some(Duplicate),
        "not_ours" => Some(NotOurs),
        "auto_close" => Some(Closed),
        "reroute" | "reclassify" | "escalate" | "comment" => None,
        other => panic!("no target for {other}"),
    }
}

fn letter(actor: Actor) -> char {
    match actor {
        Actor::Reporter => 'P',
        Actor::Responsible => 'R',
        Actor::Department => 'D',
        Actor::Admin => 'A',
        Actor::System => 'S',
    }
}

#[test]
fn table_covers_every_action_and_state() {
    let names: std::collections::HashSet<_> = TABLE.iter().map(|(k, _)| sample(k).name()).collect();
    assert_eq!(names.len(), 13, "every Action variant has a row: {names:?}");
    for s in CaseState::ALL {
        assert!(COLUMNS.iter().any(|(c, _)| *c == s), "{s:?} has a column");
    }
}

#[test]
fn table_every_state_action_actor() {
    let mut checked = 0;
    for (key, row) in TABLE {
        let action = sample(key);
        for (col, (state, dispatched)) in COLUMNS.iter().enumerate() {
            let case = facts(*state, 3, *dispatched);
            let cell = row[col];
            for actor in Actor::ALL {
                let expect_ok = cell.contains(letter(actor));
                let got = decide(&case, actor, &action);
                let ctx = format!("{key} in {state:?} (dispatched={dispatched}) by {actor:?}");
                if expect_ok {
                    let t = got.unwrap_or_else(|e| panic!("{ctx}: refused with {e:?}"));
                    assert_eq!(t.from, *state, "{ctx}");
                    assert_eq!(t.to, target(key).unwrap_or(*state), "{ctx}");
                    assert_eq!(t.reopened, *key == "rate_dissatisfied", "{ctx}");
                    let esc = (*key == "rate_dissatisfied").then_some(2);
                    assert_eq!(t.escalate_to, esc, "{ctx}");
                } else {
                    // Nobody may → the state is wrong; somebody may → the actor is.
                    let want = if cell == "-" {
                        TransitionError::NotAllowed {
                            state: *state,
                            action: action.name(),
                        }
                    } else {
                        TransitionError::WrongActor {
                            action: action.name(),
                            actor,
                        }
                    };
                    assert_eq!(got, Err(want), "{ctx}");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 15 * 10 * 5);
}
