//! Mongolian beside Chinese (issue 15): a resident on a phone switches a door's page to
//! Mongolian by tapping, reads it in Mongolian words set vertically in the font the service
//! serves, then switches to the bilingual sign and back, the phone never scrolling sideways.

use super::Browser;
use crate::helpers::{spawn, Fixture};
use serde_json::{json, Value};

/// The Mongolian words of `key` (`landing.actions`) from the locale file.
fn mongolian(key: &str) -> String {
    let text = std::fs::read_to_string("assets/locales/mn-Mong.yml").unwrap();
    let mut v: &serde_yaml::Value = &serde_yaml::from_str(&text).unwrap();
    for part in key.split('.') {
        v = &v[part];
    }
    v.as_str()
        .unwrap_or_else(|| panic!("{key} is not in mn-Mong.yml"))
        .to_owned()
}

/// The computed writing mode of the first element matching each selector (or "missing").
async fn writing_modes(b: &Browser, selectors: &[&str]) -> Vec<String> {
    let r =
        b.c.execute(
            "return arguments[0].map(function (s) { var e = document.querySelector(s); \
             return e ? getComputedStyle(e).writingMode : 'missing ' + s; })",
            vec![json!(selectors)],
        )
        .await
        .unwrap();
    r.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The fonts the browser actually drew `selector`'s text with (DevTools), as
/// (family, drawn from a web font, glyphs).
async fn fonts_drawing(b: &Browser, selector: &str) -> Vec<(String, bool, u64)> {
    b.cdp("DOM.enable", json!({})).await;
    b.cdp("CSS.enable", json!({})).await;
    let root = b.cdp("DOM.getDocument", json!({})).await;
    let node = b
        .cdp(
            "DOM.querySelector",
            json!({"nodeId": root["root"]["nodeId"], "selector": selector}),
        )
        .await;
    let fonts = b
        .cdp(
            "CSS.getPlatformFontsForNode",
            json!({"nodeId": node["nodeId"]}),
        )
        .await;
    fonts["fonts"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|f| {
            (
                f["familyName"].as_str().unwrap_or_default().to_owned(),
                f["isCustomFont"].as_bool().unwrap_or(false),
                f["glyphCount"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_resident_reads_the_door_page_in_vertical_mongolian_and_bilingual() {
    let app = spawn(Fixture::Demo).await;
    let (_, token) = app.household_code("GY-01-01").await;
    let mut b = Browser::phone(&app.address).await;
    b.go(&format!("/C/{token}")).await;
    let lang =
        b.c.execute("return document.documentElement.lang", vec![])
            .await
            .unwrap();
    assert_eq!(lang, "zh-CN");

    // The switch names Mongolian in Mongolian; tapping it comes back to the same door.
    b.tap("header .lang a.to-mn").await;
    assert_eq!(b.path().await, format!("/C/{token}"));
    let lang =
        b.c.execute("return document.documentElement.lang", vec![])
            .await
            .unwrap();
    assert_eq!(lang, "mn-Mong");
    let text = b.text().await;
    for key in [
        "landing.household",
        "landing.actions",
        "landing.action.report",
        "landing.action.news",
        "landing.news",
    ] {
        let words = mongolian(key);
        assert!(
            words
                .chars()
                .any(|c| ('\u{1820}'..='\u{1878}').contains(&c)),
            "{key}: {words}"
        );
        assert!(
            text.contains(&words),
            "{key} ({words}) not on the page:\n{text}"
        );
    }

    // The served font is loaded (not one the phone happens to have), and it draws the words.
    let statuses = b
        .c
        .execute_async(
            "var done = arguments[arguments.length - 1]; document.fonts.ready.then(function () { \
             done(Array.from(document.fonts).filter(function (f) { \
             return f.family.replace(/\"/g, '') === 'Mashang Mongolian'; }).map(function (f) { return f.status; })); });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(statuses, json!(["loaded"]), "the Mongolian web font");
    let drawn = fonts_drawing(&b, ".actions h2 .words").await;
    assert!(
        drawn
            .iter()
            .any(|(family, web, glyphs)| family.contains("Mongolian") && *web && *glyphs > 0),
        "the heading is drawn with {drawn:?}"
    );

    // Headings, the kind of code, the place and the actions stand vertical; hints are hidden
    // and the long privacy line stays horizontal.
    let modes = writing_modes(
        &b,
        &[
            ".place .kind",
            ".place h1",
            ".actions h2",
            ".news h2",
            ".action strong",
            "p.small.center",
        ],
    )
    .await;
    assert_eq!(
        modes,
        [
            "vertical-lr",
            "vertical-lr",
            "vertical-lr",
            "vertical-lr",
            "vertical-lr",
            "horizontal-tb"
        ]
    );
    // A vertical column is taller than wide: the words really run top to bottom.
    let shape: Value =
        b.c.execute(
            "var r = document.querySelector('.action strong').getBoundingClientRect(); \
             return [r.width, r.height, document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (w, h) = (shape[0].as_f64().unwrap(), shape[1].as_f64().unwrap());
    assert!(h > 2.0 * w, "the report action's words are {w}×{h}");
    assert!(
        shape[2].as_f64().unwrap() <= shape[3].as_f64().unwrap(),
        "no sideways scroll: {shape}"
    );
    let dir = std::env::temp_dir().join(format!("mashang-mongolian-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    b.screenshot(&dir.join("door-mn.png")).await;

    // The bilingual sign: the Chinese words beside the Mongolian ones.
    b.tap("header .lang a.to-both").await;
    assert_eq!(b.path().await, format!("/C/{token}"));
    let both: Value =
        b.c.execute(
            "return [document.documentElement.hasAttribute('data-bilingual'), \
             document.querySelector('.actions h2 .both-zh').textContent, \
             document.querySelector('.actions h2 .words').textContent, \
             document.querySelector('.action .zh').textContent]",
            vec![],
        )
        .await
        .unwrap();
    let zh = |key: &str| mashang::i18n::translate(mashang::i18n::Locale::ZhCn, key, &[]);
    assert_eq!(
        both,
        json!([
            true,
            zh("landing.actions"),
            mongolian("landing.actions"),
            zh("landing.action.report")
        ])
    );
    let modes = writing_modes(&b, &[".actions h2 .both-zh", ".actions h2 .words"]).await;
    assert_eq!(modes, ["vertical-lr", "vertical-lr"]);
    // Side by side: the Chinese column stands right of the Mongolian one, level with it.
    let columns: Value =
        b.c.execute(
            "var m = document.querySelector('.actions h2 .words').getBoundingClientRect(), \
             z = document.querySelector('.actions h2 .both-zh').getBoundingClientRect(); \
             return [m.right <= z.left + 1, Math.abs(m.top - z.top) < 4];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(columns, json!([true, true]));
    b.screenshot(&dir.join("door-both.png")).await;

    // Back to Chinese only: the sign's Mongolian goes with it.
    b.tap("header .lang a.to-zh").await;
    let r = b
        .c
        .execute(
            "return [document.documentElement.lang, document.documentElement.hasAttribute('data-bilingual')]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(r, json!(["zh-CN", false]));
    assert_eq!(writing_modes(&b, &[".actions h2"]).await, ["horizontal-tb"]);
    b.close().await;
}
