//! Reports filed by staff in the field: for a household or shop on its behalf (代办, with the
//! resident's consent recorded), or an informant's or worker's own find (巡查上报). Also the
//! filer's rating "on the resident's word" where the household has no bound resident.
//!
//! A filed report goes through the same intake as a resident's (category, ledger kind and
//! deadlines from the catalog, "the same problem?", the staff's mails); what differs is who
//! may file (the handler checks the role; this module checks the scope again), the limits
//! (per filer, not per address: an informant files for many doors from one phone), and what
//! is stored: who filed, as what, and the consent.

use super::handling::{self, By};
use super::intake::{self, IntakeContext, Outcome, Prepared, Submission};
use super::ledger::{Action, Actor, Rating};
use super::model::Report;
use super::submit::Submitted;
use super::{photo_store, ReportDeps, ReportError};
use crate::error::{AppError, AppResult};
use crate::grids::scope::Scope;
use crate::people::ratelimit;
use crate::people::Staff;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};

/// Longest consent contact (characters): a phone number or an email address as the resident
/// dictated it.
pub const MAX_CONTACT: usize = 64;
/// Filed reports per filer and hour: a busy round, never a script.
pub const FILED_PER_HOUR: u32 = 60;

/// How the resident agreed to a report filed on their behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    /// 在场口头同意: the resident was there and said yes.
    InPerson,
    /// 电话: by telephone.
    Phone,
    /// 书面: in writing (a signed slip).
    Written,
}

impl Consent {
    /// Every way, in the order the form offers them.
    pub const ALL: [Consent; 3] = [Consent::InPerson, Consent::Phone, Consent::Written];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Consent::InPerson => "in_person",
            Consent::Phone => "phone",
            Consent::Written => "written",
        }
    }

    /// Parse a stored name.
    pub fn parse(s: &str) -> Option<Consent> {
        Consent::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Who filed a report, carried by its [`Submission`] into intake.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Filing {
    pub staff_id: i64,
    /// `Some` for 代办 (with the resident's consent), `None` for an inspection find.
    pub consent: Option<(Consent, Option<String>)>,
    /// An inspection find without a code: the compound the filer chose (routed there).
    pub grid_id: Option<i64>,
}

impl Filing {
    /// `on_behalf` or `inspection` (as [`Report::filed_as`] reads it back).
    pub fn filed_as(&self) -> &'static str {
        if self.consent.is_some() {
            "on_behalf"
        } else {
            "inspection"
        }
    }
}

/// A consent contact is a phone number (digits with `+ - ( )` and spaces, 5 to 20 digits) or
/// an email address; empty means none was given.
pub fn check_contact(raw: &str) -> Result<Option<String>, ReportError> {
    let c = raw.trim();
    if c.is_empty() {
        return Ok(None);
    }
    let bad = ReportError::ConsentContactInvalid { max: MAX_CONTACT };
    if c.chars().count() > MAX_CONTACT {
        return Err(bad);
    }
    let digits = c.chars().filter(char::is_ascii_digit).count();
    let phone = c
        .chars()
        .all(|ch| ch.is_ascii_digit() || " +-()".contains(ch))
        && (5..=20).contains(&digits);
    if phone || intake::valid_email(c) {
        Ok(Some(c.to_owned()))
    } else {
        Err(bad)
    }
}

/// The filing form as the page received it (fields trimmed by the handler; photos not yet
/// processed).
#[derive(Debug, Default)]
pub struct FiledForm {
    pub idempotency_key: String,
    /// The door's or shop's code token (from a scan or a look-up).
    pub code: Option<String>,
    /// An inspection find (no code, no resident: no consent asked): the compound.
    pub grid_id: Option<i64>,
    pub consent: String,
    pub contact: String,
    pub category: String,
    pub description: String,
    pub address: String,
    pub confirm_new: bool,
    pub uploads: Vec<Vec<u8>>,
    pub locale: String,
}

