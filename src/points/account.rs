//! Account names (pure): how an account is written in the journal and where it lives in Redis.

use sha2::{Digest, Sha256};
use std::fmt;

/// How many rows a community's issuer is spread over. Every award debits the issuer under a
/// row lock; with one row per community, awards in a busy community would queue on it. A
/// transfer's stripe is fixed by its id, so a retry locks the same row.
pub const ISSUER_STRIPES: u8 = 8;

/// A points account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    /// One stripe of a community's issuer (the community grid's id): points come from here.
    /// What a community has issued is the sum over its stripes.
    Issuer { community: i64, stripe: u8 },
    /// A resident's spendable points.
    Resident(i64),
    /// A resident's points set aside by pending redemptions.
    Hold(i64),
    /// What a shop has taken in points and not been paid for yet.
    Merchant(i64),
    /// What the communities have paid merchants.
    Settled,
}

impl Account {
    /// The issuer stripe of `community` that the transfer `transfer_id` draws on.
    pub fn issuer(community: i64, transfer_id: &str) -> Account {
        let digest = Sha256::digest(transfer_id.as_bytes());
        Account::Issuer {
            community,
            stripe: digest[0] % ISSUER_STRIPES,
        }
    }

    /// The journal name, e.g. `resident:42` or `issuer:3:5` (community 3, stripe 5).
    pub fn id(&self) -> String {
        match self {
            Account::Issuer { community, stripe } => format!("issuer:{community}:{stripe}"),
            Account::Resident(n) => format!("resident:{n}"),
            Account::Hold(n) => format!("hold:{n}"),
            Account::Merchant(n) => format!("merchant:{n}"),
            Account::Settled => "settled".into(),
        }
    }

    /// Parse a journal name.
    pub fn parse(s: &str) -> Option<Account> {
        if s == "settled" {
            return Some(Account::Settled);
        }
        let (kind, rest) = s.split_once(':')?;
        if kind == "issuer" {
            let (community, stripe) = rest.split_once(':')?;
            let stripe: u8 = stripe.parse().ok().filter(|s| *s < ISSUER_STRIPES)?;
            return Some(Account::Issuer {
                community: community.parse().ok()?,
                stripe,
            });
        }
        let n: i64 = rest.parse().ok()?;
        match kind {
            "resident" => Some(Account::Resident(n)),
            "hold" => Some(Account::Hold(n)),
            "merchant" => Some(Account::Merchant(n)),
            _ => None,
        }
    }

    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Account::Issuer { .. } => "issuer",
            Account::Resident(_) => "resident",
            Account::Hold(_) => "hold",
            Account::Merchant(_) => "merchant",
            Account::Settled => "settled",
        }
    }

    /// Whether the balance may go below zero (only the creators and sinks of points).
    pub fn may_go_negative(&self) -> bool {
        matches!(self, Account::Issuer { .. } | Account::Settled)
    }

    /// The Redis hash tag of the account's projection unit. A resident's spendable and held
    /// points share one tag, so a script touching both (and the resident's pending holds and
    /// daily counters) stays in one hash slot on Redis Cluster.
    pub fn tag(&self) -> String {
        match self {
            Account::Resident(n) | Account::Hold(n) => format!("r:{n}"),
            Account::Merchant(n) => format!("m:{n}"),
            Account::Issuer { community, stripe } => format!("i:{community}:{stripe}"),
            Account::Settled => "s".into(),
        }
    }

    /// The field prefix of the account inside its unit's balance hash.
    pub fn field(&self) -> &'static str {
        match self {
            Account::Hold(_) => "h",
            _ => "a",
        }
    }

    /// The accounts that share this account's projection unit.
    pub fn unit(&self) -> Vec<Account> {
        match *self {
            Account::Resident(n) | Account::Hold(n) => vec![Account::Resident(n), Account::Hold(n)],
            other => vec![other],
        }
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_units_share_a_tag() {
        for a in [
            Account::Issuer {
                community: 3,
                stripe: 5,
            },
            Account::Resident(7),
            Account::Hold(7),
            Account::Merchant(9),
            Account::Settled,
        ] {
            assert_eq!(Account::parse(&a.id()), Some(a));
        }
        assert_eq!(Account::Resident(7).tag(), Account::Hold(7).tag());
        assert_eq!(Account::parse("resident:x"), None);
        assert_eq!(Account::parse("bank:1"), None);
        assert_eq!(Account::parse("issuer:3"), None);
        assert_eq!(Account::parse(&format!("issuer:3:{ISSUER_STRIPES}")), None);
    }

    #[test]
    fn transfers_spread_over_the_issuer_stripes_and_a_retry_keeps_its_stripe() {
        let stripes: std::collections::HashSet<Account> = (0..200)
            .map(|i| Account::issuer(3, &format!("award-{i}")))
            .collect();
        assert_eq!(stripes.len(), usize::from(ISSUER_STRIPES));
        assert!(stripes
            .iter()
            .all(|a| matches!(a, Account::Issuer { community: 3, .. })));
        assert_eq!(Account::issuer(3, "award-7"), Account::issuer(3, "award-7"));
    }
}
