//! Staff authentication and CSRF protection, as extractors.
//!
//! `CurrentStaff` loads the session (Redis), the account and its grid scope (PostgreSQL) on
//! every staff request, so a disabled account or a changed scope takes effect at once.
//! `StaffForm<T>` is what every state-changing console form goes through: the signed-in
//! account plus the form, with the form's `csrf` field checked against the session's token.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::grids::scope::Scope;
use crate::grids::Grid;
use crate::people::sessions::{self, SessionData};
use crate::people::{Permission, Staff};
use crate::web::state::AppState;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

/// The staff session cookie.
pub const SESSION_COOKIE: &str = "mashang_staff";
/// The pre-session CSRF cookie of the sign-in form.
pub const LOGIN_CSRF_COOKIE: &str = "mashang_login_csrf";

/// A signed-in staff member, with their scope.
pub struct CurrentStaff {
    pub staff: Staff,
    pub scope: Scope,
    pub session: SessionData,
    pub session_id: String,
}

impl CurrentStaff {
    /// Refuse unless the role allows `p`.
    pub fn require(&self, p: Permission) -> AppResult<()> {
        if self.staff.can(p) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    /// Refuse unless the grid is in scope.
    pub fn require_grid(&self, grid: &Grid) -> AppResult<()> {
        self.require_path(&grid.path)
    }

    /// Refuse unless the grid at `path` is in scope.
    pub fn require_path(&self, path: &str) -> AppResult<()> {
        if self.scope.contains_path(path) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    /// Check a submitted CSRF token against the session's.
    pub fn check_csrf(&self, submitted: &str) -> AppResult<()> {
        if constant_time_eq(submitted, &self.session.csrf) {
            Ok(())
        } else {
            Err(AppError::new(ErrorCode::CsrfRejected))
        }
    }
}

pub use crate::people::sessions::constant_time_eq;

async fn load(state: web::Data<AppState>, sid: Option<String>) -> AppResult<CurrentStaff> {
    let sid = sid.ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
    let session = sessions::load(
        &state.redis,
        sessions::Kind::Staff,
        &sid,
        state.settings.session.ttl_seconds,
    )
    .await?
    .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
    let mut conn = state.conn().await?;
    let staff = Staff::find_active(&mut conn, session.subject_id)
        .await?
        .filter(|s| {
            session.is_current(
                s.sessions_valid_after,
                state.settings.session.absolute_lifetime_seconds,
                chrono::Utc::now(),
            )
        })
        .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
    let scope = staff.scope(&mut conn).await?;
    Ok(CurrentStaff {
        staff,
        scope,
        session,
        session_id: sid,
    })
}

impl FromRequest for CurrentStaff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let sid = req
            .cookie(crate::web::security_headers::cookie_name(
                SESSION_COOKIE,
                crate::web::security_headers::secure(req),
            ))
            .map(|c| c.value().to_owned());
        // JSON API calls that change state carry the token in a header instead of a form.
        let api_write = req.path().starts_with("/api/") && !req.method().is_safe();
        let header_token = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal(anyhow::anyhow!("no app state")))?;
            let current = load(state, sid).await?;
            if api_write {
                current.check_csrf(header_token.as_deref().unwrap_or(""))?;
            }
            Ok(current)
        })
    }
}

/// A form that carries a CSRF token.
pub trait CsrfToken {
    /// The submitted token.
    fn csrf(&self) -> &str;
}

/// Implement [`CsrfToken`] for form structs with a `csrf: String` field.
#[macro_export]
macro_rules! csrf_form {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::web::auth::CsrfToken for $t {
            fn csrf(&self) -> &str { &self.csrf }
        }
    )*};
}

/// The signed-in staff member and a CSRF-checked form.
pub struct StaffForm<T> {
    pub staff: CurrentStaff,
    pub form: T,
}

impl<T: DeserializeOwned + CsrfToken + 'static> FromRequest for StaffForm<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = CurrentStaff::from_request(req, payload);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let staff = staff.await?;
            let form: T = parse_form(&body.await?)?;
            staff.check_csrf(form.csrf())?;
            Ok(StaffForm { staff, form })
        })
    }
}

/// Parse an urlencoded form body; repeated keys fill `Vec` fields (grid checkboxes).
/// Every field is bounded first (`web::input`).
pub fn parse_form<T: DeserializeOwned>(body: &[u8]) -> AppResult<T> {
    super::input::check_urlencoded(body)?;
    serde_html_form::from_bytes(body)
        .map_err(|e| AppError::with_detail(ErrorCode::BadRequest, format!("form: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_compare() {
        assert!(super::constant_time_eq("abc", "abc"));
        assert!(!super::constant_time_eq("abc", "abd"));
        assert!(!super::constant_time_eq("", ""));
        assert!(!super::constant_time_eq("ab", "abc"));
    }
}