/// File a report as `filer` (whose role the caller checked) within `scope`: a 代办 report for
/// the household or shop of `f.code` with the resident's consent, or an inspection find at a
/// code or in a compound. Similar open cases are offered first unless `confirm_new` (the
/// photos are then dropped: the filer sends them again with "file anyway").
pub async fn file(
    d: ReportDeps<'_>,
    filer: &Staff,
    scope: &Scope,
    f: FiledForm,
) -> AppResult<Result<Submitted, ReportError>> {
    let mut conn = d.db.get().await?;
    if let Some(existing) = Report::by_idempotency_key(&mut conn, &f.idempotency_key).await? {
        return Ok(Ok(Submitted::Tracking(Box::new(existing))));
    }
    // Where: a code in scope, or (an inspection find) a compound in scope.
    let target = match f.code.as_deref().map(crate::codes::token::normalize) {
        Some(Some(t)) => match crate::codes::Code::scan(&mut conn, &t).await? {
            Some(target) => Some(target),
            None => return Ok(Err(ReportError::UnknownCode)),
        },
        Some(None) => return Ok(Err(ReportError::UnknownCode)),
        None => None,
    };
    let grid_id = match (&target, f.grid_id) {
        (Some(t), _) => {
            if !scope.contains_path(&t.grid_path) {
                return Ok(Err(ReportError::OutOfScope));
            }
            None
        }
        (None, Some(g)) => {
            let grid = match crate::grids::Grid::find(&mut conn, g).await {
                Ok(grid) => grid,
                Err(_) => return Ok(Err(ReportError::UnknownGrid)),
            };
            if grid.level != 3 {
                return Ok(Err(ReportError::UnknownGrid));
            }
            if !scope.contains_path(&grid.path) {
                return Ok(Err(ReportError::OutOfScope));
            }
            Some(g)
        }
        (None, None) => return Ok(Err(ReportError::UnknownCode)),
    };
    // At a door or shop it is 代办 and needs the resident's consent; without a code it is the
    // filer's own find.
    let consent = if target.is_none() {
        None
    } else {
        let Some(how) = Consent::parse(&f.consent) else {
            return Ok(Err(ReportError::ConsentMissing));
        };
        match check_contact(&f.contact) {
            Ok(contact) => Some((how, contact)),
            Err(e) => return Ok(Err(e)),
        }
    };
    let present = |s: String| Some(s).filter(|s| !s.is_empty());
    let mut s = Submission {
        idempotency_key: f.idempotency_key,
        code_token: target.as_ref().map(|t| t.token.clone()),
        category: present(f.category),
        description: f.description,
        point: None,
        address: present(f.address),
        // The filer gets the case's mails (without the resident's rating key).
        email: filer.email.clone().filter(|e| intake::valid_email(e)),
        locale: f.locale.clone(),
        photos: vec![],
        confirm_new: f.confirm_new,
        resident_id: None,
        answers: vec![],
        via: None,
        filed: Some(Filing {
            staff_id: filer.id,
            consent,
            grid_id,
        }),
    };
    if let Err(e) = intake::validate(&s, d.catalog) {
        return Ok(Err(e));
    }
    let within = ratelimit::hit(
        d.redis,
        &format!("report:filer:{}", filer.id),
        FILED_PER_HOUR,
        3600,
    )
    .await?;
    if !within {
        return Ok(Err(ReportError::RateLimited));
    }
    let uploads = f.uploads.into_iter().filter(|p| !p.is_empty()).collect();
    s.photos =
        match photo_store::store(d.storage, d.photos, &d.settings.reports, uploads, "reports")
            .await?
        {
            Ok(stored) => stored,
            Err(e) => return Ok(Err(e)),
        };
    let photos = s.photos.clone();
    let done = run(d, &mut conn, s).await?;
    match &done {
        Ok(Submitted::Tracking(_)) => {}
        _ => photo_store::discard_all(d.storage, &photos).await,
    }
    Ok(done)
}

async fn run(
    d: ReportDeps<'_>,
    conn: &mut AsyncPgConnection,
    s: Submission,
) -> AppResult<Result<Submitted, ReportError>> {
    let locator = d.locator.current(conn).await?;
    let ctx = IntakeContext {
        catalog: d.catalog,
        locator: &locator,
        fallback_grid: 0,
        links: super::Links::of(d.settings),
        similar_radius_m: d.settings.reports.similar_radius_m,
    };
    Ok(
        match intake::prepare(conn, &ctx, s, chrono::Utc::now()).await? {
            Ok(Prepared::Ready(ready)) => match intake::store(conn, &ctx, *ready).await? {
                Outcome::Created(r) | Outcome::Existing(r) => Ok(Submitted::Tracking(Box::new(r))),
                Outcome::Similar(found) => Ok(Submitted::Similar(found)),
            },
            Ok(Prepared::Done(outcome)) => match *outcome {
                Outcome::Created(r) | Outcome::Existing(r) => Ok(Submitted::Tracking(Box::new(r))),
                Outcome::Similar(found) => Ok(Submitted::Similar(found)),
            },
            Err(e) => Err(e),
        },
    )
}

