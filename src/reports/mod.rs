//! Snap-reports (随手拍) and the case ledger: categories, photos, routing, intake, handling
//! through the state machine, notifications, and the background jobs' work.

pub mod answers;
pub mod categories;
pub mod filing;
pub mod handling;
pub mod intake;
pub mod ledger;
pub mod model;
pub mod notify_staff;
pub mod photo_store;
pub mod photos;
pub mod routing;
pub mod row_change;
pub mod steps;
pub mod submit;

pub use model::Report;

use crate::error::{ErrorCode, Refusal};
use crate::i18n::Message;

/// What the reports operations use, borrowed from the application's state by the caller (the
/// domain never sees the web layer's state).
#[derive(Clone, Copy)]
pub struct ReportDeps<'a> {
    pub db: &'a crate::db::DbPool,
    pub redis: &'a crate::redis_store::RedisStore,
    pub storage: &'a crate::storage::Storage,
    /// Photo checks and decoding within the process-wide memory allowance.
    pub photos: &'a photos::PhotoIntake,
    pub catalog: &'a categories::Catalog,
    pub locator: &'a routing::GridLocator,
    pub settings: &'a crate::config::Settings,
}

/// Why a submission or a step was refused: a stable code, and words for people in the
/// locale files (`reason.<code>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportError {
    DescriptionMissing,
    DescriptionTooLong {
        max: usize,
    },
    UnknownCategory,
    BadEmail,
    AddressTooLong {
        max: usize,
    },
    BadCoordinates,
    OutsideDistrict,
    UnknownCode,
    BadIdempotencyKey,
    IdempotencyConflict,
    TooManyPhotos {
        max: usize,
    },
    Photo(photos::PhotoError),
    Transition(ledger::TransitionError),
    UnknownDepartment,
    UnknownGrid,
    NoSuchCase,
    /// Too many accepted reports from this address or for this code in the last hour.
    RateLimited,
    /// A rating from someone who is neither the reporter's key nor the signed-in reporter.
    NotTheReporter,
    /// Staff filing for a door, shop or compound outside their grids.
    OutOfScope,
    /// A report filed on a resident's behalf without saying how they agreed.
    ConsentMissing,
    /// The contact the resident agreed to is neither a phone number nor an email address,
    /// or too long.
    ConsentContactInvalid {
        max: usize,
    },
    /// The filer may not rate a 代办 case for a household whose bound residents rate it.
    ResidentsRateThemselves,
}

impl ReportError {
    /// Stable snake_case code (JSON `reason`).
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::DescriptionMissing => "description_missing",
            ReportError::DescriptionTooLong { .. } => "description_too_long",
            ReportError::UnknownCategory => "unknown_category",
            ReportError::BadEmail => "bad_email",
            ReportError::AddressTooLong { .. } => "address_too_long",
            ReportError::BadCoordinates => "bad_coordinates",
            ReportError::OutsideDistrict => "outside_district",
            ReportError::UnknownCode => "unknown_code",
            ReportError::BadIdempotencyKey => "bad_idempotency_key",
            ReportError::IdempotencyConflict => "idempotency_conflict",
            ReportError::TooManyPhotos { .. } => "too_many_photos",
            ReportError::Photo(e) => e.code(),
            ReportError::Transition(e) => e.code(),
            ReportError::UnknownDepartment => "unknown_department",
            ReportError::UnknownGrid => "unknown_grid",
            ReportError::NoSuchCase => "no_such_case",
            ReportError::NotTheReporter => "not_the_reporter",
            ReportError::RateLimited => "rate_limited",
            ReportError::OutOfScope => "filing_out_of_scope",
            ReportError::ConsentMissing => "consent_missing",
            ReportError::ConsentContactInvalid { .. } => "consent_contact_invalid",
            ReportError::ResidentsRateThemselves => "residents_rate_themselves",
        }
    }

    /// The form field the refusal is about (its message is shown beside it); `None` for the
    /// form as a whole.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ReportError::DescriptionMissing | ReportError::DescriptionTooLong { .. } => {
                Some("description")
            }
            ReportError::UnknownCategory => Some("category"),
            ReportError::BadEmail => Some("email"),
            ReportError::AddressTooLong { .. }
            | ReportError::BadCoordinates
            | ReportError::OutsideDistrict => Some("where"),
            ReportError::TooManyPhotos { .. } | ReportError::Photo(_) => Some("photos"),
            ReportError::ConsentMissing => Some("consent"),
            ReportError::ConsentContactInvalid { .. } => Some("contact"),
            _ => None,
        }
    }
}

