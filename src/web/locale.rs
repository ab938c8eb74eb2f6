//! The request's language: `?lang=`, then the `lang` cookie, then Accept-Language; zh-CN
//! when nothing says otherwise. The languages themselves are `crate::i18n::Locale`.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::future::{ready, Ready};

pub use crate::i18n::Locale;

/// The cookie that remembers a visible language switch.
pub const COOKIE: &str = "lang";

/// The cookie that remembers the bilingual sign (Mongolian beside Chinese) on the scan page.
pub const BOTH_COOKIE: &str = "both";

/// Whether the request asks for Mongolian beside Chinese: `?both=1` or the cookie, and only
/// when the page is in Mongolian (the mode is a Mongolian page with the Chinese added).
pub fn bilingual(req: &HttpRequest, locale: Locale) -> bool {
    if locale != Locale::MnMong {
        return false;
    }
    let from_query = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "both")
        .map(|(_, v)| v == "1");
    from_query.unwrap_or_else(|| req.cookie(BOTH_COOKIE).is_some_and(|c| c.value() == "1"))
}

// The one place a request's language is decided; everything after it passes the value on.
impl Locale {
    /// Resolve the request's language.
    pub fn of(req: &HttpRequest) -> Locale {
        let from_query = url::form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Locale::parse(&v));
        from_query
            .or_else(|| req.cookie(COOKIE).and_then(|c| Locale::parse(c.value())))
            .or_else(|| {
                req.headers()
                    .get(actix_web::http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Locale::from_accept_language)
            })
            .unwrap_or(Locale::ZhCn)
    }
}

impl FromRequest for Locale {
    type Error = actix_web::Error;
    type Future = Ready<Result<Locale, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Locale::of(req)))
    }
}
