use super::table::{sample, TABLE};
use super::*;

#[test]
fn case_state_labels_and_codes() {
    let zh = [
        "待签收",
        "已签收",
        "已交办",
        "办理中",
        "已办结",
        "已结案",
        "不予受理",
        "重复",
        "非本部门职责",
    ];
    let codes = [
        "submitted",
        "accepted",
        "dispatched",
        "in_progress",
        "resolved",
        "closed",
        "rejected",
        "duplicate",
        "not_ours",
    ];
    for (i, s) in CaseState::ALL.into_iter().enumerate() {
        assert_eq!(s.as_str(), codes[i]);
        assert_eq!(s.label(Locale::ZhCn), zh[i]);
        assert_eq!(s.to_string(), codes[i]);
    }
    assert_eq!(InProgress.label(Locale::En), "In progress");
    assert_eq!(NotOurs.label(Locale::En), "Not our responsibility");
}

#[test]
fn state_classes() {
    let open: Vec<_> = CaseState::ALL.into_iter().filter(|s| s.is_open()).collect();
    let terminal: Vec<_> = CaseState::ALL
        .into_iter()
        .filter(|s| s.is_terminal())
        .collect();
    assert_eq!(open, [Submitted, Accepted, Dispatched, InProgress]);
    assert_eq!(terminal, [Closed, Rejected, Duplicate, NotOurs]);
    assert!(!Resolved.is_open() && !Resolved.is_terminal());
}

#[test]
fn ledger_kind_and_rating_labels() {
    let zh = ["即办件", "限时件", "特办件", "承诺件", "代办件"];
    let codes = [
        "immediate",
        "time_limited",
        "special",
        "promised",
        "on_behalf",
    ];
    for (i, k) in LedgerKind::ALL.into_iter().enumerate() {
        assert_eq!(
            (k.as_str(), k.label(Locale::ZhCn).as_str()),
            (codes[i], zh[i])
        );
    }
    assert_eq!(LedgerKind::TimeLimited.label(Locale::En), "Time-limited");
    let zh = ["满意", "基本满意", "不满意"];
    let codes = ["satisfied", "basically_satisfied", "dissatisfied"];
    for (i, r) in Rating::ALL.into_iter().enumerate() {
        assert_eq!(
            (r.as_str(), r.label(Locale::ZhCn).as_str()),
            (codes[i], zh[i])
        );
    }
    assert_eq!(
        Rating::BasicallySatisfied.label(Locale::En),
        "Basically satisfied"
    );
}

/// Codes and both locales' labels parse back, and no two variants share
/// a code or a label (which would make parsing ambiguous).
fn round_trip<T: Copy + PartialEq + std::fmt::Debug>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T, Locale) -> String,
    parse: fn(&str) -> Option<T>,
) {
    let mut seen = std::collections::HashSet::new();
    for &v in all {
        for text in [
            code(v).to_owned(),
            label(v, Locale::ZhCn),
            label(v, Locale::En),
        ] {
            assert_eq!(parse(&text), Some(v), "{text}");
        }
        assert_eq!(parse(&format!("  {}  ", code(v).to_uppercase())), Some(v));
        assert_eq!(parse(&label(v, Locale::En).to_lowercase()), Some(v));
        assert_ne!(label(v, Locale::ZhCn), label(v, Locale::En));
        assert!(seen.insert(code(v).to_owned()) && seen.insert(label(v, Locale::ZhCn)));
        assert!(seen.insert(label(v, Locale::En)), "{v:?}");
    }
    assert_eq!(parse(""), None);
    assert_eq!(parse("nonsense"), None);
}

#[test]
fn parse_round_trips_every_enum_in_both_locales() {
    round_trip(
        &CaseState::ALL,
        CaseState::as_str,
        CaseState::label,
        CaseState::parse,
    );
    round_trip(
        &LedgerKind::ALL,
        LedgerKind::as_str,
        LedgerKind::label,
        LedgerKind::parse,
    );
    round_trip(&Rating::ALL, Rating::as_str, Rating::label, Rating::parse);
    round_trip(&Actor::ALL, Actor::as_str, Actor::label, Actor::parse);
}

