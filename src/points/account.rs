//! Account names (pure): how an account is written in the journal and where it lives in Redis.

use std::fmt;

/// A points account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    /// A community's issuer (the community grid's id): points come from here.
    Issuer(i64),
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
    /// The journal name, e.g. `resident:42`.
    pub fn id(&self) -> String {
        match self {
            Account::Issuer(n) => format!("issuer:{n}"),
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
        let (kind, n) = s.split_once(':')?;
        let n: i64 = n.parse().ok()?;
        match kind {
            "issuer" => Some(Account::Issuer(n)),
            "resident" => Some(Account::Resident(n)),
            "hold" => Some(Account::Hold(n)),
            "merchant" => Some(Account::Merchant(n)),
            _ => None,
        }
    }

    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Account::Issuer(_) => "issuer",
            Account::Resident(_) => "resident",
            Account::Hold(_) => "hold",
            Account::Merchant(_) => "merchant",
            Account::Settled => "settled",
        }
    }

    /// Whether the balance may go below zero (only the creators and sinks of points).
    pub fn may_go_negative(&self) -> bool {
        matches!(self, Account::Issuer(_) | Account::Settled)
    }

    /// The Redis hash tag of the account's projection unit. A resident's spendable and held
    /// points share one tag, so a script touching both (and the resident's pending holds and
    /// daily counters) stays in one hash slot on Redis Cluster.
    pub fn tag(&self) -> String {
        match self {
            Account::Resident(n) | Account::Hold(n) => format!("r:{n}"),
            Account::Merchant(n) => format!("m:{n}"),
            Account::Issuer(n) => format!("i:{n}"),
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
            Account::Issuer(3),
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
    }
}
