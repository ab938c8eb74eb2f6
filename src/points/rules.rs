//! The pure rules of points: amounts, limits, idempotency and the life of a hold. The
//! database code calls these under its locks; the property test drives them against a
//! simple model.

use crate::error::{AppError, ErrorCode, Refusal};
use chrono::{DateTime, Datelike, FixedOffset, TimeZone, Utc};
use sha2::{Digest, Sha256};

/// Why a points operation was refused. Each has a stable snake_case reason code; pages show
/// `reason.<code>` in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointsError {
    /// Zero, negative or not a whole number.
    InvalidAmount,
    /// Above the largest single award or redemption.
    AmountTooLarge,
    /// More than the spendable balance.
    InsufficientPoints,
    /// The resident's daily award cap would be passed.
    DailyCapReached,
    /// The resident's daily redemption limit would be passed.
    ResidentDailyLimit,
    /// The shop's daily redemption limit would be passed.
    MerchantDailyLimit,
    /// The idempotency key was used before for a different request.
    KeyReused,
    /// The hold was already confirmed.
    HoldAlreadyCaptured,
    /// The hold was rejected or has expired.
    HoldClosed,
    /// The hold's time ran out before the cashier confirmed it.
    HoldExpired,
    /// The hold has not run out yet (expiry job).
    HoldNotDue,
    /// A cashier acting on another shop's hold.
    WrongShop,
    /// The shop does not take points.
    ShopNotAccepting,
    /// No such hold (or not the resident's).
    NoSuchHold,
    /// No such resident.
    NoSuchResident,
    /// The resident is not bound to any household yet (binding is what lets one earn and
    /// spend points).
    NotBound,
    /// No such award to reverse.
    NoSuchAward,
    /// A form named an account other than the signed-in resident's.
    NotYourAccount,
    /// A reversal larger than what is left of the award.
    ReversalTooLarge,
    /// A reason is required.
    ReasonRequired,
}

impl PointsError {
    /// The stable reason code.
    pub fn code(self) -> &'static str {
        use PointsError::*;
        match self {
            InvalidAmount => "invalid_amount",
            AmountTooLarge => "amount_too_large",
            InsufficientPoints => "insufficient_points",
            DailyCapReached => "daily_award_cap",
            ResidentDailyLimit => "resident_daily_limit",
            MerchantDailyLimit => "merchant_daily_limit",
            KeyReused => "idempotency_key_reused",
            HoldAlreadyCaptured => "hold_already_captured",
            HoldClosed => "hold_closed",
            HoldExpired => "hold_expired",
            HoldNotDue => "hold_not_due",
            WrongShop => "wrong_shop",
            ShopNotAccepting => "shop_not_accepting_points",
            NoSuchHold => "no_such_hold",
            NoSuchResident => "no_such_resident",
            NotBound => "not_bound_to_household",
            NoSuchAward => "no_such_award",
            NotYourAccount => "not_your_account",
            ReversalTooLarge => "reversal_exceeds_award",
            ReasonRequired => "reason_required",
        }
    }

    /// Every reason (the locale files must have a message for each).
    pub const ALL: [PointsError; 20] = {
        use PointsError::*;
        [
            InvalidAmount,
            AmountTooLarge,
            InsufficientPoints,
            DailyCapReached,
            ResidentDailyLimit,
            MerchantDailyLimit,
            KeyReused,
            HoldAlreadyCaptured,
            HoldClosed,
            HoldExpired,
            HoldNotDue,
            WrongShop,
            ShopNotAccepting,
            NoSuchHold,
            NoSuchResident,
            NotBound,
            NoSuchAward,
            NotYourAccount,
            ReversalTooLarge,
            ReasonRequired,
        ]
    };

    /// The general error code the reason belongs to.
    pub fn error_code(self) -> ErrorCode {
        use PointsError::*;
        match self {
            InvalidAmount | AmountTooLarge | ReasonRequired | ShopNotAccepting => {
                ErrorCode::InvalidInput
            }
            WrongShop | NotYourAccount | NotBound => ErrorCode::Forbidden,
            NoSuchHold | NoSuchResident | NoSuchAward => ErrorCode::NotFound,
            _ => ErrorCode::Conflict,
        }
    }
}

