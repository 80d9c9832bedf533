//! Issue 17: what a signed-in user's page costs in database statements, page by page: rendered
//! afresh (the first request after a change, or any address not seen under the current
//! stamp) and served from the content kept under the audit stamp. Printed (the README's
//! profile) and held, so a page only gets cheaper.

use crate::helpers::*;

/// (page, most statements rendered afresh). Measured on the demo with 400 generated
/// announcements, the same on both backends: 11, 11, 7, 9, 19 and 26 (the announcement's page
/// reads the stamp since its content is kept per user); the test server reads the platform clock on every connection loan and the
/// audit stamp on every request (a production server: once per 100 ms each), and the first
/// loan after two idle seconds pings the connection.
const PAGES: [(&str, u64); 6] = [
    ("/agencies?region=pzh_dongqu", 13),
    ("/agencies?q=%E7%8E%AF%E8%AF%84", 13),
    ("/announcements", 9),
    ("/credit", 11),
    ("/agencies/{agency}", 21),
    ("/announcements/{awarded}", 28),
];

/// Served from the kept content (an announcement's page too, per user): the session, the
/// stamp and their clock reads.
const KEPT_HELD: u64 = 6;

async fn first_id(app: &TestApp, list: &str, field: &str) -> i64 {
    let (_, body) = app.get_text(&format!("{list}?format=json&limit=1")).await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["items"][0][field].as_i64().expect("an id")
}

#[actix_web::test]
async fn signed_in_pages_cost_few_statements() {
    // No background jobs: their statements would count against the pages'.
    let app = spawn_web_only().await;
    crate::stats::load_demo_with_bulk(&app).await;
    let agency = first_id(&app, "/agencies", "id").await;
    let awarded = first_id(&app, "/results", "announcement_id").await;
    let r = app
        .login("owner@demo.zhongjie.cn", zhongjie::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let backend = if is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    for (page, held) in PAGES {
        let path = page
            .replace("{agency}", &agency.to_string())
            .replace("{awarded}", &awarded.to_string());
        let sep = if path.contains('?') { '&' } else { '?' };
        let cost = |p: String| {
            let app = &app;
            async move {
                let before = app.pool.statements();
                let (s, body) = app.get_text(&p).await;
                assert_eq!(s, 200, "{p}");
                assert!(body.contains("action=\"/logout\""), "{p} signed in");
                app.pool.statements() - before
            }
        };
        // A new address each time: nothing kept for it yet.
        let _ = cost(format!("{path}{sep}warm=1")).await;
        let fresh = cost(format!("{path}{sep}fresh=1")).await;
        let kept = cost(format!("{path}{sep}fresh=1")).await;
        println!("{backend} {page}: {fresh} statements rendered afresh, {kept} kept");
        assert!(fresh <= held, "{page}: {fresh} statements (held at {held})");
        assert!(
            kept <= KEPT_HELD,
            "{page}: {kept} statements from the kept content"
        );
    }
}
