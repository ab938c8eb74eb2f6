//! The volunteer activity check-in poster. Activities live elsewhere; this takes a plain
//! description and returns the PDF, so any caller (console page, command) can print one.

use super::engine::{PrintEngine, SheetItem};
use super::templates::Template;
use crate::i18n::{translate, Locale};
use chrono::{DateTime, Datelike, FixedOffset, Utc};

/// What the poster says. Times are shown in China Standard Time (UTC+8).
#[derive(Debug, Clone)]
pub struct ActivityPoster {
    pub title: String,
    pub place: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Points a volunteer earns by checking in.
    pub points: i64,
    /// The URL the symbol carries (the activity's check-in page).
    pub check_in_url: String,
    /// The short code printed under the symbol, to tell a genuine poster from a copy.
    pub check_code: String,
    pub community: String,
    /// The language of the words filled in here (the date); the template has its own.
    pub locale: Locale,
}

/// Render one activity's check-in poster (an A4 PDF). CPU-bound: call it off the async
/// threads (`web::block`).
pub fn activity_poster(engine: &PrintEngine, poster: &ActivityPoster) -> anyhow::Result<Vec<u8>> {
    let item = SheetItem {
        url: poster.check_in_url.clone(),
        fields: poster_fields(poster),
    };
    let (pdf, _) = engine.render(Template::ActivityPoster, &[item], Vec::new(), |_| {})?;
    Ok(pdf)
}

fn poster_fields(p: &ActivityPoster) -> serde_json::Map<String, serde_json::Value> {
    let serde_json::Value::Object(map) = serde_json::json!({
        "title": p.title,
        "place": p.place,
        "when": when(p.starts_at, p.ends_at, p.locale),
        "points": p.points,
        "check": p.check_code,
        "community": p.community,
    }) else {
        unreachable!("a JSON object literal is an object")
    };
    map
}

/// "11月22日 09:00–11:30", or with both dates when the activity runs past midnight (the
/// day's words from `print.day_time`).
fn when(starts: DateTime<Utc>, ends: DateTime<Utc>, locale: Locale) -> String {
    let cst = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    let (s, e) = (starts.with_timezone(&cst), ends.with_timezone(&cst));
    let day_time = |t: DateTime<FixedOffset>| {
        translate(
            locale,
            "print.day_time",
            &[
                ("month", t.month().to_string()),
                ("day", t.day().to_string()),
                ("time", t.format("%H:%M").to_string()),
            ],
        )
    };
    if s.date_naive() == e.date_naive() {
        format!("{}–{}", day_time(s), e.format("%H:%M"))
    } else {
        format!("{}–{}", day_time(s), day_time(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_read_in_china_time() {
        let s = Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap();
        let e = Utc.with_ymd_and_hms(2026, 11, 22, 3, 30, 0).unwrap();
        assert_eq!(when(s, e, Locale::ZhCn), "11月22日 09:00–11:30");
        let late = Utc.with_ymd_and_hms(2026, 11, 22, 17, 0, 0).unwrap();
        assert_eq!(when(s, late, Locale::ZhCn), "11月22日 09:00–11月23日 01:00");
        assert_eq!(when(s, e, Locale::En), "11/22 09:00–11:30");
    }

    /// Renders the real template with the real fonts and reads the symbol back from the
    /// page at 300 dpi (needs poppler-utils and fonts-noto-cjk, installed by .ci/services).
    #[test]
    fn poster_renders_and_its_symbol_decodes_to_the_check_in_url() {
        let settings = crate::config::Settings::load_from(std::path::Path::new("config")).unwrap();
        let engine = PrintEngine::load(&settings.print).unwrap();
        let poster = ActivityPoster {
            title: "清理楼道小广告".into(),
            place: "邮电小区 3号楼前".into(),
            starts_at: Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2026, 11, 22, 3, 30, 0).unwrap(),
            points: 20,
            check_in_url: "HTTP://MASHANG.TEST/A/0123456789ABCDEFGHJKMNPQRS".into(),
            check_code: "Q7M2".into(),
            community: "平原社区".into(),
            locale: Locale::ZhCn,
        };
        let pdf = activity_poster(&engine, &poster).unwrap();
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        assert_eq!(doc.get_pages().len(), 1);
        let urls = crate::print::raster::decode_symbols(&pdf, 300).unwrap();
        assert_eq!(urls, vec![poster.check_in_url.clone()]);
    }
}