impl Refusal for PointsError {
    fn code(&self) -> &'static str {
        PointsError::code(*self)
    }

    fn error_code(&self) -> ErrorCode {
        PointsError::error_code(*self)
    }

    fn examples() -> Vec<Self> {
        PointsError::ALL.to_vec()
    }
}

/// Without a language: the code as detail; pages show `reason.<code>` (see `web::error_pages`).
impl From<PointsError> for AppError {
    fn from(e: PointsError) -> Self {
        AppError::with_detail(e.error_code(), e.code()).with_reason(e.code())
    }
}

/// Check an amount: a positive whole number no larger than `max`.
pub fn check_amount(amount: i64, max: i64) -> Result<(), PointsError> {
    if amount <= 0 {
        Err(PointsError::InvalidAmount)
    } else if amount > max {
        Err(PointsError::AmountTooLarge)
    } else {
        Ok(())
    }
}

/// Parse a typed amount ("12", " 12 "); anything else is an invalid amount.
pub fn parse_amount(s: &str) -> Result<i64, PointsError> {
    let s = s.trim();
    if s.is_empty() || s.len() > 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PointsError::InvalidAmount);
    }
    s.parse().map_err(|_| PointsError::InvalidAmount)
}

/// Check a new award against the resident's daily cap.
pub fn check_award(amount: i64, max: i64, awarded_today: i64, cap: i64) -> Result<(), PointsError> {
    check_amount(amount, max)?;
    if awarded_today + amount > cap {
        return Err(PointsError::DailyCapReached);
    }
    Ok(())
}

/// What a redemption is checked against.
#[derive(Debug, Clone, Copy)]
pub struct SpendLimits {
    pub max_spend: i64,
    pub resident_daily: i64,
    pub merchant_daily: i64,
}

/// Check a new hold: the amount, the balance and both daily limits.
pub fn check_spend(
    amount: i64,
    balance: i64,
    resident_spent_today: i64,
    merchant_taken_today: i64,
    limits: SpendLimits,
) -> Result<(), PointsError> {
    check_amount(amount, limits.max_spend)?;
    if amount > balance {
        return Err(PointsError::InsufficientPoints);
    }
    if resident_spent_today + amount > limits.resident_daily {
        return Err(PointsError::ResidentDailyLimit);
    }
    if merchant_taken_today + amount > limits.merchant_daily {
        return Err(PointsError::MerchantDailyLimit);
    }
    Ok(())
}

/// The fingerprint of a request, for idempotency: the same key must come with the same one.
pub fn request_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A retried key: the same request replays the first outcome, another one is refused.
pub fn check_replay(stored_hash: &str, hash: &str) -> Result<(), PointsError> {
    if stored_hash == hash {
        Ok(())
    } else {
        Err(PointsError::KeyReused)
    }
}

/// Where a hold is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldState {
    Pending,
    Captured,
    Rejected,
    Expired,
}

impl HoldState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            HoldState::Pending => "pending",
            HoldState::Captured => "captured",
            HoldState::Rejected => "rejected",
            HoldState::Expired => "expired",
        }
    }

    /// Parse a stored name.
    pub fn parse(s: &str) -> Option<HoldState> {
        [
            HoldState::Pending,
            HoldState::Captured,
            HoldState::Rejected,
            HoldState::Expired,
        ]
        .into_iter()
        .find(|h| h.as_str() == s)
    }
}

/// What is done to a hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldAction {
    /// The cashier of `shop` confirms: the points go to the merchant.
    Capture { shop: i64 },
    /// The cashier of `shop` rejects: the points go back.
    Reject { shop: i64 },
    /// Its time ran out: the points go back.
    Expire,
}

