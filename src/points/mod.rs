//! Volunteer points: a double-entry journal in PostgreSQL (the record), a live projection in
//! Redis (balances, pending holds, daily counters, leaderboards), redemption holds at the
//! merchant's counter, and the audit that checks both agree.
//!
//! Accounts (see [`account::Account`]): `issuer:<community grid id>:<stripe>` creates points
//! (it is the only kind that goes below zero; each community's issuer is spread over
//! [`account::ISSUER_STRIPES`] rows, a transfer's stripe fixed by its id, so no row is hot),
//! `resident:<id>`, `hold:<resident id>` (points a resident has set aside for a redemption
//! that the cashier has not confirmed yet), `merchant:<shop id>` and `settled` (what the
//! community has paid merchants). Holds are modelled as an account of their own rather than
//! a state of a transfer, so "no resident below zero, holds included" and "the sum over all
//! accounts is zero" are plain sums over balances.
//!
//! Every movement is a [`ledger::Transfer`] whose id is the client's idempotency key.

pub mod account;
pub mod audit;
pub mod award;
pub mod board;
pub mod earn;
pub mod history;
pub mod holds;
pub mod jobs;
pub mod ledger;
pub mod ops;
pub mod projection;
pub mod relay;
pub mod rules;
pub mod settlement;

pub use account::Account;
pub use holds::expire_holds;
pub use rules::PointsError;