#[test]
fn serde_names_match_as_str() {
    use serde::de::value::{Error as DeError, MapDeserializer};
    use serde::de::IntoDeserializer;
    use serde::Deserialize;
    fn de<T: for<'a> Deserialize<'a>>(s: &str) -> T {
        T::deserialize(IntoDeserializer::<DeError>::into_deserializer(s)).unwrap()
    }
    for v in CaseState::ALL {
        assert_eq!(de::<CaseState>(v.as_str()), v);
    }
    for v in LedgerKind::ALL {
        assert_eq!(de::<LedgerKind>(v.as_str()), v);
    }
    for v in Rating::ALL {
        assert_eq!(de::<Rating>(v.as_str()), v);
    }
    for v in Actor::ALL {
        assert_eq!(de::<Actor>(v.as_str()), v);
    }
    let action = |pairs: Vec<(&str, &str)>| {
        Action::deserialize(MapDeserializer::<_, DeError>::new(pairs.into_iter())).unwrap()
    };
    assert_eq!(action(vec![("type", "accept")]), Action::Accept);
    assert_eq!(action(vec![("type", "auto_close")]), Action::AutoClose);
    assert_eq!(
        action(vec![("type", "dispatch"), ("department", "城管")]),
        Action::Dispatch {
            department: "城管".into()
        }
    );
    assert_eq!(
        action(vec![("type", "not_ours"), ("reason", "供热")]),
        Action::NotOurs {
            reason: "供热".into()
        }
    );
    // The serde tag is the action name.
    for (key, _) in TABLE {
        let a = sample(key);
        if matches!(a, Action::Accept | Action::Start | Action::AutoClose) {
            assert_eq!(action(vec![("type", a.name())]), a);
        }
    }
}

#[test]
fn error_codes_and_messages() {
    let errors = [
        TransitionError::NotAllowed {
            state: Closed,
            action: "accept",
        },
        TransitionError::WrongActor {
            action: "rate",
            actor: Actor::Department,
        },
        TransitionError::EmptyText { field: "note" },
        TransitionError::TextTooLong {
            field: "reason",
            max: 500,
        },
        TransitionError::AlreadyEscalated { level: 2 },
        TransitionError::SelfDuplicate,
    ];
    let codes: Vec<_> = errors.iter().map(|e| e.code()).collect();
    assert_eq!(
        codes,
        [
            "not_allowed",
            "wrong_actor",
            "empty_text",
            "text_too_long",
            "already_escalated",
            "self_duplicate"
        ]
    );
    let zh: Vec<_> = errors.iter().map(|e| e.words(Locale::ZhCn)).collect();
    let en: Vec<_> = errors.iter().map(|e| e.words(Locale::En)).collect();
    assert_eq!(zh[0], "案件当前状态为“已结案”，不能签收。");
    assert_eq!(en[0], "Cannot accept a case that is closed.");
    assert_eq!(zh[1], "承办部门无权对此案件进行“评价”操作。");
    assert_eq!(en[1], "Department may not rate this case.");
    assert_eq!(zh[2], "请填写办结说明。");
    assert_eq!(en[3], "The reason must be at most 500 characters.");
    assert_eq!(zh[4], "案件已在社区层级，只能向更高层级升级。");
    assert!(en[4].contains("community"));
    assert_eq!(errors[5].words(Locale::ZhCn), "案件不能与自身重复。");
    for (z, e) in zh.iter().zip(&en) {
        assert!(!z.is_ascii(), "zh message is Chinese: {z}");
        assert!(e.is_ascii(), "en message is English: {e}");
    }
    // Display is for logs: English, with the stable codes.
    assert_eq!(
        errors[0].to_string(),
        "action `accept` is not allowed in state `closed`"
    );
    // Every action name has a real label.
    for (key, _) in TABLE {
        let a = sample(key);
        assert_ne!(a.label(Locale::ZhCn), "操作", "{key}");
        assert_ne!(a.label(Locale::En), "act on", "{key}");
    }
}