/// Decide a hold's next state. A cashier of another shop learns nothing about the hold.
pub fn decide_hold(
    state: HoldState,
    hold_shop: i64,
    expires_at: DateTime<Utc>,
    action: HoldAction,
    now: DateTime<Utc>,
) -> Result<HoldState, PointsError> {
    if let HoldAction::Capture { shop } | HoldAction::Reject { shop } = action {
        if shop != hold_shop {
            return Err(PointsError::WrongShop);
        }
    }
    match state {
        HoldState::Pending => {}
        HoldState::Captured => return Err(PointsError::HoldAlreadyCaptured),
        HoldState::Rejected | HoldState::Expired => return Err(PointsError::HoldClosed),
    }
    match action {
        HoldAction::Capture { .. } if now >= expires_at => Err(PointsError::HoldExpired),
        HoldAction::Capture { .. } => Ok(HoldState::Captured),
        HoldAction::Reject { .. } => Ok(HoldState::Rejected),
        HoldAction::Expire if now < expires_at => Err(PointsError::HoldNotDue),
        HoldAction::Expire => Ok(HoldState::Expired),
    }
}

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The start of `now`'s day in China time (daily caps and limits run by the local day).
pub fn day_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let local = now.with_timezone(&china()).date_naive();
    china()
        .from_local_datetime(&local.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("fixed offsets are unambiguous")
        .with_timezone(&Utc)
}

/// `YYYYMMDD` of `at` in China time (daily counter keys).
pub fn day_key(at: DateTime<Utc>) -> String {
    at.with_timezone(&china()).format("%Y%m%d").to_string()
}

/// `YYYYMM` of `at` in China time (monthly leaderboards).
pub fn month_key(at: DateTime<Utc>) -> String {
    let l = at.with_timezone(&china());
    format!("{:04}{:02}", l.year(), l.month())
}

/// The China-time month `YYYY-MM` as [start, end) in UTC; `None` if it is not a month.
pub fn month_range(month: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (y, m) = month.trim().split_once('-')?;
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    let start = chrono::NaiveDate::from_ymd_opt(y, m, 1)?;
    let end = if m == 12 {
        chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)?
    } else {
        chrono::NaiveDate::from_ymd_opt(y, m + 1, 1)?
    };
    let utc = |d: chrono::NaiveDate| {
        china()
            .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
            .single()
            .map(|t| t.with_timezone(&Utc))
    };
    Some((utc(start)?, utc(end)?))
}

/// `YYYY-MM` of `at` in China time (the month a settlement statement defaults to).
pub fn month_label(at: DateTime<Utc>) -> String {
    at.with_timezone(&china()).format("%Y-%m").to_string()
}

/// A six-digit confirmation number from a random value.
pub fn confirmation_number(random: u32) -> String {
    format!("{:06}", random % 1_000_000)
}

/// A small in-memory ledger that follows the same rules as the database code: the property
/// test checks it against plain arithmetic, so the rules cannot drift into allowing a
/// negative balance, a double capture or a replay with other content.
#[derive(Debug, Default, Clone)]
pub struct Book {
    balances: std::collections::BTreeMap<super::Account, i64>,
    transfers: std::collections::BTreeMap<String, (String, Result<(), PointsError>)>,
    holds: std::collections::BTreeMap<String, (i64, i64, i64, HoldState, DateTime<Utc>)>,
}

impl Book {
    /// A balance (0 for an account never used).
    pub fn balance(&self, a: super::Account) -> i64 {
        self.balances.get(&a).copied().unwrap_or(0)
    }

    /// The sum over all accounts (always zero).
    pub fn sum(&self) -> i64 {
        self.balances.values().sum()
    }

    /// Whether any account that must not go below zero did.
    pub fn any_negative(&self) -> bool {
        self.balances
            .iter()
            .any(|(a, b)| !a.may_go_negative() && *b < 0)
    }

