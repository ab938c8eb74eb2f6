//! The languages the service speaks and the one way to put words on a page, a mail or a
//! JSON message: a key in `assets/locales/<tag>.yml` and its `%{name}` arguments.
//!
//! The web layer decides the request's [`Locale`] once (see `web::locale`); commands, jobs
//! and mails carry it as a value. Domain code never guesses a language from a string and
//! never holds words itself: it names a key (or a refusal's code, see
//! [`crate::error::Refusal`]) and the words come from the locale files, so adding a language
//! is adding a file (and a variant here).

/// The languages the UI speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    /// Simplified Chinese, the residents' and staff's language: the default.
    #[default]
    ZhCn,
    /// English.
    En,
    /// Mongolian in the traditional (uigurjin) script, as Inner Mongolia writes it beside
    /// Chinese on public signs: Unicode Mongolian, set vertically on pages where it fits.
    MnMong,
}

impl Locale {
    /// Every language; each has a file `assets/locales/<tag>.yml`.
    pub const ALL: [Locale; 3] = [Locale::ZhCn, Locale::En, Locale::MnMong];

    /// The language's place in [`Locale::ALL`] (a slot per language, e.g. a cached page).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The tag used in translation files and `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
            Locale::MnMong => "mn-Mong",
        }
    }

    /// Parse a tag a user, a link or a stored row gave (`en-US`, `zh-Hans`, `mn`, any
    /// case). Mongolian is the traditional script; a reader who asks for Cyrillic
    /// (`mn-Cyrl`, Mongolia's) is not given it.
    pub fn parse(s: &str) -> Option<Locale> {
        let s = s.trim().to_ascii_lowercase();
        let language = s.split(['-', '_']).next().unwrap_or("");
        match language {
            "zh" => Some(Locale::ZhCn),
            "en" => Some(Locale::En),
            "mn" if !s.contains("cyrl") => Some(Locale::MnMong),
            _ => None,
        }
    }

    /// A stored or configured tag, or the default language when it names none we speak.
    pub fn parse_or_default(s: &str) -> Locale {
        Locale::parse(s).unwrap_or_default()
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
}

/// The text of `key` in `locale` with its `%{name}` placeholders filled in. A key missing
/// from the files comes back as the key itself (rust-i18n's fallback), which the
/// locale-key tests catch.
pub fn translate(locale: Locale, key: &str, args: &[(&str, String)]) -> String {
    let mut text = t!(key, locale = locale.tag()).into_owned();
    for (name, value) in args {
        text = text.replace(&format!("%{{{name}}}"), value);
    }
    text
}

/// Whether the locale files have `key` in `locale` (tests and fallbacks).
pub fn has_key(locale: Locale, key: &str) -> bool {
    translate(locale, key, &[]) != key
}

/// Words not yet put into a language: a key and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The key in the locale files (`reason.bad_email`).
    pub key: String,
    /// Values for the text's `%{name}` placeholders.
    pub args: Vec<(&'static str, Arg)>,
}

/// A value for a placeholder: as it is (a number, a name someone typed), or itself words
/// in the same language (a field's label, a state's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Shown as it is.
    Text(String),
    /// Translated in the message's language.
    Words(Message),
    /// Each put into the language, joined with its list separator (`common.list_separator`).
    List(Vec<Arg>),
}

impl Message {
    /// A message without arguments.
    pub fn new(key: impl Into<String>) -> Message {
        Message {
            key: key.into(),
            args: Vec::new(),
        }
    }