/// Record how the resident agreed to a 代办 report (in the intake transaction).
pub async fn record_consent(
    conn: &mut AsyncPgConnection,
    report_id: i64,
    how: Consent,
    contact: Option<&str>,
) -> AppResult<()> {
    use crate::db::schema::report_consents;
    diesel::insert_into(report_consents::table)
        .values((
            report_consents::report_id.eq(report_id),
            report_consents::how.eq(how.as_str()),
            report_consents::contact.eq(contact),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// How the resident agreed to a 代办 report, and the contact they gave (if any).
pub async fn consent_of(
    conn: &mut AsyncPgConnection,
    report_id: i64,
) -> AppResult<Option<(Consent, Option<String>)>> {
    use crate::db::schema::report_consents;
    let row: Option<(String, Option<String>)> = report_consents::table
        .find(report_id)
        .select((report_consents::how, report_consents::contact))
        .first(conn)
        .await
        .optional()?;
    Ok(row.and_then(|(how, contact)| Consent::parse(&how).map(|c| (c, contact))))
}

/// Whether the household a 代办 report was filed for has a bound resident (who then follows
/// and rates it themselves). A shop has none.
pub async fn household_has_residents(
    conn: &mut AsyncPgConnection,
    report: &Report,
) -> AppResult<bool> {
    use crate::db::schema::{codes, household_members};
    let Some(code_id) = report.code_id else {
        return Ok(false);
    };
    Ok(diesel::select(diesel::dsl::exists(
        household_members::table
            .inner_join(
                codes::table.on(codes::household_id.eq(household_members::household_id.nullable())),
            )
            .filter(codes::id.eq(code_id)),
    ))
    .get_result(conn)
    .await?)
}

/// The codes (active or not) of the households a resident is bound to: a 代办 report made at
/// one of them is theirs to rate.
pub async fn household_codes_of(
    conn: &mut AsyncPgConnection,
    resident_id: i64,
) -> AppResult<Vec<i64>> {
    use crate::db::schema::{codes, household_members};
    Ok(codes::table
        .inner_join(
            household_members::table.on(household_members::household_id
                .nullable()
                .eq(codes::household_id)),
        )
        .filter(household_members::resident_id.eq(resident_id))
        .select(codes::id)
        .load(conn)
        .await?)
}

/// Whether `filer` may rate `report` on the resident's word now: they filed it, and it was an
/// inspection find (their rating verifies the result, 核实) or a 代办 report for a household
/// without a bound resident (or a shop).
pub async fn may_rate_for_resident(
    conn: &mut AsyncPgConnection,
    report: &Report,
    filer_id: i64,
) -> AppResult<Result<(), ReportError>> {
    if report.filed_by != Some(filer_id) {
        return Ok(Err(ReportError::NotTheReporter));
    }
    if report.filed_as() == Some("on_behalf") && household_has_residents(conn, report).await? {
        return Ok(Err(ReportError::ResidentsRateThemselves));
    }
    Ok(Ok(()))
}

/// The filer rates a resolved case they filed, on the resident's word (代评) or, for an
/// inspection find, as its verification; recorded as such on the rating step.
pub async fn rate_for_resident(
    d: ReportDeps<'_>,
    report_id: i64,
    filer: &Staff,
    rating: &str,
    comment: &str,
) -> AppResult<Result<Report, ReportError>> {
    let mut conn = d.db.get().await?;
    let report = Report::find(&mut conn, report_id).await?;
    if let Err(e) = may_rate_for_resident(&mut conn, &report, filer.id).await? {
        return Ok(Err(e));
    }
    let rating = Rating::parse(rating).ok_or_else(|| AppError::invalid("rating"))?;
    let comment = Some(comment.trim().to_owned()).filter(|c| !c.is_empty());
    let by = By {
        actor: Actor::Reporter,
        staff_id: Some(filer.id),
    };
    handling::act(
        &mut conn,
        d.catalog,
        super::Links::of(d.settings),
        report.id,
        by,
        Action::Rate { rating, comment },
        &[],
        chrono::Utc::now(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_names_round_trip() {
        for c in Consent::ALL {
            assert_eq!(Consent::parse(c.as_str()), Some(c));
        }
        assert_eq!(Consent::parse(""), None);
        assert_eq!(Consent::parse("implied"), None);
    }

    #[test]
    fn contacts_are_phones_or_emails_within_bounds() {
        assert_eq!(check_contact("  "), Ok(None));
        assert_eq!(
            check_contact(" 138-0477-1234 ").unwrap().as_deref(),
            Some("138-0477-1234")
        );
        assert!(check_contact("+86 (477) 812 3456").unwrap().is_some());
        assert!(check_contact("li@example.cn").unwrap().is_some());
        let bad = Err(ReportError::ConsentContactInvalid { max: MAX_CONTACT });
        assert_eq!(check_contact("1234"), bad);
        assert_eq!(check_contact("找王阿姨"), bad);
        assert_eq!(check_contact(&"1".repeat(MAX_CONTACT + 1)), bad);
        assert_eq!(check_contact("138\u{0}0477"), bad);
    }

    #[test]
    fn filed_as_follows_consent() {
        let mut f = Filing {
            staff_id: 1,
            consent: Some((Consent::Phone, None)),
            grid_id: None,
        };
        assert_eq!(f.filed_as(), "on_behalf");
        f.consent = None;
        assert_eq!(f.filed_as(), "inspection");
    }
}