    fn idempotent(
        &mut self,
        id: &str,
        hash: String,
        f: impl FnOnce(&mut Self) -> Result<(), PointsError>,
    ) -> Result<(), PointsError> {
        if let Some((stored, outcome)) = self.transfers.get(id) {
            check_replay(stored, &hash)?;
            return *outcome;
        }
        let outcome = f(self);
        // Only accepted transfers are journalled (a refused one may be retried).
        if outcome.is_ok() {
            self.transfers.insert(id.to_owned(), (hash, outcome));
        }
        outcome
    }

    fn mv(&mut self, from: super::Account, to: super::Account, amount: i64) {
        *self.balances.entry(from).or_default() -= amount;
        *self.balances.entry(to).or_default() += amount;
    }

    /// Award `amount` from `community`'s issuer to `resident`.
    pub fn award(
        &mut self,
        id: &str,
        community: i64,
        resident: i64,
        amount: i64,
        max: i64,
    ) -> Result<(), PointsError> {
        let hash = request_hash(&["award", &resident.to_string(), &amount.to_string()]);
        self.idempotent(id, hash, |b| {
            check_amount(amount, max)?;
            b.mv(
                super::Account::issuer(community, id),
                super::Account::Resident(resident),
                amount,
            );
            Ok(())
        })
    }

    /// Set `amount` aside for `shop`.
    pub fn hold(
        &mut self,
        id: &str,
        resident: i64,
        shop: i64,
        amount: i64,
        expires_at: DateTime<Utc>,
        limits: SpendLimits,
    ) -> Result<(), PointsError> {
        let hash = request_hash(&[
            "hold",
            &resident.to_string(),
            &shop.to_string(),
            &amount.to_string(),
        ]);
        self.idempotent(id, hash, |b| {
            let bal = b.balance(super::Account::Resident(resident));
            check_spend(amount, bal, 0, 0, limits)?;
            b.mv(
                super::Account::Resident(resident),
                super::Account::Hold(resident),
                amount,
            );
            b.holds.insert(
                id.to_owned(),
                (resident, shop, amount, HoldState::Pending, expires_at),
            );
            Ok(())
        })
    }

