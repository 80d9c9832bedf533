//! `/stats` in a real browser (`ZJ_BROWSER_TEST=1`): on the demo with bulk announcements every
//! chart is drawn (an SVG) above its table, in Chinese and in English, and on a 390 px phone
//! the page does not scroll sideways.

use crate::platform::webdriver::{Driver, enabled};

/// Per section: its id, whether it has an SVG chart and a table; and the page's width
/// against the viewport's.
const SHAPE: &str = "return {
  sections: [...document.querySelectorAll('section.chart-section')].map(s =>
    [s.id, !!s.querySelector('figure svg.chart'), !!s.querySelector('table tbody tr')]),
  scroll: document.documentElement.scrollWidth,
  inner: document.documentElement.clientWidth,
  lang: document.documentElement.lang };";

#[actix_web::test]
async fn every_chart_is_drawn_with_its_table_in_both_languages_on_a_phone() {
    if !enabled() {
        return;
    }
    let app = super::demo_with_bulk().await;
    let d = Driver::start().await;
    d.set_viewport(390, 844).await;
    for (lang, title) in [("zh-CN", "服务用时占法定时限比例"), ("en", "Service time")] {
        d.goto(&app.url(&format!("/stats?lang={lang}"))).await;
        assert!(d.source().await.contains(title), "{lang}");
        let v = d.execute(SHAPE, serde_json::json!([])).await;
        let sections = v["sections"].as_array().expect("sections");
        assert_eq!(sections.len(), super::SECTIONS.len(), "{lang}: {v}");
        for s in sections {
            assert_eq!(s[1], true, "{lang}: {s} has its chart");
            assert_eq!(s[2], true, "{lang}: {s} has its table");
        }
        assert!(
            v["scroll"].as_i64() <= v["inner"].as_i64(),
            "{lang}: the page scrolls sideways at 390 px: {v}"
        );
    }
}