impl Refusal for ReportError {
    fn code(&self) -> &'static str {
        ReportError::code(self)
    }

    /// The HTTP class from the kind of problem; a photo's or a step's own refusal keeps
    /// its class.
    fn error_code(&self) -> ErrorCode {
        match self {
            ReportError::IdempotencyConflict => ErrorCode::Conflict,
            ReportError::Photo(e) => e.error_code(),
            ReportError::Transition(e) => e.error_code(),
            ReportError::NoSuchCase => ErrorCode::NotFound,
            ReportError::RateLimited => ErrorCode::RateLimited,
            ReportError::NotTheReporter
            | ReportError::OutOfScope
            | ReportError::ResidentsRateThemselves => ErrorCode::Forbidden,
            _ => ErrorCode::InvalidInput,
        }
    }

    /// `reason.<code>`, with the limit where there is one.
    fn message(&self) -> Message {
        let m = Message::new(format!("reason.{}", self.code()));
        match self {
            ReportError::DescriptionTooLong { max }
            | ReportError::AddressTooLong { max }
            | ReportError::TooManyPhotos { max }
            | ReportError::ConsentContactInvalid { max } => m.text("max", max),
            ReportError::Photo(e) => e.message(),
            ReportError::Transition(e) => e.message(),
            _ => m,
        }
    }

    fn examples() -> Vec<Self> {
        use ReportError::*;
        let mut all = vec![
            DescriptionMissing,
            DescriptionTooLong { max: 1000 },
            UnknownCategory,
            BadEmail,
            AddressTooLong { max: 200 },
            BadCoordinates,
            OutsideDistrict,
            UnknownCode,
            BadIdempotencyKey,
            IdempotencyConflict,
            TooManyPhotos { max: 6 },
            UnknownDepartment,
            UnknownGrid,
            NoSuchCase,
            RateLimited,
            NotTheReporter,
            OutOfScope,
            ConsentMissing,
            ConsentContactInvalid { max: 64 },
            ResidentsRateThemselves,
        ];
        all.extend(photos::PhotoError::examples().into_iter().map(Photo));
        all.extend(
            ledger::TransitionError::examples()
                .into_iter()
                .map(Transition),
        );
        all
    }
}

/// What mails and redirects need to build links: the public base URL, and the key that
/// signs the reporter's link.
#[derive(Debug, Clone, Copy)]
pub struct Links<'a> {
    pub base: &'a str,
    pub secret_key: &'a str,
}

impl<'a> Links<'a> {
    /// From the configuration.
    pub fn of(settings: &'a crate::config::Settings) -> Links<'a> {
        Links {
            base: settings.public_base(),
            secret_key: &settings.security.secret_key,
        }
    }

    /// A case's public tracking link (read and follow).
    pub fn tracking(&self, public_id: &str) -> String {
        format!("{}/r/{public_id}", self.base)
    }

    /// The reporter's tracking link: also rates.
    pub fn reporter_tracking(&self, public_id: &str) -> String {
        let key = crate::signed::sign(
            self.secret_key,
            crate::signed::Purpose::RateCase,
            &[public_id],
        );
        format!("{}/r/{public_id}?k={key}", self.base)
    }
}

/// The reporter's key of a case: whoever holds it may rate the case (see [`crate::signed`]).
/// Given to the submitter only (the form's redirect, the API's answer, the resolution mail);
/// the public tracking id alone grants following and reading, never rating.
pub fn reporter_key(settings: &crate::config::Settings, public_id: &str) -> String {
    crate::signed::sign(
        Links::of(settings).secret_key,
        crate::signed::Purpose::RateCase,
        &[public_id],
    )
}

/// Who is asking to rate a case: the key from the reporter's link, and/or the signed-in
/// resident.
#[derive(Debug, Clone, Default)]
pub struct RaterProof {
    pub key: Option<String>,
    pub resident_id: Option<i64>,
    /// The codes of the signed-in resident's households ([`filing::household_codes_of`]): a
    /// report filed on their household's behalf (代办) is theirs to rate.
    pub household_codes: Vec<i64>,
}

impl RaterProof {
    /// Whether this is the reporter of `report` (pure: the decision the rating step makes).
    pub fn is_reporter(&self, settings: &crate::config::Settings, report: &Report) -> bool {
        let signed_in = report.resident_id.is_some() && report.resident_id == self.resident_id;
        let keyed = self.key.as_deref().is_some_and(|k| {
            crate::signed::verify(
                &settings.security.secret_key,
                crate::signed::Purpose::RateCase,
                &[&report.public_id],
                k,
            )
        });
        let their_household = report.filed_as() == Some("on_behalf")
            && report
                .code_id
                .is_some_and(|c| self.household_codes.contains(&c));
        signed_in || keyed || their_household
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;
    use crate::i18n::Locale;

    #[test]
    fn codes_and_messages() {
        let e = ReportError::DescriptionTooLong { max: 1000 };
        assert_eq!(e.code(), "description_too_long");
        assert!(e.words(Locale::ZhCn).contains("1000"));
        assert!(e.words(Locale::En).contains("1000"));
        assert_eq!(
            AppError::refused(&ReportError::OutsideDistrict, Locale::En).code,
            crate::error::ErrorCode::InvalidInput
        );
        assert_eq!(
            AppError::refused(&ReportError::IdempotencyConflict, Locale::En).code,
            crate::error::ErrorCode::Conflict
        );
    }
}