    /// Capture, reject or expire a hold.
    pub fn decide(
        &mut self,
        id: &str,
        action: HoldAction,
        now: DateTime<Utc>,
    ) -> Result<HoldState, PointsError> {
        let Some(&(resident, shop, amount, state, expires_at)) = self.holds.get(id) else {
            return Err(PointsError::NoSuchHold);
        };
        let next = decide_hold(state, shop, expires_at, action, now)?;
        let to = match next {
            HoldState::Captured => super::Account::Merchant(shop),
            _ => super::Account::Resident(resident),
        };
        self.mv(super::Account::Hold(resident), to, amount);
        self.holds
            .insert(id.to_owned(), (resident, shop, amount, next, expires_at));
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_run_from_china_midnight_to_china_midnight() {
        let (a, b) = month_range("2026-11").unwrap();
        assert_eq!(a.to_rfc3339(), "2026-10-31T16:00:00+00:00");
        assert_eq!(b.to_rfc3339(), "2026-11-30T16:00:00+00:00");
        let (_, end) = month_range("2026-12").unwrap();
        assert_eq!(end.to_rfc3339(), "2026-12-31T16:00:00+00:00");
        assert_eq!(month_range("2026-13"), None);
        assert_eq!(month_range("november"), None);
        assert_eq!(month_label(a), "2026-11");
    }
    use crate::points::Account;
    use chrono::Duration;
    use proptest::prelude::*;

    const LIMITS: SpendLimits = SpendLimits {
        max_spend: 1000,
        resident_daily: i64::MAX / 4,
        merchant_daily: i64::MAX / 4,
    };

    #[test]
    fn amounts_and_limits() {
        assert_eq!(check_amount(0, 10), Err(PointsError::InvalidAmount));
        assert_eq!(check_amount(-5, 10), Err(PointsError::InvalidAmount));
        assert_eq!(check_amount(11, 10), Err(PointsError::AmountTooLarge));
        assert_eq!(parse_amount("-3"), Err(PointsError::InvalidAmount));
        assert_eq!(parse_amount("1e9"), Err(PointsError::InvalidAmount));
        assert_eq!(
            parse_amount("99999999999999"),
            Err(PointsError::InvalidAmount)
        );
        assert_eq!(parse_amount(" 12 "), Ok(12));
        assert_eq!(
            check_award(50, 100, 160, 200),
            Err(PointsError::DailyCapReached)
        );
        assert_eq!(check_award(40, 100, 160, 200), Ok(()));
        let l = SpendLimits {
            max_spend: 100,
            resident_daily: 50,
            merchant_daily: 70,
        };
        assert_eq!(
            check_spend(30, 20, 0, 0, l),
            Err(PointsError::InsufficientPoints)
        );
        assert_eq!(
            check_spend(30, 90, 30, 0, l),
            Err(PointsError::ResidentDailyLimit)
        );
        assert_eq!(
            check_spend(30, 90, 0, 50, l),
            Err(PointsError::MerchantDailyLimit)
        );
        assert_eq!(check_spend(30, 90, 0, 0, l), Ok(()));
    }

    #[test]
    fn hold_life() {
        let t0 = Utc::now();
        let exp = t0 + Duration::minutes(10);
        use HoldAction::*;
        use HoldState::*;
        assert_eq!(
            decide_hold(Pending, 1, exp, Capture { shop: 1 }, t0),
            Ok(Captured)
        );
        assert_eq!(
            decide_hold(Pending, 1, exp, Capture { shop: 2 }, t0),
            Err(PointsError::WrongShop)
        );
        assert_eq!(
            decide_hold(Captured, 1, exp, Capture { shop: 1 }, t0),
            Err(PointsError::HoldAlreadyCaptured)
        );
        assert_eq!(
            decide_hold(Pending, 1, exp, Capture { shop: 1 }, exp),
            Err(PointsError::HoldExpired)
        );
        assert_eq!(
            decide_hold(Pending, 1, exp, Expire, t0),
            Err(PointsError::HoldNotDue)
        );
        assert_eq!(decide_hold(Pending, 1, exp, Expire, exp), Ok(Expired));
        assert_eq!(
            decide_hold(Expired, 1, exp, Reject { shop: 1 }, exp),
            Err(PointsError::HoldClosed)
        );
    }

    #[test]
    fn china_days() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-21T17:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(day_key(t), "20261122");
        assert_eq!(day_start(t).to_rfc3339(), "2026-11-21T16:00:00+00:00");
        assert_eq!(month_key(t), "202611");
    }

