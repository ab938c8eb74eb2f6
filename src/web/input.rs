//! Bounds on text that arrives from outside, applied where forms and JSON bodies are parsed
//! (`parse_form`, `parse_json`, the multipart report form): one table of field lengths, and
//! no control characters. A field over its length or with a control character is refused as
//! `invalid_input` naming the field, before anything is stored, counted or keyed in Redis.
//! (PostgreSQL refuses a NUL byte in text, so without this a NUL became a 500.)

use crate::error::{AppError, AppResult, ErrorCode};

/// Fields a person writes prose in: line breaks and tabs are allowed there.
const MULTILINE: &[&str] = &[
    "body",
    "description",
    "comment",
    "note",
    "reason",
    "text",
    "boundary",
];

/// A poll's question options, one per line (`q1_options`, `q2_options`, …).
fn is_option_list(field: &str) -> bool {
    field.ends_with("_options")
}

/// The longest value (in characters) a field may hold. Fields not listed get [`DEFAULT_MAX`].
fn max_chars(field: &str) -> usize {
    if is_option_list(field) {
        return 4_000;
    }
    match field {
        // GeoJSON of a grid's boundary; the body limit bounds it too.
        "boundary" => 500_000,
        "body" => 20_000,
        // Open311 and the report form agree on 4000.
        "description" => 4_000,
        "comment" | "note" | "reason" | "text" => 2_000,
        "next" | "back" | "media_url" => 2_048,
        "email" | "notify_email" => 254,
        "password" => 256,
        "csrf" | "idempotency_key" => 128,
        "username" | "code" | "binding_code" | "e" => 64,
        _ => DEFAULT_MAX,
    }
}

/// Length of any field not named in [`max_chars`]: titles, names, addresses, ids, choices.
pub const DEFAULT_MAX: usize = 256;

/// Check one field's value. `field` is the name the client used (for the error message);
/// indices (`choice[3]`, `attribute[kind][]`) are stripped for the table lookup.
pub fn check_field(field: &str, value: &str) -> AppResult<()> {
    let base = field.split('[').next().unwrap_or(field);
    let max = max_chars(base);
    // Bytes first: a cheap bound that holds whatever the encoding (a char is ≤ 4 bytes).
    if value.len() > max * 4 || value.chars().count() > max {
        return Err(invalid(field, &format!("longer than {max} characters"))
            .with_reason("field_too_long")
            .with_arg("max", max.to_string()));
    }
    let multiline = MULTILINE.contains(&base) || is_option_list(base);
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(invalid(
            field,
            &format!("control character U+{:04X} not allowed", c as u32),
        )
        .with_reason("field_control_character"));
    }
    Ok(())
}

fn invalid(field: &str, why: &str) -> AppError {
    // The name is the client's; clamp it so the error cannot echo a huge or odd key back.
    let name: String = field.chars().filter(|c| !c.is_control()).take(64).collect();
    AppError::with_detail(ErrorCode::InvalidInput, format!("field {name}: {why}"))
        .with_arg("field", name)
}

/// Check every field of an urlencoded body (names bounded as well as values).
pub fn check_urlencoded(body: &[u8]) -> AppResult<()> {
    for (name, value) in url::form_urlencoded::parse(body) {
        if name.len() > 128 {
            return Err(invalid(&name, "field name too long"));
        }
        check_field(&name, &value)?;
    }
    Ok(())
}

/// Check every string in a JSON document, naming a string by its nearest object key.
/// Arrays and nesting are bounded too (a deep or wide document is not a form we take).
pub fn check_json(value: &serde_json::Value) -> AppResult<()> {
    fn walk(v: &serde_json::Value, name: &str, depth: usize) -> AppResult<()> {
        if depth > 16 {
            return Err(invalid(name, "nested too deeply"));
        }
        match v {
            serde_json::Value::String(s) => check_field(name, s),
            serde_json::Value::Array(items) => {
                if items.len() > 1_000 {
                    return Err(invalid(name, "more than 1000 items"));
                }
                items.iter().try_for_each(|i| walk(i, name, depth + 1))
            }
            serde_json::Value::Object(map) => map.iter().try_for_each(|(k, v)| {
                if k.len() > 128 {
                    return Err(invalid(k, "field name too long"));
                }
                walk(v, k, depth + 1)
            }),
            _ => Ok(()),
        }
    }
    walk(value, "body", 0)
}

/// Parse a JSON body into `T` after [`check_json`]; malformed JSON is `bad_request`.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> AppResult<T> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| AppError::with_detail(ErrorCode::BadRequest, format!("json: {e}")))?;
    check_json(&value)?;
    serde_json::from_value(value)
        .map_err(|e| AppError::with_detail(ErrorCode::InvalidInput, format!("json: {e}")))
}

/// The highest page number a paged list accepts (far beyond any real list).
pub const MAX_PAGE: i64 = 100_000;

/// A `?page=` number: absent is the first page; negative or beyond [`MAX_PAGE`] is refused
/// (multiplied by a page size it would overflow into a negative OFFSET).
pub fn page(n: Option<i64>) -> AppResult<i64> {
    match n {
        None => Ok(0),
        Some(p) if (0..=MAX_PAGE).contains(&p) => Ok(p),
        Some(_) => Err(invalid("page", &format!("a page is 0 to {MAX_PAGE}"))
            .with_reason("field_out_of_range")
            .with_arg("max", MAX_PAGE.to_string())),
    }
}

