//! The case state machine of the Mashang (码上生活) ledger (台账).
//!
//! A resident's snap report becomes a case that is handled in a closed loop:
//!
//! ```text
//! submitted  ─签收→ accepted ─交办→ dispatched ─→ in_progress ─办结→ resolved ─评价→ closed
//! accepted   ─→ in_progress, or ─办结→ resolved directly (kept by the grid)
//! in_progress ─交办→ dispatched (handed on mid-way)
//! resolved   ─不满意 (发回重办)→ accepted, escalated one level
//! resolved   ─not rated in time→ closed (auto-close)
//! submitted | accepted ─→ rejected | duplicate | not_ours
//! ```
//!
//! Everything here is pure: no clock, no I/O, no storage. The caller keeps an
//! append-only event log, folds it into [`CaseFacts`], asks [`decide`] whether
//! an action is allowed, and records the action together with the returned
//! [`Transition`]. Background jobs ask [`escalation_due`] and
//! [`auto_close_due`] with the caller's own (controllable) clock.
//!
//! Words: every `label` takes a [`Locale`]; the words themselves are in the
//! locale files (`ledger.*`, and `reason.<code>` for a [`TransitionError`]).
//!
//! The parts: [`states`] (where a case is, what kind it is, how it was rated),
//! [`actions`] (who acts and what they do), [`refusal`] (what an allowed step
//! returns and why one is refused), [`decide`] (the table of allowed steps) and
//! [`deadlines`] (what the clock decides).

mod actions;
mod deadlines;
mod decide;
mod refusal;
mod states;

pub use actions::{next_level_up, Action, Actor};
pub use deadlines::{auto_close_due, deadlines, escalation_due, Deadlines};
pub use decide::{decide, CaseFacts};
pub use refusal::{Transition, TransitionError};
pub use states::{CaseState, LedgerKind, Rating};

use crate::i18n::{translate, Locale};

/// Longest result note of a resolution (办结说明), in characters (not bytes:
/// the text is mostly Chinese).
pub const NOTE_MAX: usize = 2000;
/// Longest reason of a rejection, not-ours return, re-route or re-class, in characters.
pub const REASON_MAX: usize = 500;
/// Longest optional comment of a resident's rating, in characters.
pub const RATING_COMMENT_MAX: usize = 500;
/// Longest free comment on a case, in characters.
pub const COMMENT_MAX: usize = 1000;
/// Escalation level of a case that has not been escalated: it is still with
/// its level-3 grid. Level 2 is the community (社区) grid head, level 1 the
/// street (街道), the top.
pub const LEVEL_GRID: i16 = 3;
/// Escalation level of the community (社区) grid head.
pub const LEVEL_COMMUNITY: i16 = 2;
/// Escalation level of the street (街道); nothing is above it.
pub const LEVEL_STREET: i16 = 1;

/// The words of `ledger.<group>.<code>` in `locale`.
fn words(group: &str, code: &str, locale: Locale) -> String {
    translate(locale, &format!("ledger.{group}.{code}"), &[])
}

/// Shared `parse` for the small enums: accepts the stable snake_case code
/// (what is stored in the database and sent over JSON) and also either
/// language's label, so that spreadsheet imports of the paper ledger, which
/// carry the Chinese labels, parse too. Surrounding whitespace is ignored and
/// ASCII case does not matter.
fn parse_by<T: Copy>(
    s: &str,
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T, Locale) -> String,
) -> Option<T> {
    let s = s.trim();
    all.iter().copied().find(|&v| {
        code(v).eq_ignore_ascii_case(s)
            || Locale::ALL
                .iter()
                .any(|&l| label(v, l).eq_ignore_ascii_case(s))
    })
}

#[cfg(test)]
mod tests;