    #[derive(Debug, Clone)]
    enum Op {
        Award {
            key: u8,
            resident: u8,
            amount: i64,
        },
        Hold {
            key: u8,
            resident: u8,
            shop: u8,
            amount: i64,
        },
        Capture {
            hold: u8,
            shop: u8,
        },
        Reject {
            hold: u8,
            shop: u8,
        },
        Expire {
            hold: u8,
        },
        Tick {
            minutes: i64,
        },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..12, 0u8..3, -5i64..60).prop_map(|(key, resident, amount)| Op::Award {
                key,
                resident,
                amount
            }),
            (0u8..12, 0u8..3, 0u8..2, -5i64..80).prop_map(|(key, resident, shop, amount)| {
                Op::Hold {
                    key,
                    resident,
                    shop,
                    amount,
                }
            }),
            (0u8..12, 0u8..2).prop_map(|(hold, shop)| Op::Capture { hold, shop }),
            (0u8..12, 0u8..2).prop_map(|(hold, shop)| Op::Reject { hold, shop }),
            (0u8..12).prop_map(|hold| Op::Expire { hold }),
            (0i64..8).prop_map(|minutes| Op::Tick { minutes }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Award / hold / capture / reject / expire / retry in any order: the book agrees
        /// with plain arithmetic, never goes negative, sums to zero, and a retried key gives
        /// the first outcome (or is refused when its content differs).
        #[test]
        fn book_matches_the_model(ops in proptest::collection::vec(op(), 1..60)) {
            let mut book = Book::default();
            // The model: spendable, held per resident; taken per shop; holds by key.
            let mut spendable = [0i64; 3];
            let mut held = [0i64; 3];
            let mut taken = [0i64; 2];
            let mut model_holds: std::collections::HashMap<u8, (usize, usize, i64, &'static str, DateTime<Utc>)> = Default::default();
            let mut awards: std::collections::HashMap<u8, (u8, i64)> = Default::default();
            let mut now = Utc::now();
            let ttl = Duration::minutes(10);
            for op in ops {
                match op {
                    Op::Award { key, resident, amount } => {
                        let id = format!("award-{key}");
                        let r = book.award(&id, 1, resident.into(), amount, 50);
                        match awards.get(&key) {
                            Some(&(r0, a0)) if r0 == resident && a0 == amount => prop_assert_eq!(r, Ok(())),
                            Some(_) => prop_assert_eq!(r, Err(PointsError::KeyReused)),
                            None => {
                                let ok = amount > 0 && amount <= 50;
                                prop_assert_eq!(r.is_ok(), ok);
                                if ok {
                                    awards.insert(key, (resident, amount));
                                    spendable[resident as usize] += amount;
                                }
                            }
                        }
                    }
                    Op::Hold { key, resident, shop, amount } => {
                        let id = format!("hold-{key}");
                        let r = book.hold(&id, resident.into(), shop.into(), amount, now + ttl, LIMITS);
                        match model_holds.get(&key) {
                            Some(&(r0, s0, a0, _, _)) if r0 == resident as usize && s0 == shop as usize && a0 == amount => prop_assert_eq!(r, Ok(())),
                            Some(_) => prop_assert_eq!(r, Err(PointsError::KeyReused)),
                            None => {
                                let ok = amount > 0 && amount <= spendable[resident as usize];
                                prop_assert_eq!(r.is_ok(), ok, "{:?}", r);
                                if ok {
                                    spendable[resident as usize] -= amount;
                                    held[resident as usize] += amount;
                                    model_holds.insert(key, (resident as usize, shop as usize, amount, "pending", now + ttl));
                                }
                            }
                        }
                    }
                    Op::Capture { hold, shop } | Op::Reject { hold, shop } => {
                        let capture = matches!(op, Op::Capture { .. });
                        let action = if capture { HoldAction::Capture { shop: shop.into() } } else { HoldAction::Reject { shop: shop.into() } };
                        let r = book.decide(&format!("hold-{hold}"), action, now);
                        match model_holds.get_mut(&hold) {
                            None => prop_assert_eq!(r, Err(PointsError::NoSuchHold)),
                            Some(h) => {
                                let ok = h.1 == shop as usize && h.3 == "pending" && (!capture || now < h.4);
                                prop_assert_eq!(r.is_ok(), ok, "{:?}", r);
                                if ok {
                                    held[h.0] -= h.2;
                                    if capture { taken[h.1] += h.2; h.3 = "captured"; } else { spendable[h.0] += h.2; h.3 = "rejected"; }
                                }
                            }
                        }
                    }
                    Op::Expire { hold } => {
                        let r = book.decide(&format!("hold-{hold}"), HoldAction::Expire, now);
                        if let Some(h) = model_holds.get_mut(&hold) {
                            let ok = h.3 == "pending" && now >= h.4;
                            prop_assert_eq!(r.is_ok(), ok);
                            if ok { held[h.0] -= h.2; spendable[h.0] += h.2; h.3 = "expired"; }
                        }
                    }
                    Op::Tick { minutes } => now += Duration::minutes(minutes),
                }
                prop_assert_eq!(book.sum(), 0);
                prop_assert!(!book.any_negative());
                for r in 0..3 {
                    prop_assert_eq!(book.balance(Account::Resident(r as i64)), spendable[r]);
                    prop_assert_eq!(book.balance(Account::Hold(r as i64)), held[r]);
                }
                for (s, t) in taken.iter().enumerate() {
                    prop_assert_eq!(book.balance(Account::Merchant(s as i64)), *t);
                }
            }
        }
    }
}