/// Longest query string accepted (bytes, as sent).
pub const MAX_QUERY_BYTES: usize = 4096;

/// Middleware: every query string is bounded and its values checked like form fields, before
/// any handler (or `web::Query`) sees it. Under Open311's base the refusal is Open311's own
/// (400, a `{code, description}` list), as its specification requires of every error there.
pub async fn bound_query(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    let query = req.query_string();
    let checked = if query.len() > MAX_QUERY_BYTES {
        Err(invalid("query", "too long"))
    } else {
        check_urlencoded(query.as_bytes())
    };
    match checked {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(e) if super::open311::is_open311(req.path()) => {
            let res = super::open311::refuse_query(req.request(), &e);
            Ok(req.into_response(res).map_into_right_body())
        }
        Err(e) => Err(e.into()),
    }
}

/// Middleware: a request body that stalls for `[server] body_idle_seconds` between chunks, or
/// takes longer than `body_total_seconds` in all, ends in an error instead of holding the
/// worker (a client that sends headers and then one byte a minute).
pub async fn body_timeout(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    use futures_util::StreamExt;
    let Some((idle, total)) = req
        .app_data::<actix_web::web::Data<crate::web::state::AppState>>()
        .map(|s| {
            (
                std::time::Duration::from_secs(s.settings.server.body_idle_seconds.max(1)),
                std::time::Duration::from_secs(s.settings.server.body_total_seconds.max(1)),
            )
        })
    else {
        return next.call(req).await;
    };
    let deadline = tokio::time::Instant::now() + total;
    let inner = req.take_payload();
    let timed = futures_util::stream::unfold(Some(inner), move |payload| async move {
        let mut payload = payload?;
        let wait = idle.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        match tokio::time::timeout(wait, payload.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(payload))),
            Ok(None) => None,
            Err(_) => Some((
                Err(actix_web::error::PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "request body timed out",
                ))),
                None,
            )),
        }
    });
    type Boxed = std::pin::Pin<
        Box<
            dyn futures_util::Stream<
                Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>,
            >,
        >,
    >;
    // Fused: the body extractors may poll again after the end.
    req.set_payload(actix_web::dev::Payload::from(
        Box::pin(timed.fuse()) as Boxed
    ));
    next.call(req).await
}

/// A JSON body checked by [`check_json`] before it becomes `T` (use instead of `web::Json`).
pub struct Json<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let body = actix_web::web::Bytes::from_request(req, payload);
        Box::pin(async move { Ok(Json(parse_json(&body.await?)?)) })
    }
}

/// An urlencoded body checked by [`check_urlencoded`] (use instead of `web::Form`).
pub struct Form<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Form<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let body = actix_web::web::Bytes::from_request(req, payload);
        Box::pin(async move { Ok(Form(super::auth::parse_form(&body.await?)?)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(r: AppResult<()>) -> String {
        let e = r.expect_err("must be refused");
        assert_eq!(e.code, ErrorCode::InvalidInput);
        e.detail.unwrap_or_default()
    }

    #[test]
    fn lengths_follow_the_table() {
        assert!(check_field("description", &"字".repeat(4000)).is_ok());
        assert!(refused(check_field("description", &"字".repeat(4001))).contains("description"));
        assert!(refused(check_field("code", &"A".repeat(5_000_000))).contains("field code"));
        assert!(check_field("title", &"t".repeat(DEFAULT_MAX)).is_ok());
        assert!(check_field("title", &"t".repeat(DEFAULT_MAX + 1)).is_err());
        assert!(check_field("choice[2]", "1").is_ok());
    }

    #[test]
    fn page_numbers_are_ranged() {
        assert_eq!(page(None).unwrap(), 0);
        assert_eq!(page(Some(3)).unwrap(), 3);
        assert!(page(Some(-1)).is_err());
        assert!(page(Some(i64::MAX)).is_err());
    }

    #[test]
    fn control_characters_are_refused_except_line_breaks_in_prose() {
        assert!(refused(check_field("title", "a\u{0}b")).contains("U+0000"));
        assert!(check_field("title", "a\nb").is_err());
        assert!(check_field("description", "第一行\r\n第二行\t完").is_ok());
        assert!(check_field("q2_options", "加装电梯\n外墙保温").is_ok());
        assert!(check_field("description", "nul\u{0}").is_err());
        assert!(check_field("description", "esc\u{1b}[31m").is_err());
    }

    #[test]
    fn urlencoded_and_json_bodies_are_walked() {
        assert!(check_urlencoded(b"username=alice&password=x").is_ok());
        assert!(refused(check_urlencoded(b"username=al%00ice")).contains("username"));
        let long = format!("code={}", "A".repeat(100));
        assert!(check_urlencoded(long.as_bytes()).is_err());
        let ok = serde_json::json!({"description": "路灯不亮", "photos": ["a", "b"]});
        assert!(check_json(&ok).is_ok());
        let bad = serde_json::json!({"outer": {"email": "x\u{0}@y"}});
        assert!(refused(check_json(&bad)).contains("email"));
        let mut deep = serde_json::json!(1);
        for _ in 0..40 {
            deep = serde_json::json!([deep]);
        }
        assert!(check_json(&deep).is_err());
    }
}
