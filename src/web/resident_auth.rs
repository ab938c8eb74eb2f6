//! Residents' authentication as extractors: `CurrentResident` (required: pages redirect to
//! sign-in) and `MaybeResident` (pages that work for everyone and add to what a signed-in
//! resident sees).

use crate::error::{AppError, AppResult, ErrorCode};
use crate::people::residents::Resident;
use crate::people::sessions::{self, Kind, SessionData};
use crate::web::state::AppState;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

/// The resident session cookie.
pub const COOKIE: &str = "mashang_resident";

/// A signed-in resident.
pub struct CurrentResident {
    pub resident: Resident,
    pub session: SessionData,
    pub session_id: String,
}

impl CurrentResident {
    /// Check a form's CSRF token against the session's.
    pub fn check_csrf(&self, submitted: &str) -> AppResult<()> {
        if sessions::constant_time_eq(submitted, &self.session.csrf) {
            Ok(())
        } else {
            Err(AppError::new(ErrorCode::CsrfRejected))
        }
    }
}

async fn load(
    state: Option<web::Data<AppState>>,
    sid: Option<String>,
) -> AppResult<Option<CurrentResident>> {
    let (Some(state), Some(sid)) = (state, sid) else {
        return Ok(None);
    };
    let Some(session) = sessions::load(
        &state.redis,
        Kind::Resident,
        &sid,
        state.settings.session.ttl_seconds,
    )
    .await?
    else {
        return Ok(None);
    };
    let mut conn = state.conn().await?;
    Ok(Resident::find(&mut conn, session.subject_id)
        .await?
        .filter(|r| {
            session.is_current(
                r.sessions_valid_after,
                state.settings.session.absolute_lifetime_seconds,
                chrono::Utc::now(),
            )
        })
        .map(|resident| CurrentResident {
            resident,
            session,
            session_id: sid,
        }))
}

impl FromRequest for CurrentResident {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let sid = req
            .cookie(crate::web::security_headers::cookie_name(
                COOKIE,
                crate::web::security_headers::secure(req),
            ))
            .map(|c| c.value().to_owned());
        Box::pin(async move {
            load(state, sid)
                .await?
                .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))
        })
    }
}

/// A resident if one is signed in.
pub struct MaybeResident(pub Option<CurrentResident>);

impl FromRequest for MaybeResident {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let sid = req
            .cookie(crate::web::security_headers::cookie_name(
                COOKIE,
                crate::web::security_headers::secure(req),
            ))
            .map(|c| c.value().to_owned());
        Box::pin(async move { Ok(MaybeResident(load(state, sid).await?)) })
    }
}

/// The signed-in resident and a form whose `csrf` field matches their session's token.
pub struct ResidentForm<T> {
    pub me: CurrentResident,
    pub form: T,
}

impl<T: serde::de::DeserializeOwned + crate::web::auth::CsrfToken + 'static> FromRequest
    for ResidentForm<T>
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let me = CurrentResident::from_request(req, payload);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let me = me.await?;
            let form: T = crate::web::auth::parse_form(&body.await?)?;
            me.check_csrf(form.csrf())?;
            Ok(ResidentForm { me, form })
        })
    }
}
