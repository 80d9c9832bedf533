//! Price and conduct signals (issue 15 item 4): quotes outside the agency's published fee
//! range, winning prices far above the item's median, owners who let contracts lapse; who
//! sees them (the item's department's regulators, admins), the workbench count, and the
//! fee range beside opened quotes only.

use chrono::Duration;
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::model_text_versions;

use crate::accounts::auth::clone_app;
use crate::fixtures::{
    AgencyBuilder, AnnouncementBuilder, AwardBuilder, ContractBuilder, ItemBuilder, OfferBuilder,
    OpeningBuilder, Parties, ProjectBuilder, QuoteBuilder, department, owner, regulator,
};
use crate::helpers::*;

struct Market {
    item: i64,
    owner_id: i64,
    reg1: TestApp,
    reg2: TestApp,
    /// Won above its own range.
    over: i64,
    /// The opened announcement with quotes.
    opened: i64,
    /// An announcement still taking (sealed) quotes.
    open: i64,
}

/// An announcement of `item` on a project of its own (`n` names it), published a month ago
/// with its deadline at `deadline_days` from now.
fn announcement(
    app: &TestApp,
    owner: i64,
    item: i64,
    n: u32,
    status: &str,
    deadline_days: i64,
) -> i64 {
    let now = zhongjie::db::now();
    let name = format!("攀枝花市东区道路改造工程{n}");
    let code = format!("2026-510402-48-01-{n:06}");
    AnnouncementBuilder::new(owner, item)
        .new_project(ProjectBuilder::new(owner, &name, &code))
        .cap(Some(50_000_000))
        .deadline(now + Duration::days(deadline_days))
        .status(status)
        .published_at(Some(now - Duration::days(30)))
        .insert(app)
}

fn model_text(app: &TestApp) -> i64 {
    let mut c = app.conn();
    let (industry, title, body) = zhongjie::demo::contracts::TEXTS[0];
    let system = zhongjie::audit::Actor::system();
    let text =
        zhongjie::contracts::steps::model_text::create(&mut c, &system, industry, title, body, "t")
            .unwrap();
    zhongjie::contracts::steps::model_text::publish(&mut c, &system, text).unwrap();
    model_text_versions::table
        .filter(model_text_versions::model_text_id.eq(text))
        .select(model_text_versions::id)
        .first::<i64>(&mut *c)
        .unwrap()
}

async fn market(app: &TestApp) -> Market {
    let d1 = department(app, "zjj", "攀枝花市住房和城乡建设局", "Housing");
    let d2 = department(app, "slj", "攀枝花市水利局", "Water");
    let item = ItemBuilder::new("ZJ-001", "工程造价咨询")
        .industry("construction")
        .insert(app, d1);
    let (_, reg1) = regulator(app, "reg1@example.com", d1).await;
    let (_, reg2) = regulator(app, "reg2@example.com", d2).await;
    let (owner_id, _) = owner(app, "owner@example.com").await;
    let range = || OfferBuilder::new(item).fee(Some(100_000), Some(200_000));
    let over = AgencyBuilder::new("over@example.com")
        .name("攀枝花市高价造价咨询有限公司")
        .offer(range())
        .insert(app)
        .await;
    let fair = AgencyBuilder::new("fair@example.com")
        .name("攀枝花市守价造价咨询有限公司")
        .offer(range())
        .insert(app)
        .await;
    let low = AgencyBuilder::new("low@example.com")
        .name("攀枝花市低价造价咨询有限公司")
        .offer(range())
        .insert(app)
        .await;

    // An opened selection: the winner quoted above its own published maximum.
    let opened = announcement(app, owner_id, item, 1, "publicity", -20);
    for (agency, fen) in [(over, 250_000), (fair, 150_000), (low, 50_000)] {
        QuoteBuilder::new(opened, agency)
            .placeholder("sealed", "0".repeat(64))
            .opened_amount(fen)
            .insert(app);
    }
    OpeningBuilder::new(opened)
        .winner(Some(over))
        .winner_amount(250_000, 1)
        .insert(app);

    // Awards of the item: the median of 140k, 150k, 160k and 300k is 155k; 300k is 193 %.
    let mut awarded = Vec::new();
    for (n, (agency, fen)) in [
        (fair, 150_000),
        (low, 160_000),
        (fair, 140_000),
        (over, 300_000),
    ]
    .into_iter()
    .enumerate()
    {
        let a = announcement(app, owner_id, item, 10 + n as u32, "awarded", -20);
        AwardBuilder::new(a, agency).amount(fen).insert(app);
        awarded.push((a, agency));
    }

    // Two contracts the owner let lapse without signing.
    let version = model_text(app);
    for (a, agency) in awarded.iter().take(2) {
        ContractBuilder::new(Parties {
            announcement: *a,
            owner: owner_id,
            agency: *agency,
            item,
            model_text_version: version,
        })
        .status("lapsed")
        .sign_by(zhongjie::db::today() - Duration::days(3))
        .insert(app);
    }

    // A selection still taking quotes, one of them (sealed) far outside the range.
    let open = announcement(app, owner_id, item, 99, "published", 10);
    QuoteBuilder::new(open, over)
        .sealed_yuan("9000")
        .insert(app);

    Market {
        item,
        owner_id,
        reg1,
        reg2,
        over,
        opened,
        open,
    }
}

