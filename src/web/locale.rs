//! The request's language: `?lang=`, then the `lang` cookie, then Accept-Language; zh-CN
//! when nothing says otherwise.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::future::{ready, Ready};

/// The languages the UI speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    ZhCn,
    En,
}

/// The cookie that remembers a visible language switch.
pub const COOKIE: &str = "lang";

impl Locale {
    /// The tag used in translation files and `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Parse a tag a user or a link gave.
    pub fn parse(s: &str) -> Option<Locale> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Locale::ZhCn)
        } else if s.starts_with("en") {
            Some(Locale::En)
        } else {
            None
        }
    }

    /// The best supported language in an Accept-Language header, by q-value then order.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, usize, Locale)> = None;
        for (i, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if let Some(loc) = Locale::parse(tag) {
                if q > 0.0 && best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && i < bi)) {
                    best = Some((q, i, loc));
                }
            }
        }
        best.map(|(_, _, l)| l)
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        assert_eq!(
            Locale::from_accept_language("en-US,en;q=0.9"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Locale::ZhCn)
        );
        assert_eq!(
            Locale::from_accept_language("fr, en;q=0.5, zh;q=0.7"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::from_accept_language("de-DE"), None);
        assert_eq!(
            Locale::from_accept_language("en;q=0, zh-TW"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::from_accept_language(""), None);
    }

    #[test]
    fn tags() {
        assert_eq!(Locale::parse("EN"), Some(Locale::En));
        assert_eq!(Locale::parse("zh-Hans"), Some(Locale::ZhCn));
        assert_eq!(Locale::parse("mn"), None);
    }
}
