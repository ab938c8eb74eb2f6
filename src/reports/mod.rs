//! Snap-reports (随手拍) and the case ledger: categories, photos, routing, intake, handling
//! through the state machine, notifications, and the background jobs' work.

pub mod answers;
pub mod categories;
pub mod handling;
pub mod intake;
pub mod ledger;
pub mod model;
pub mod notify_staff;
pub mod photo_store;
pub mod photos;
pub mod routing;
pub mod steps;
pub mod submit;

pub use model::Report;

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

/// Why a submission or a step was refused: a stable code and a message for people.
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
            _ => None,
        }
    }

    /// A message in the user's language (zh-CN unless `locale` starts with "en").
    pub fn message(&self, locale: &str) -> String {
        let en = locale.to_ascii_lowercase().starts_with("en");
        let pick = |zh: &str, e: &str| if en { e.to_owned() } else { zh.to_owned() };
        match self {
            ReportError::DescriptionMissing => pick(
                "请写几句话说明问题。",
                "Please describe the problem in a few words.",
            ),
            ReportError::DescriptionTooLong { max } => {
                if en {
                    format!("The description may be at most {max} characters.")
                } else {
                    format!("问题描述最多 {max} 个字。")
                }
            }
            ReportError::UnknownCategory => pick(
                "没有这个问题类别，请重新选择。",
                "Unknown category; please choose again.",
            ),
            ReportError::BadEmail => {
                pick("邮箱地址格式不正确。", "The email address is not valid.")
            }
            ReportError::AddressTooLong { max } => {
                if en {
                    format!("The address may be at most {max} characters.")
                } else {
                    format!("地址最多 {max} 个字。")
                }
            }
            ReportError::BadCoordinates => {
                pick("位置坐标无效。", "The location coordinates are not valid.")
            }
            ReportError::OutsideDistrict => pick(
                "这个位置不在本辖区内，请确认位置或手动填写地址。",
                "This location is outside the district; check it or type the address.",
            ),
            ReportError::UnknownCode => pick(
                "这个二维码无效或已停用。",
                "This QR code is unknown or no longer valid.",
            ),
            ReportError::BadIdempotencyKey => pick(
                "表单已过期，请刷新后重新提交。",
                "The form has expired; reload it and submit again.",
            ),
            ReportError::IdempotencyConflict => pick(
                "这个表单已经提交过其他内容，请刷新后重新填写。",
                "This form was already used for another report; reload it.",
            ),
            ReportError::TooManyPhotos { max } => {
                if en {
                    format!("At most {max} photos per report.")
                } else {
                    format!("每次最多上传 {max} 张照片。")
                }
            }
            ReportError::Photo(e) => e.message(locale),
            ReportError::Transition(e) => e.message(locale),
            ReportError::UnknownDepartment => pick("没有这个部门。", "Unknown department."),
            ReportError::UnknownGrid => pick("没有这个网格。", "Unknown grid."),
            ReportError::NoSuchCase => pick("没有这个案件。", "No such case."),
            ReportError::RateLimited => pick(
                "上报过于频繁，请稍后再试。",
                "Too many reports from here; please try again later.",
            ),
            ReportError::NotTheReporter => pick(
                "只有上报人可以评价这个案件：请使用提交后或办结邮件里的评价链接，或登录上报时使用的账号。",
                "Only the person who reported this case can rate it: use the link from the \
                 confirmation or the resolution mail, or sign in with the account you reported from.",
            ),
        }
    }

    /// The error for the response: the HTTP class from the kind of problem, the reason code
    /// and the message in the user's language.
    pub fn into_app_error(self, locale: &str) -> crate::error::AppError {
        use crate::error::{AppError, ErrorCode};
        let code = match &self {
            ReportError::IdempotencyConflict => ErrorCode::Conflict,
            ReportError::Photo(photos::PhotoError::TooLarge { .. }) => ErrorCode::PayloadTooLarge,
            ReportError::Transition(ledger::TransitionError::NotAllowed { .. })
            | ReportError::Transition(ledger::TransitionError::AlreadyEscalated { .. }) => {
                ErrorCode::Conflict
            }
            ReportError::Transition(ledger::TransitionError::WrongActor { .. }) => {
                ErrorCode::Forbidden
            }
            ReportError::NoSuchCase => ErrorCode::NotFound,
            ReportError::RateLimited => ErrorCode::RateLimited,
            ReportError::NotTheReporter => ErrorCode::Forbidden,
            _ => ErrorCode::InvalidInput,
        };
        AppError::with_detail(code, self.message(locale)).with_reason(self.code())
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
        signed_in || keyed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        let e = ReportError::DescriptionTooLong { max: 1000 };
        assert_eq!(e.code(), "description_too_long");
        assert!(e.message("zh-CN").contains("1000"));
        assert!(e.message("en").contains("1000"));
        assert_eq!(
            ReportError::OutsideDistrict.into_app_error("en").code,
            crate::error::ErrorCode::InvalidInput
        );
        assert_eq!(
            ReportError::IdempotencyConflict.into_app_error("en").code,
            crate::error::ErrorCode::Conflict
        );
    }
}
