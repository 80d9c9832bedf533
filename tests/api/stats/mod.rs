//! `/stats` (src/stats): every chart with its table, the filters and their messages, the CSV
//! downloads.

use chrono::Duration;

use crate::contracts::fulfilment::signed_contract;
use crate::fixtures::AwardBuilder;
use crate::helpers::*;
use crate::home::workbench::{announcement, opened};

const SECTIONS: [&str; 8] = [
    "announcements-by-mode",
    "announcements-by-department",
    "savings",
    "time-to-contract",
    "failures",
    "credit-grades",
    "sanctions",
    "ratings",
];

/// A signed contract and one confirmed award at 80% of its 50,000 yuan cap.
async fn world(app: &TestApp) -> (i64, i64) {
    let k = signed_contract(app, 1, 20, 3).await;
    let won = announcement(app, k.owner_id, k.item_id, "awarded", -9);
    opened(app, won, Some(k.agency_id), None);
    AwardBuilder::new(won, k.agency_id)
        .amount(4_000_000)
        .confirmed_at(zhongjie::db::now() - Duration::hours(3))
        .insert(app);
    (k.department_id, won)
}

#[actix_web::test]
async fn every_chart_has_its_table_and_csv_link() {
    let app = spawn_app().await;
    let (dept, _) = world(&app).await;
    let (status, html) = app.get_text("/stats").await;
    assert_eq!(status, 200);
    for id in SECTIONS {
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "section {id} missing"
        );
    }
    // The award is in the savings chart (a dot with its tooltip) and its table.
    assert!(html.contains("<svg class=\"chart\""));
    assert!(
        html.contains("80%</title>"),
        "a dot's tooltip names its value"
    );
    assert!(
        html.contains("<td>80.0%</td>"),
        "the median is in the table"
    );
    assert!(html.contains("/stats/savings.csv?from="));
    // Filtered to another department, the award is not counted.
    let (status, html) = app.get_text(&format!("/stats?dept={}", dept + 1000)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("field-error"),
        "an unknown department is named"
    );
    let other = {
        let mut c = app.conn();
        zhongjie::accounts::store::department::insert(
            &mut c,
            "TJJ",
            "市统计局",
            "Statistics Bureau",
        )
        .unwrap()
    };
    let (_, html) = app.get_text(&format!("/stats?dept={other}")).await;
    assert!(!html.contains("<td>80.0%</td>"));
    let (_, html) = app.get_text(&format!("/stats?dept={dept}")).await;
    assert!(html.contains("<td>80.0%</td>"));
}

#[actix_web::test]
async fn bad_filters_are_named_beside_their_fields_never_an_error_page() {
    let app = spawn_app().await;
    world(&app).await;
    for q in [
        "from=2026-13",
        "to=abc",
        "from=2026-10&to=2026-02",
        "dept=x",
        "from=%E2%80%AE",
    ] {
        let (status, html) = app.get_text(&format!("/stats?{q}")).await;
        assert_eq!(status, 200, "{q}");
        assert!(
            html.contains("class=\"field-error\""),
            "{q}: the field's message"
        );
        assert!(
            html.contains("<td>80.0%</td>"),
            "{q}: the default period is shown"
        );
    }
}

#[actix_web::test]
async fn a_chart_downloads_as_csv_with_the_filters() {
    let app = spawn_app().await;
    world(&app).await;
    let r = app.get("/stats/savings.csv").await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = r.text().await.unwrap();
    assert!(body.starts_with('\u{feff}'), "a BOM for spreadsheets");
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "选取方式,成交数,中位数,最低,最高");
    assert!(
        lines.iter().any(|l| l.ends_with(",1,80.0%,80.0%,80.0%")),
        "{lines:?}"
    );
    let r = app.get("/stats/savings.csv?from=2020-01&to=2020-02").await;
    let body = r.text().await.unwrap();
    assert_eq!(
        body.trim_start_matches('\u{feff}').lines().count(),
        1,
        "only the header"
    );
    assert_eq!(app.get("/stats/nothing.csv").await.status().as_u16(), 404);
}
