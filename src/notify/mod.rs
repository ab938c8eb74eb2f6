//! Email: templates from `assets/email/`, an outbox in PostgreSQL, SMTP with lettre.
//!
//! Mail is never sent inline. Whatever causes a mail (a new case, an escalation, a
//! resolution) enqueues it in the same transaction as the change, with a dedupe key, and
//! the mail job sends what is due, retrying with backoff. A mail server that is down delays
//! mail and loses none; several app instances never send the same mail twice (rows are
//! claimed with `FOR UPDATE SKIP LOCKED`). The one exception is a sign-in code
//! ([`direct`]): sent at once and never stored.

pub mod direct;
pub mod mailer;
pub mod outbox;
pub mod templates;

pub use mailer::Mailer;
pub use templates::MailTemplates;
