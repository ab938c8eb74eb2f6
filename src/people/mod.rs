//! People: staff accounts, roles and what they allow, passwords, sessions, rate limits.

pub mod otp;
pub mod password;
pub mod ratelimit;
pub mod resident_search;
pub mod residents;
pub mod roles;
pub mod sessions;
pub mod staff;

pub use roles::{Permission, Role};
pub use staff::Staff;