#[actix_web::test]
async fn the_departments_regulator_sees_each_signal_with_its_evidence() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let (s, page) = m.reg1.get_text("/regulate/signals").await;
    assert_eq!(s, 200);
    // The winning quote above its range, and the one below, with the range.
    assert!(page.contains(&format!("id=\"fee-{}-{}\"", m.opened, m.over)));
    assert!(page.contains("攀枝花市高价造价咨询有限公司"));
    assert!(page.contains("攀枝花市低价造价咨询有限公司"));
    assert!(
        !page.contains("攀枝花市守价造价咨询有限公司"),
        "quoted and won within its range"
    );
    assert!(page.contains("¥1,000.00 – ¥2,000.00"));
    assert!(page.contains("高于公示收费上限") && page.contains("低于公示收费下限"));
    assert!(page.contains(&format!("/announcements/{}#result", m.opened)));
    // The price far above the median: 300,000 fen against 155,000.
    assert!(page.contains("¥3,000.00") && page.contains("¥1,550.00") && page.contains("193%"));
    // The owner's two lapses, each linked to its contract.
    assert!(page.contains(&format!("id=\"owner-{}\"", m.owner_id)));
    assert_eq!(page.matches("合同因业主未签订而逾期失效").count(), 2);
    assert!(page.contains("/contracts/"));
    // English is complete.
    let (_, en) = m.reg1.get_text("/regulate/signals?lang=en").await;
    assert!(en.contains("Above the published maximum") && en.contains("lapsed unsigned"));
    // The workbench lists them (2 fee signals, 1 median, 1 owner), each linking to its row.
    let (_, my) = m.reg1.get_text("/my?lang=zh-CN").await;
    assert!(my.contains("data-kind=\"regulator_signals\""));
    assert!(my.contains(&format!("/regulate/signals#fee-{}-{}", m.opened, m.over)));
    assert!(my.contains(&format!("/regulate/signals#owner-{}", m.owner_id)));
    let _ = m.item;
}

#[actix_web::test]
async fn signals_stay_within_the_department_and_away_from_others() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let (s, page) = m.reg2.get_text("/regulate/signals").await;
    assert_eq!(s, 200);
    assert!(!page.contains("攀枝花市高价造价咨询有限公司"));
    assert!(!page.contains("合同因业主未签订"));
    assert_eq!(page.matches("暂无预警").count(), 3);
    let (_, my) = m.reg2.get_text("/my").await;
    assert!(!my.contains("攀枝花市高价造价咨询有限公司"));
    // Admins see every department's.
    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;
    let (s, page) = admin.get_text("/regulate/signals").await;
    assert_eq!(s, 200);
    assert!(page.contains("攀枝花市高价造价咨询有限公司") && page.contains("193%"));
    // Nobody else.
    let (s, _) = app.get_text("/regulate/signals").await;
    assert_eq!(s, 303, "a visitor is sent to log in");
    for role in [Role::Owner, Role::Agency] {
        let b = clone_app(&app);
        b.signed_in(role, &format!("other-{role:?}@example.com").to_lowercase())
            .await;
        let (s, page) = b.get_text("/regulate/signals").await;
        assert_eq!(s, 403, "{role:?}");
        assert!(!page.contains("攀枝花市高价造价咨询有限公司"));
    }
}

#[actix_web::test]
async fn settings_move_the_thresholds() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let admin_id = app.create_user(Role::Admin, "root@example.com").await;
    let set = |k: &str, v: i64| {
        zhongjie::accounts::store::settings::set(&mut app.conn(), k, v, admin_id).unwrap();
    };
    set("signal_price_over_median_pct", 200);
    set("signal_owner_repeat", 3);
    let (_, page) = m.reg1.get_text("/regulate/signals").await;
    assert!(!page.contains("193%"));
    assert!(!page.contains("合同因业主未签订"));
    set("signal_price_over_median_pct", 150);
    set("signal_min_awards", 5);
    let (_, page) = m.reg1.get_text("/regulate/signals").await;
    assert!(!page.contains("193%"), "only four awards to compare");
}

#[actix_web::test]
async fn the_published_range_is_shown_beside_opened_quotes_only() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let (s, page) = app.get_text(&format!("/announcements/{}", m.opened)).await;
    assert_eq!(s, 200);
    assert!(page.contains("公示收费区间"));
    assert!(page.contains("¥1,000.00 – ¥2,000.00"));
    assert_eq!(page.matches("超出公示区间").count(), 2);
    // Before the opening nothing of the quotes shows, not even whether one is outside.
    for viewer in [&app, &m.reg1] {
        let (s, page) = viewer.get_text(&format!("/announcements/{}", m.open)).await;
        assert_eq!(s, 200);
        assert!(!page.contains("超出公示区间") && !page.contains("公示收费区间"));
        assert!(!page.contains("¥9,000.00"));
    }
    // Nor on the signals page.
    let (_, sig) = m.reg1.get_text("/regulate/signals").await;
    assert!(!sig.contains(&format!("/announcements/{}#result", m.open)));
}
