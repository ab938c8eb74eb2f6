//! Server-rendered pages: minijinja templates from `assets/templates/`, translated with
//! rust-i18n through a `t(key, ...)` template function that uses the request's locale
//! (never the process-wide locale, which would leak between concurrent requests).

use super::locale::Locale;
use crate::error::AppResult;
use actix_web::HttpResponse;
use minijinja::value::Kwargs;
use minijinja::{Environment, State, Value};
use std::path::Path;

/// The loaded templates.
pub struct Pages {
    env: Environment<'static>,
}

/// Translate `key` into `locale`, filling `%{name}` placeholders from `args` (the one
/// translation function, [`crate::i18n::translate`], as the web layer names it).
pub use crate::i18n::translate;

fn t_function(state: &State, key: &str, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let locale = state
        .lookup("locale")
        .and_then(|v| v.as_str().and_then(Locale::parse))
        .unwrap_or(Locale::ZhCn);
    let mut args = Vec::new();
    for name in kwargs.args() {
        let v: Value = kwargs.get(name)?;
        args.push((name, v.to_string()));
    }
    Ok(translate(locale, key, &args))
}

/// `t_in(tag, key, ...)`: the words of `key` in the language `tag` names, whatever the page's
/// language (the Chinese beside the Mongolian in the scan page's bilingual mode).
fn t_in_function(tag: &str, key: &str, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let locale = Locale::parse(tag).ok_or_else(|| {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("t_in: no language {tag}"),
        )
    })?;
    let mut args = Vec::new();
    for name in kwargs.args() {
        let v: Value = kwargs.get(name)?;
        args.push((name, v.to_string()));
    }
    Ok(translate(locale, key, &args))
}

/// Format a timestamp in China Standard Time (UTC+8, no daylight saving), as people there
/// read it.
fn datetime_filter(value: String) -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    chrono::DateTime::parse_from_rfc3339(&value)
        .map(|d| {
            d.with_timezone(&offset)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or(value)
}

impl Pages {
    /// Load every `*.html` under `dir` (names relative to it, e.g. `console/grid.html`).
    pub fn load(dir: &Path) -> anyhow::Result<Pages> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.add_function("t", t_function);
        env.add_function("t_in", t_in_function);
        env.add_filter("datetime", datetime_filter);
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d)
                .map_err(|e| anyhow::anyhow!("templates directory {}: {e}", d.display()))?
            {
                let path = entry?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "html") {
                    let name = path.strip_prefix(dir)?.to_string_lossy().replace('\\', "/");
                    let source = std::fs::read_to_string(&path)?;
                    env.add_template_owned(name, source)?;
                }
            }
        }
        Ok(Pages { env })
    }

    /// Render a template with `ctx` plus the locale.
    pub fn render(&self, name: &str, locale: Locale, ctx: Value) -> AppResult<String> {
        let tmpl = self.env.get_template(name)?;
        let ctx = minijinja::context! { locale => locale.tag(), ..ctx };
        Ok(tmpl.render(ctx)?)
    }

    /// Render into a 200 HTML response.
    pub fn page(&self, name: &str, locale: Locale, ctx: Value) -> AppResult<HttpResponse> {
        Ok(html(self.render(name, locale, ctx)?))
    }
}

/// An HTML response from a rendered page.
pub fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translations_exist_in_both_languages() {
        assert_eq!(translate(Locale::ZhCn, "app.name", &[]), "码上生活");
        assert_eq!(translate(Locale::En, "app.name", &[]), "Mashang");
    }

    #[test]
    fn placeholders_are_filled() {
        let s = translate(Locale::En, "landing.check_code", &[("code", "K7Q2".into())]);
        assert!(s.contains("K7Q2"), "{s}");
    }

    #[test]
    fn times_are_shown_in_china_time() {
        assert_eq!(
            datetime_filter("2026-11-21T01:30:00Z".into()),
            "2026-11-21 09:30"
        );
    }
}