    /// Add an argument shown as it is.
    pub fn text(mut self, name: &'static str, value: impl ToString) -> Message {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// Add an argument that is itself words.
    pub fn words(mut self, name: &'static str, value: Message) -> Message {
        self.args.push((name, Arg::Words(value)));
        self
    }

    /// Add an argument of any kind.
    pub fn arg(mut self, name: &'static str, value: Arg) -> Message {
        self.args.push((name, value));
        self
    }

    /// Add an argument that is a list of words.
    pub fn list(mut self, name: &'static str, values: Vec<Message>) -> Message {
        self.args.push((
            name,
            Arg::List(values.into_iter().map(Arg::Words).collect()),
        ));
        self
    }

    /// The arguments put into `locale` (nested words translated, lists joined).
    pub fn rendered_args(&self, locale: Locale) -> Vec<(&'static str, String)> {
        self.args
            .iter()
            .map(|(name, arg)| (*name, arg.render(locale)))
            .collect()
    }

    /// The words in `locale`.
    pub fn render(&self, locale: Locale) -> String {
        translate(locale, &self.key, &self.rendered_args(locale))
    }

    /// Every key this message needs (its own and its arguments'), for the tests that check
    /// the locale files.
    pub fn keys(&self) -> Vec<String> {
        let mut out = vec![self.key.clone()];
        for (_, arg) in &self.args {
            out.extend(arg.keys());
        }
        out
    }
}

/// The key of the separator between the items of a list argument.
const LIST_SEPARATOR: &str = "common.list_separator";

impl Arg {
    /// The value in `locale`.
    pub fn render(&self, locale: Locale) -> String {
        match self {
            Arg::Text(s) => s.clone(),
            Arg::Words(m) => m.render(locale),
            Arg::List(items) => {
                let sep = translate(locale, LIST_SEPARATOR, &[]);
                items
                    .iter()
                    .map(|a| a.render(locale))
                    .collect::<Vec<_>>()
                    .join(&sep)
            }
        }
    }

    fn keys(&self) -> Vec<String> {
        match self {
            Arg::Text(_) => Vec::new(),
            Arg::Words(m) => m.keys(),
            Arg::List(items) => std::iter::once(LIST_SEPARATOR.to_owned())
                .chain(items.iter().flat_map(Arg::keys))
                .collect(),
        }
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
        assert_eq!(
            Locale::from_accept_language("mn-CN,mn;q=0.9,zh-CN;q=0.8"),
            Some(Locale::MnMong)
        );
        assert_eq!(
            Locale::from_accept_language("mn-Cyrl-MN, en;q=0.5"),
            Some(Locale::En)
        );
    }

    #[test]
    fn tags() {
        assert_eq!(Locale::parse("EN"), Some(Locale::En));
        assert_eq!(Locale::parse("en_GB"), Some(Locale::En));
        assert_eq!(Locale::parse("zh-Hans"), Some(Locale::ZhCn));
        assert_eq!(Locale::parse("mn"), Some(Locale::MnMong));
        assert_eq!(Locale::parse("mn-Mong-CN"), Some(Locale::MnMong));
        assert_eq!(Locale::parse("MN_mong"), Some(Locale::MnMong));
        assert_eq!(Locale::parse("mn-Cyrl"), None);
        assert_eq!(Locale::parse("fr"), None);
        assert_eq!(Locale::parse("english"), None);
        assert_eq!(Locale::parse_or_default("fr"), Locale::ZhCn);
        for (i, l) in Locale::ALL.into_iter().enumerate() {
            assert_eq!(Locale::parse(l.tag()), Some(l));
            assert_eq!(l.index(), i);
        }
    }

    #[test]
    fn nested_words_and_lists_are_put_into_the_same_language() {
        let m = Message::new("import_file.missing_columns").list(
            "columns",
            vec![
                Message::new("import_file.field_room"),
                Message::new("import_file.field_unit"),
            ],
        );
        assert_eq!(
            m.render(Locale::En),
            "Missing required columns: room, unit."
        );
        let zh = m.render(Locale::ZhCn);
        assert!(!zh.contains('%') && !zh.contains("room"), "{zh}");
        assert!(m.keys().contains(&"common.list_separator".to_owned()));
        assert!(!has_key(Locale::En, "reason.nope"));
        assert!(has_key(Locale::En, "reason.bad_email"));
    }
}
