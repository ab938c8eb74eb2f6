//! Mail templates: `assets/email/<name>/<locale>/{subject.txt, body.txt, body.html}`.

use crate::i18n::Locale;
use minijinja::{Environment, Value};
use std::path::Path;

/// The loaded mail templates.
pub struct MailTemplates {
    env: Environment<'static>,
}

/// A rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl MailTemplates {
    /// Load every template under `dir`.
    pub fn load(dir: &Path) -> anyhow::Result<MailTemplates> {
        let mut env = Environment::new();
        // Only the HTML part is escaped; subjects and text bodies are plain text.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for entry in
            std::fs::read_dir(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?
        {
            let name_dir = entry?.path();
            if !name_dir.is_dir() {
                continue;
            }
            for locale_dir in std::fs::read_dir(&name_dir)? {
                let locale_dir = locale_dir?.path();
                for file in ["subject.txt", "body.txt", "body.html"] {
                    let path = locale_dir.join(file);
                    let key = path.strip_prefix(dir)?.to_string_lossy().replace('\\', "/");
                    env.add_template_owned(
                        key,
                        std::fs::read_to_string(&path)
                            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
                    )?;
                }
            }
        }
        Ok(MailTemplates { env })
    }

    /// Render `name` in `locale`, a stored language tag (falling back to the default
    /// language when the tag names none we speak or the mail has no version in it).
    pub fn render(
        &self,
        name: &str,
        locale: &str,
        params: &serde_json::Value,
    ) -> anyhow::Result<Rendered> {
        let has = |l: Locale| {
            self.env
                .get_template(&format!("{name}/{}/subject.txt", l.tag()))
                .is_ok()
        };
        let wanted = Locale::parse_or_default(locale);
        let locale = if has(wanted) {
            wanted.tag()
        } else {
            Locale::default().tag()
        };
        let ctx = Value::from(minijinja::value::Serde(params));
        let part = |file: &str| -> anyhow::Result<String> {
            Ok(self
                .env
                .get_template(&format!("{name}/{locale}/{file}"))?
                .render(&ctx)?)
        };
        Ok(Rendered {
            subject: part("subject.txt")?.trim().replace(['\r', '\n'], " "),
            text: part("body.txt")?,
            html: part("body.html")?,
        })
    }
}
