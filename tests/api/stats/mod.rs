//! `/stats` (src/stats): every chart with its table, the filters and their messages, the CSV
//! downloads.

mod browser;

use chrono::Duration;
use diesel::prelude::*;

use crate::contracts::fulfilment::signed_contract;
use crate::fixtures::AwardBuilder;
use crate::helpers::*;
use crate::home::workbench::{announcement, opened};

pub(crate) const SECTIONS: [&str; 13] = [
    "announcements-by-mode",
    "announcements-by-department",
    "savings",
    "service-time",
    "time-to-contract",
    "failures",
    "credit-grades",
    "credit-grades-by-quarter",
    "sanctions",
    "complaints",
    "inspection-coverage",
    "fulfilment",
    "ratings",
];

/// The text of one section of the page (from its anchor to its end).
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("section {id}"));
    let end = html[start..]
        .find("</section>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

/// A department without announcements (the statistics bureau).
fn statistics_bureau(app: &TestApp) -> i64 {
    let mut c = app.conn();
    zhongjie::accounts::store::department::insert(&mut c, "TJJ", "市统计局", "Statistics Bureau")
        .unwrap()
}

/// Marks the contract of `world` accepted an hour ago (10 days after signing: within its
/// 20 working days, inside the 80% target).
fn accept(app: &TestApp) {
    use zhongjie::db::schema::contracts;
    let mut c = app.conn();
    diesel::update(contracts::table)
        .set((
            contracts::status.eq("accepted"),
            contracts::accepted_at.eq(Some(zhongjie::db::now() - Duration::hours(1))),
        ))
        .execute(&mut c)
        .unwrap();
}

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
    let other = statistics_bureau(&app);
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

#[actix_web::test]
async fn service_time_fulfilment_and_grades_per_quarter_count_an_accepted_contract() {
    let app = spawn_app().await;
    let k = signed_contract(&app, 1, 20, 10).await;
    accept(&app);
    let (status, html) = app.get_text("/stats").await;
    assert_eq!(status, 200);
    let service = section(&html, "service-time");
    assert!(
        service.contains("<svg"),
        "a bar per item with the limit and the target"
    );
    assert!(service.contains("节能评估报告编制"), "{service}");
    assert!(
        service.contains("<td>1 (100.0%)</td>"),
        "within the limit and the target"
    );
    let ful = section(&html, "fulfilment");
    assert!(ful.contains("<td>100.0%</td>"), "accepted on time: {ful}");
    let quarters = section(&html, "credit-grades-by-quarter");
    assert!(quarters.contains("<svg"), "{quarters}");
    assert!(
        quarters.contains("<td>100.0%</td>"),
        "the contracted agency is graded A this quarter"
    );
    // Filtered to a department without items, the contract is not counted.
    let other = {
        let mut c = app.conn();
        zhongjie::accounts::store::department::insert(&mut c, "TJJ", "市统计局", "Statistics")
            .unwrap()
    };
    assert_ne!(other, k.department_id);
    let (_, html) = app.get_text(&format!("/stats?dept={other}")).await;
    assert!(!section(&html, "service-time").contains("节能评估报告编制"));
    // The English page names the charts and the CSV has the table's header.
    let (_, en) = app.get_text("/stats?lang=en").await;
    assert!(en.contains("Service time against the statutory limit"));
    assert!(en.contains("Fulfilment rate per month"));
    let body = app
        .get("/stats/service-time.csv")
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "Service item,Accepted contracts,Time used of the limit (median),Within the limit,Within the target",
        "in the language chosen"
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
}

#[actix_web::test]
async fn charts_without_data_say_so_and_the_home_page_links_the_page() {
    let app = spawn_app().await;
    let (_, html) = app.get_text("/stats").await;
    for id in ["complaints", "inspection-coverage", "fulfilment"] {
        assert!(section(&html, id).contains("class=\"empty\""), "{id}");
    }
    let (_, home) = app.get_text("/").await;
    assert!(
        home.contains("<p class=\"stats-more\"><a href=\"/stats\">"),
        "the home page links /stats beside its figures"
    );
}

#[actix_web::test]
async fn the_page_is_cached_for_visitors_until_an_audited_change() {
    // No background jobs: an audited write of theirs between the two requests would move the
    // stamp (and the page would be read again) at random.
    let app = spawn_web_only().await;
    let k = signed_contract(&app, 1, 20, 10).await;
    let (_, first) = app.get_text("/stats").await;
    assert!(!section(&first, "service-time").contains("节能评估报告编制"));
    // Accepted without the trail: the cached page does not see it…
    accept(&app);
    let (_, cached) = app.get_text("/stats").await;
    assert_eq!(first, cached, "served from the cache");
    // …until the change is audited, as every real change is.
    app.audit_a_change("contract", k.id);
    let (_, fresh) = app.get_text("/stats").await;
    assert!(section(&fresh, "service-time").contains("节能评估报告编制"));
}

/// A regulator's page defaults to its own department: kept apart from the visitors' page of
/// the same address, and framed in the regulator's layout.
#[actix_web::test]
async fn a_regulators_own_department_is_kept_apart_from_the_visitors_page() {
    let app = spawn_app().await;
    world(&app).await;
    let (visitor, _) = app.new_client();
    let visit = || async {
        let r = visitor.get(app.url("/stats")).send().await.unwrap();
        r.text().await.unwrap()
    };
    let all = visit().await;
    assert!(
        all.contains("<td>80.0%</td>"),
        "all departments count the award"
    );
    let other = statistics_bureau(&app);
    let me = app
        .signed_in(
            zhongjie::auth::Role::Regulator,
            "stats-regulator@example.com",
        )
        .await;
    {
        use zhongjie::db::schema::users;
        let mut c = app.conn();
        diesel::update(users::table.find(me))
            .set(users::department_id.eq(Some(other)))
            .execute(&mut c)
            .unwrap();
    }
    let (status, mine) = app.get_text("/stats").await;
    assert_eq!(status, 200);
    assert!(
        !mine.contains("<td>80.0%</td>"),
        "the regulator's own department, not the visitors' page"
    );
    assert!(
        mine.contains("action=\"/logout\""),
        "in the regulator's layout"
    );
    let theirs = visit().await;
    assert!(
        theirs.contains("<td>80.0%</td>"),
        "the visitors' page: all departments"
    );
    assert!(!theirs.contains("action=\"/logout\""));
}

/// The demo with a few hundred generated announcements (`zhongjie demo --announcements`).
pub(crate) async fn demo_with_bulk() -> TestApp {
    let app = spawn_app().await;
    load_demo_with_bulk(&app).await;
    app
}

/// Loads the demo and 400 generated announcements into `app`'s database.
pub(crate) async fn load_demo_with_bulk(app: &TestApp) {
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || {
        let mut c = pool.get().unwrap();
        zhongjie::demo::load(&mut c, &cfg).unwrap();
        zhongjie::demo::bulk(&mut c, 0, 400).unwrap();
    })
    .await
    .unwrap();
}

#[actix_web::test]
async fn generated_announcements_give_every_chart_data() {
    let app = demo_with_bulk().await;
    let (status, html) = app.get_text("/stats").await;
    assert_eq!(status, 200);
    for id in SECTIONS {
        let s = section(&html, id);
        assert!(s.contains("<svg"), "{id} has a chart");
        assert!(!s.contains("class=\"empty\""), "{id} has data");
    }
    // A second run adds as many again.
    let pool = app.pool.clone();
    let before: i64 = {
        use zhongjie::db::schema::announcements;
        announcements::table
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    actix_web::web::block(move || zhongjie::demo::bulk(&mut pool.get().unwrap(), 0, 10))
        .await
        .unwrap()
        .unwrap();
    let after: i64 = {
        use zhongjie::db::schema::announcements;
        announcements::table
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    assert_eq!(after, before + 10);
}
