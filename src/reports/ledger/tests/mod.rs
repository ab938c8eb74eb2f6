//! The state machine's tests, by part: the full table, precedence and payload checks,
//! whole paths, time, words and codes, and a property over random action sequences.

use super::*;
use crate::error::Refusal;
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use CaseState::*;

/// The fixed clock of the time tests.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 8, 0, 0).unwrap()
}

fn facts(state: CaseState, level: i16, dispatched: bool) -> CaseFacts {
    CaseFacts {
        id: 7,
        state,
        escalation_level: level,
        dispatched_to: dispatched.then(|| "城管局".to_string()),
    }
}

/// Decides and folds, panicking if refused: for the scripted paths.
fn step(case: &mut CaseFacts, actor: Actor, action: Action) -> Transition {
    let t = decide(case, actor, &action)
        .unwrap_or_else(|e| panic!("{action:?} by {actor:?} in {:?}: {e:?}", case.state));
    case.apply(&action, &t);
    t
}

mod checks;
mod labels;
mod paths;
mod property;
mod table;
mod time;
