//! The rehearsal clock of a demo/training database (`/admin/clock`, the 演示环境 banner) and
//! the escalation of overdue certificate reviews. A demo database is flagged at creation the
//! way `zhongjie demo` flags it (`zhongjie::accounts::steps::flag_demo_at_creation` on a database
//! without accounts); everything after that goes through the running server and its jobs.

use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::{
    announcement_results, announcements, audit_log, contracts, outbox, platform_clock,
    review_escalations, users,
};

use crate::accounts::auth::clone_app;
use crate::fixtures::{AgencyBuilder, ItemBuilder, ProjectBuilder, department};
use crate::helpers::*;

/// A fresh database flagged as a demo database, as `zhongjie demo` does before its first
/// account.
pub async fn demo_app() -> TestApp {
    let app = spawn_app().await;
    let flagged = zhongjie::accounts::steps::flag_demo_at_creation(&mut app.conn()).unwrap();
    assert!(
        flagged,
        "a new database without accounts becomes a demo database"
    );
    app
}

fn offset(app: &TestApp) -> (bool, i64) {
    platform_clock::table
        .find(1)
        .select((platform_clock::demo, platform_clock::offset_seconds))
        .first(&mut *app.conn())
        .unwrap()
}

fn moves_audited(app: &TestApp) -> Vec<Option<i64>> {
    audit_log::table
        .filter(audit_log::action.eq("platform.clock_move"))
        .order(audit_log::seq)
        .select(audit_log::actor_id)
        .load(&mut *app.conn())
        .unwrap()
}

/// The offset the clock page shows (its hidden `seen` field).
async fn seen(admin: &TestApp) -> String {
    let (s, body) = admin.get_text("/admin/clock").await;
    assert_eq!(s, 200, "{body}");
    let marker = "name=\"seen\" value=\"";
    let i = body.find(marker).expect("seen field") + marker.len();
    body[i..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect()
}

/// Moves the clock through the page as `admin`; returns the response.
pub async fn move_clock(admin: &TestApp, amount: &str, unit: &str) -> reqwest::Response {
    let seen = seen(admin).await;
    admin
        .post(
            "/admin/clock",
            &[("amount", amount), ("unit", unit), ("seen", &seen)],
        )
        .await
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Waits up to ten seconds for `f` (the background jobs poll every 100 ms).
async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..100 {
        if f() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("never happened: {what}");
}

#[actix_web::test]
async fn a_production_database_has_no_clock_and_never_becomes_a_demo_one() {
    let app = spawn_app().await;
    let admin_id = app.signed_in(Role::Admin, "admin@example.com").await;
    let (s, _) = app.get_text("/admin/clock").await;
    assert_eq!(s, 404, "no clock page on a production database");
    let r = app
        .post(
            "/admin/clock",
            &[("amount", "3"), ("unit", "working_days"), ("seen", "0")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 404, "the move is refused");
    assert_eq!(offset(&app), (false, 0), "nothing changed");
    assert!(moves_audited(&app).is_empty());
    let (_, home) = app.get_text("/").await;
    assert!(!home.contains("rehearsal-banner") && !home.contains("演示环境"));
    assert!(!home.contains("href=\"/admin/clock\""), "no link to it");
    // A database with accounts is never flagged afterwards: not by the demo loader…
    assert!(!zhongjie::accounts::steps::flag_demo_at_creation(&mut app.conn()).unwrap());
    assert_eq!(offset(&app), (false, 0));
    // …and not by hand either: the database refuses.
    let flag = diesel::update(platform_clock::table.find(1))
        .set(platform_clock::demo.eq(true))
        .execute(&mut *app.conn());
    assert!(
        flag.is_err(),
        "a database with accounts cannot become a demo one"
    );
    let moved = diesel::update(platform_clock::table.find(1))
        .set(platform_clock::offset_seconds.eq(3600i64))
        .execute(&mut *app.conn());
    assert!(moved.is_err(), "a production clock cannot move");
    let _ = admin_id;
}

#[actix_web::test]
async fn the_admin_moves_a_demo_database_clock_forward_and_every_page_says_demo() {
    let app = demo_app().await;
    let admin_id = app.signed_in(Role::Admin, "admin@example.com").await;
    let owner = clone_app(&app);
    owner.signed_in(Role::Owner, "owner@example.com").await;
    let visitor = clone_app(&app);

    // The banner on every page, in both languages, error pages included.
    let (_, home) = visitor.get_text("/").await;
    assert!(home.contains("rehearsal-banner") && home.contains("演示环境"));
    let (_, en) = visitor.get_text("/catalogue?lang=en").await;
    assert!(en.contains("rehearsal-banner") && en.contains("Demo environment"));
    let (s, missing) = visitor.get_text("/no-such-page?lang=zh-CN").await;
    assert_eq!(s, 404);
    assert!(missing.contains("rehearsal-banner"), "error pages too");
    let (_, admin_home) = app.get_text("/my").await;
    assert!(
        admin_home.contains("href=\"/admin/clock\""),
        "the admin is shown the way"
    );

    // Only the admin.
    let r = visitor.get("/admin/clock").await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(location(&r).starts_with("/login"));
    let (s, _) = owner.get_text("/admin/clock").await;
    assert_eq!(s, 403);
    let r = owner
        .post(
            "/admin/clock",
            &[("amount", "1"), ("unit", "hours"), ("seen", "0")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);

    // Bad input: a message beside the field, nothing moved.
    for (amount, unit, message) in [
        ("0", "hours", "请填写 1 以上的整数"),
        ("-2", "working_days", "请填写 1 以上的整数"),
        ("1.5", "hours", "请填写 1 以上的整数"),
        ("721", "hours", "一次最多拨动 720 小时"),
        ("251", "working_days", "一次最多拨动 250 个工作日"),
        ("2", "days", "请选择按小时或按工作日拨动"),
    ] {
        let r = app
            .post(
                "/admin/clock",
                &[("amount", amount), ("unit", unit), ("seen", "0")],
            )
            .await;
        assert_eq!(r.status().as_u16(), 422, "{amount} {unit}");
        let body = r.text().await.unwrap();
        assert!(body.contains(message), "{amount} {unit}: {message}");
        assert!(body.contains("field-error"), "beside the field");
    }
    assert_eq!(offset(&app), (true, 0), "nothing moved yet");

    // Two hours forward: the database, this instance's clock and "now" move together.
    let before = zhongjie::db::now();
    let r = move_clock(&app, "2", "hours").await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), "/admin/clock");
    assert_eq!(offset(&app), (true, 7200));
    assert_eq!(app.pool.clock().offset_seconds(), 7200);
    let after = {
        let _c = app.conn();
        zhongjie::db::now()
    };
    assert!(after - before >= chrono::Duration::seconds(7200));
    assert!(after - before < chrono::Duration::seconds(7260));
    assert_eq!(moves_audited(&app), vec![Some(admin_id)]);
    let (_, page) = app.get_text("/admin/clock").await;
    assert!(page.contains("平台时钟已拨快 2 小时"), "{page}");

    // Three working days: the same time of day, three working days on; nobody signed out.
    let cal =
        zhongjie::accounts::store::calendar::load_from(&mut app.conn(), zhongjie::db::today())
            .unwrap();
    let from = zhongjie::db::today();
    let r = move_clock(&app, "3", "working_days").await;
    assert_eq!(r.status().as_u16(), 303);
    let to = cal.add_working_days(from, 3);
    assert_eq!(
        offset(&app).1,
        7200 + (to - from).num_days() * 86_400,
        "{from} + 3 working days = {to}"
    );
    assert_eq!(zhongjie::db::today(), to);
    let (s, _) = app.get_text("/admin/clock").await;
    assert_eq!(s, 200, "the admin is still signed in");
    let (s, my) = owner.get_text("/my").await;
    assert_eq!(s, 200);
    assert!(
        my.contains("owner@example.com") || my.contains("测试单位"),
        "still signed in"
    );

    // A move from a stale page changes nothing.
    let r = app
        .post(
            "/admin/clock",
            &[("amount", "1"), ("unit", "hours"), ("seen", "7200")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = app.get_text("/admin/clock").await;
    assert!(page.contains("刚刚已被其他管理员拨动"), "told why");
    assert_eq!(moves_audited(&app).len(), 2);

    // The clock never goes back, not even by hand.
    let back = diesel::update(platform_clock::table.find(1))
        .set(platform_clock::offset_seconds.eq(0i64))
        .execute(&mut *app.conn());
    assert!(back.is_err());
    let unflag = diesel::update(platform_clock::table.find(1))
        .set(platform_clock::demo.eq(false))
        .execute(&mut *app.conn());
    assert!(unflag.is_err(), "a demo database stays one");
}

/// Another instance on the same database sees the move (its reading is re-read per request).
#[actix_web::test]
async fn a_sibling_instance_follows_the_moved_clock() {
    let app = demo_app().await;
    app.signed_in(Role::Admin, "admin@example.com").await;
    let sibling = spawn_sibling(&app, None).await;
    let r = move_clock(&app, "5", "hours").await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = sibling.get_text("/").await;
    assert!(page.contains("平台时钟已拨快 5 小时"), "{page}");
    assert_eq!(sibling.pool.clock().offset_seconds(), 5 * 3600);
}

/// The jobs run on the platform clock: an announcement opens at its deadline, the winner's
/// contract is reminded the day before its sign-by day and lapses after it — each only once
/// the clock has been moved past the day.
#[actix_web::test]
async fn the_jobs_fire_when_the_clock_passes_their_day() {
    let app = demo_app().await;
    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;
    zhongjie::demo::contracts::load(&mut app.conn()).unwrap();
    let dept = department(&app, "sthjj", "攀枝花市生态环境局", "Ecology");
    let item = ItemBuilder::new("STHJ-001", "建设项目环境影响报告书编制")
        .keywords("环评")
        .approval("建设项目环境影响评价文件审批")
        .legal_basis("《中华人民共和国环境影响评价法》")
        .time_limit(30)
        .insert(&app, dept);
    let owner = clone_app(&app);
    let owner_id = owner.signed_in(Role::Owner, "owner@example.com").await;
    let project = ProjectBuilder::new(
        owner_id,
        "钒钛新材料产业园污水处理厂",
        "2026-510400-77-01-000456",
    )
    .fiscal(true)
    .insert(&app);
    let mut bidders = Vec::new();
    for (i, name) in [
        "四川蓝天环境咨询有限公司",
        "攀枝花清源环保科技有限公司",
        "成都绿源环境工程有限公司",
    ]
    .iter()
    .enumerate()
    {
        let email = format!("a{i}@example.com");
        bidders.push(
            AgencyBuilder::new(&email)
                .name(name)
                .items(&[item])
                .signed_in(&app)
                .await,
        );
    }

    // Published with the deadline three working days ahead, 09:00 China time.
    let today = {
        let _c = app.conn();
        zhongjie::db::today()
    };
    let cal = zhongjie::accounts::store::calendar::load_from(&mut app.conn(), today).unwrap();
    let deadline = cal.add_working_days(today, 3);
    let draft = [
        ("item_id", item.to_string()),
        (
            "scope",
            "编制建设项目环境影响报告书并配合完成技术评估和审批。".to_string(),
        ),
        ("time_limit_days", "20".into()),
        ("cap", "200000".into()),
        ("mode", "lowest_price".into()),
        ("deadline_date", deadline.format("%Y-%m-%d").to_string()),
        ("deadline_time", "09:00".into()),
        ("min_grade", String::new()),
        ("weight_price", String::new()),
        ("weight_credit", String::new()),
        ("weight_qual", String::new()),
        ("complaint_phone", "0812-3336001".into()),
        ("witness", String::new()),
        ("avoided", String::new()),
    ];
    let form: Vec<(&str, &str)> = draft.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = owner
        .post(
            &format!("/owner/projects/{project}/announcements/new"),
            &form,
        )
        .await;
    assert_eq!(
        r.status().as_u16(),
        303,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let id: i64 = announcements::table
        .select(announcements::id)
        .order(announcements::id.desc())
        .first(&mut *app.conn())
        .unwrap();
    let r = owner
        .post(&format!("/owner/announcements/{id}/publish"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    // The clock page says what falls due next.
    let (_, page) = admin.get_text("/admin/clock").await;
    assert!(
        page.contains("报价截止") && page.contains(&format!("href=\"/announcements/{id}\"")),
        "the quote deadline is listed:\n{page}"
    );
    // A working day later the agencies quote: their quotes are received on the platform's
    // time (the deadline clock), not the real one.
    assert_eq!(
        move_clock(&admin, "1", "working_days")
            .await
            .status()
            .as_u16(),
        303
    );
    let real = chrono::Utc::now().naive_utc();
    for ((_, b), amount) in bidders.iter().zip(["150000", "160000", "170000"]) {
        let r = b.post(&format!("/announcements/{id}/register"), &[]).await;
        assert!(r.status().as_u16() < 400, "registered: {}", r.status());
        let r = b
            .post(
                &format!("/announcements/{id}/quote"),
                &[("amount", amount), ("note", "")],
            )
            .await;
        assert!(r.status().as_u16() < 400, "quoted: {}", r.status());
    }
    let status = |app: &TestApp| -> String {
        announcements::table
            .find(id)
            .select(announcements::status)
            .first(&mut *app.conn())
            .unwrap()
    };
    let received: Vec<chrono::NaiveDateTime> = zhongjie::db::schema::quotes::table
        .filter(zhongjie::db::schema::quotes::announcement_id.eq(id))
        .select(zhongjie::db::schema::quotes::submitted_at)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(received.len(), 3);
    assert!(
        received
            .iter()
            .all(|t| *t > real + chrono::Duration::hours(20)),
        "received at the platform's time: {received:?}"
    );
    // Two working days after publication: not yet.
    assert_eq!(
        move_clock(&admin, "1", "working_days")
            .await
            .status()
            .as_u16(),
        303
    );
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(status(&app), "published", "the deadline has not come");
    // Two more: past the deadline, the job opens it (nobody visits the page).
    assert_eq!(
        move_clock(&admin, "2", "working_days")
            .await
            .status()
            .as_u16(),
        303
    );
    eventually("opened at the deadline", || status(&app) == "publicity").await;
    let (opened_at, winner, publicity_ends): (
        chrono::NaiveDateTime,
        Option<i64>,
        Option<chrono::NaiveDate>,
    ) = announcement_results::table
        .find(id)
        .select((
            announcement_results::opened_at,
            announcement_results::winner_id,
            announcement_results::publicity_ends,
        ))
        .first(&mut *app.conn())
        .unwrap();
    assert!(
        zhongjie::domain::workdays::china_date(opened_at.and_utc()) > deadline,
        "opened on the platform's day, after the deadline"
    );
    assert_eq!(winner, Some(bidders[0].0), "the lowest quote");

    // Publicity runs three working days; then the winner confirms and the contract is drafted.
    let (_, winner_app) = &bidders[0];
    winner_app
        .post(&format!("/announcements/{id}/confirm"), &[])
        .await;
    assert_eq!(status(&app), "publicity", "not during publicity");
    let publicity_ends = publicity_ends.unwrap();
    let today = {
        let _c = app.conn();
        zhongjie::db::today()
    };
    let steps = cal.working_days_between(today, publicity_ends) + 1;
    assert_eq!(
        move_clock(&admin, &steps.to_string(), "working_days")
            .await
            .status()
            .as_u16(),
        303
    );
    let r = winner_app
        .post(&format!("/announcements/{id}/confirm"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(status(&app), "awarded");
    let (contract, sign_by): (i64, chrono::NaiveDate) = contracts::table
        .filter(contracts::announcement_id.eq(id))
        .select((contracts::id, contracts::sign_by))
        .first(&mut *app.conn())
        .unwrap();
    let reminders = |app: &TestApp| -> i64 {
        outbox::table
            .filter(outbox::subject.like(format!("%合同 {contract} 即将到签订截止日%")))
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    let contract_status = |app: &TestApp| -> String {
        contracts::table
            .find(contract)
            .select(contracts::status)
            .first(&mut *app.conn())
            .unwrap()
    };
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(reminders(&app), 0, "not reminded days ahead");
    // To the working day before the sign-by day: both parties are reminded, once.
    let today = {
        let _c = app.conn();
        zhongjie::db::today()
    };
    let steps = cal.working_days_between(today, sign_by) - 1;
    assert!(steps >= 1);
    assert_eq!(
        move_clock(&admin, &steps.to_string(), "working_days")
            .await
            .status()
            .as_u16(),
        303
    );
    eventually("reminded before the sign-by day", || reminders(&app) == 2).await;
    assert_eq!(contract_status(&app), "draft");
    // Past the sign-by day: the contract lapses.
    assert_eq!(
        move_clock(&admin, "2", "working_days")
            .await
            .status()
            .as_u16(),
        303
    );
    eventually("lapsed after the sign-by day", || {
        contract_status(&app) == "lapsed"
    })
    .await;
    assert_eq!(reminders(&app), 2, "reminded once");
}

/// A certificate review past its due day is mailed once to the reviewing department's
/// regulators (not to other departments') and listed for the administrator.
#[actix_web::test]
async fn an_overdue_review_is_escalated_once_to_the_departments_reviewers() {
    let app = demo_app().await;
    let dept = crate::fixtures::department(
        &app,
        "zrzyj",
        "攀枝花市自然资源和规划局",
        "Natural Resources Bureau",
    );
    let r1 = app.create_user(Role::Regulator, "r1@example.com").await;
    let r2 = app.create_user(Role::Regulator, "r2@example.com").await;
    let other = app.create_user(Role::Regulator, "r3@example.com").await;
    let elsewhere = crate::fixtures::department(&app, "sthjj", "攀枝花市生态环境局", "Ecology");
    diesel::update(users::table.find(other))
        .set(users::department_id.eq(Some(elsewhere)))
        .execute(&mut *app.conn())
        .unwrap();
    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;
    let (agency, _) = {
        let id = app.create_user(Role::Agency, "agency@example.com").await;
        (id, ())
    };
    let today = {
        let _c = app.conn();
        zhongjie::db::today()
    };
    let cal = zhongjie::accounts::store::calendar::load_from(&mut app.conn(), today).unwrap();
    let due = zhongjie::domain::agency_rules::review_due(today, 2, &cal);
    let cert = zhongjie::library::store::agency::add_certificate(
        &mut app.conn(),
        &zhongjie::library::store::agency::NewCertificate {
            agency_id: agency,
            qual_type: "surveying_mapping".into(),
            level: 2,
            number: "乙测资字51500999".into(),
            issuer: "四川省自然资源厅".into(),
            valid_from: today - chrono::Duration::days(30),
            valid_to: today + chrono::Duration::days(900),
            upload_id: None,
            review_due: due,
        },
    )
    .unwrap();
    let mails = |app: &TestApp| -> Vec<String> {
        outbox::table
            .filter(outbox::subject.like("%资质审核已超期%"))
            .order(outbox::to_addr)
            .select(outbox::to_addr)
            .load(&mut *app.conn())
            .unwrap()
    };
    let (s, list) = admin.get_text("/admin/reviews/overdue").await;
    assert_eq!(s, 200);
    assert!(!list.contains("乙测资字51500999"), "not overdue yet");
    assert!(
        list.contains("href=\"/admin/reviews/overdue\""),
        "in the admin's navigation"
    );

    // On the due day itself: still not overdue.
    let steps = cal.working_days_between(today, due);
    if steps > 0 {
        assert_eq!(
            move_clock(&admin, &steps.to_string(), "working_days")
                .await
                .status()
                .as_u16(),
            303
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(mails(&app).is_empty(), "due today is not overdue");
    // The next working day: escalated to both reviewers of the department, once.
    assert_eq!(
        move_clock(&admin, "1", "working_days")
            .await
            .status()
            .as_u16(),
        303
    );
    eventually("escalated", || mails(&app).len() == 2).await;
    assert_eq!(mails(&app), vec!["r1@example.com", "r2@example.com"]);
    let (recipients, dept_of): (i32, i64) = review_escalations::table
        .find(cert)
        .select((
            review_escalations::recipients,
            review_escalations::department_id,
        ))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((recipients, dept_of), (2, dept));
    let body: String = outbox::table
        .filter(outbox::to_addr.eq("r1@example.com"))
        .filter(outbox::subject.like("%资质审核已超期%"))
        .select(outbox::body)
        .first(&mut *app.conn())
        .unwrap();
    assert!(
        body.contains("乙测资字51500999") && body.contains(&format!("/review/certificates/{cert}"))
    );
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("certificate.review_escalated"))
        .filter(audit_log::object_id.eq(cert.to_string()))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(audited, 1);
    let (_, list) = admin.get_text("/admin/reviews/overdue").await;
    assert!(list.contains("乙测资字51500999"));
    assert!(list.contains("已通知 2 名审核人员"), "{list}");
    // Another day: nothing is sent again.
    assert_eq!(
        move_clock(&admin, "1", "working_days")
            .await
            .status()
            .as_u16(),
        303
    );
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(mails(&app).len(), 2, "once");
    // Only administrators see the list.
    let reg = clone_app(&app);
    reg.login("r1@example.com", PASSWORD).await;
    let (s, _) = reg.get_text("/admin/reviews/overdue").await;
    assert_eq!(s, 403);
    let _ = (r1, r2);
}

// ------------------------------------------------------------------ the walk in a browser

/// One browser for every role: each signs in once through the login page, and the walk
/// switches between them by their session cookie (the clock carries sessions along).
struct Walk<'a> {
    d: crate::platform::webdriver::Driver,
    app: &'a TestApp,
    sessions: Vec<(String, String)>,
}

impl Walk<'_> {
    async fn exec(&self, script: &str, args: serde_json::Value) -> serde_json::Value {
        self.d
            .cmd(
                reqwest::Method::POST,
                "/execute/sync",
                serde_json::json!({"script": script, "args": args}),
            )
            .await["value"]
            .clone()
    }

    async fn go(&self, path: &str) -> String {
        self.d.goto(&self.app.url(path)).await;
        self.d.source().await
    }

    async fn sign_in(&mut self, email: &str) {
        self.d
            .login(&self.app.address, email, zhongjie::demo::DEMO_PASSWORD)
            .await;
        let v = self
            .d
            .cmd(
                reqwest::Method::GET,
                "/cookie/zj_session",
                serde_json::Value::Null,
            )
            .await;
        let cookie = v["value"]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("session cookie of {email}: {v}"))
            .to_string();
        self.sessions.push((email.to_string(), cookie));
    }

    /// Continues as `email` (signed in before).
    async fn as_user(&self, email: &str) {
        let cookie = &self
            .sessions
            .iter()
            .find(|(e, _)| e == email)
            .unwrap_or_else(|| panic!("{email} never signed in"))
            .1;
        self.d.clear_cookies().await;
        self.d
            .cmd(
                reqwest::Method::POST,
                "/cookie",
                serde_json::json!({"cookie": {"name": "zj_session", "value": cookie, "path": "/"}}),
            )
            .await;
    }

    /// Clicks a submit button, says yes to its confirmation question if it asks one, and
    /// waits for the page the POST leads to; returns that page.
    async fn submit(&self, css: &str) -> String {
        self.exec("window.__zjBefore = true;", serde_json::json!([]))
            .await;
        self.d.click(css).await;
        // A confirmation dialog (`data-confirm`) is open now, or there is none (ignored).
        self.d
            .cmd(
                reqwest::Method::POST,
                "/alert/accept",
                serde_json::json!({}),
            )
            .await;
        for _ in 0..200 {
            let done = self
                .exec(
                    "return window.__zjBefore === undefined && document.readyState === 'complete';",
                    serde_json::json!([]),
                )
                .await;
            if done == serde_json::Value::Bool(true) {
                return self.d.source().await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{css}: no page after submitting");
    }

    /// Moves the platform clock on the clock page, as the administrator.
    async fn move_clock(&self, working_days: i64) {
        self.as_user(ADMIN).await;
        self.go("/admin/clock").await;
        self.d
            .type_into("input[name=amount]", &working_days.to_string())
            .await;
        self.d.set_value("select[name=unit]", "working_days").await;
        let page = self
            .submit("form[action='/admin/clock'] button[type=submit]")
            .await;
        assert!(page.contains("平台时钟已向前拨动"), "moved:\n{page}");
    }

    fn today(&self) -> chrono::NaiveDate {
        let _c = self.app.conn();
        zhongjie::db::today()
    }
}

const ADMIN: &str = "admin@demo.zhongjie.cn";
const OWNER: &str = "owner@demo.zhongjie.cn";

/// A retained item the demo's agencies may all take part in (no qualification required, paid
/// by the enterprise, market-priced, with a published model contract text for its industry),
/// chosen from the database as a trainer would pick it from the catalogue.
fn walk_item(app: &TestApp) -> (i64, i32) {
    use zhongjie::db::schema::{
        agency_items, catalogue_items as ci, model_text_versions, model_texts, users,
    };
    let industries: Vec<String> = model_texts::table
        .inner_join(model_text_versions::table)
        .filter(model_text_versions::status.eq("published"))
        .select(model_texts::industry)
        .load(&mut *app.conn())
        .unwrap();
    let demo_agencies: Vec<i64> = users::table
        .filter(users::role.eq("agency"))
        .filter(users::email.like("%@demo.zhongjie.cn"))
        .select(users::id)
        .load(&mut *app.conn())
        .unwrap();
    let items: Vec<(i64, i32)> = ci::table
        .filter(ci::status.eq("retained"))
        .filter(ci::payer.eq("enterprise"))
        .filter(ci::pricing.eq("market"))
        .filter(ci::industry.eq_any(industries))
        .order(ci::id)
        .select((ci::id, ci::time_limit_days))
        .load(&mut *app.conn())
        .unwrap();
    // The item most of the demo's agencies offer (only an agency that offers an item
    // may take part in its selections).
    items
        .into_iter()
        .max_by_key(|(id, _)| {
            let n: i64 = agency_items::table
                .filter(agency_items::item_id.eq(id))
                .filter(agency_items::agency_id.eq_any(&demo_agencies))
                .count()
                .get_result(&mut *app.conn())
                .unwrap();
            (n, -id)
        })
        .expect("a demo item every agency may take part in")
}

/// The five modes with the quotes each takes (none for direct selection and the random draw).
const MODES: [(&str, &[&str]); 5] = [
    ("direct", &[]),
    ("random_draw", &[]),
    ("lowest_price", &["91000", "93500", "96000"]),
    ("reasonable_price", &["92000", "94000", "95500"]),
    ("weighted_scoring", &["90500", "92500", "94000"]),
];

/// One announcement of each selection mode walked from publication to a rated contract by
/// the administrator (the clock page only), the owner and the agencies, in a real browser on
/// one demo load. Every step is a page and a button; the database is read only to know
/// which item to pick and who won.
#[actix_web::test]
async fn each_mode_walks_from_publication_to_rating_on_the_clock_page_in_a_browser() {
    if std::env::var("ZJ_BROWSER_TEST")
        .map(|v| v != "1")
        .unwrap_or(true)
    {
        eprintln!("browser test skipped (set ZJ_BROWSER_TEST=1)");
        return;
    }
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || zhongjie::demo::load(&mut pool.get().unwrap(), &cfg))
        .await
        .unwrap()
        .unwrap();
    assert!(offset(&app).0, "the demo created a demo database");
    let mut w = Walk {
        d: crate::platform::webdriver::Driver::start().await,
        app: &app,
        sessions: Vec::new(),
    };
    // Every agency account of the demo (all share the demo password).
    let agencies: Vec<String> = users::table
        .filter(users::role.eq("agency"))
        .filter(users::email.like("%@demo.zhongjie.cn"))
        .order(users::id)
        .select(users::email)
        .load(&mut *app.conn())
        .unwrap();
    for email in [ADMIN, OWNER] {
        w.sign_in(email).await;
    }
    let (item, statutory) = walk_item(&app);
    // 提速 20%: the service time limit at most 80% of the statutory one.
    let time_limit = (statutory * 4 / 5).max(1).to_string();

    // The banner and the way to the clock.
    w.as_user(ADMIN).await;
    let my = w.go("/my").await;
    assert!(my.contains("rehearsal-banner") && my.contains("href=\"/admin/clock\""));

    // The owner's project (no fiscal funds, so direct selection is allowed too).
    w.as_user(OWNER).await;
    w.go("/owner/projects/new").await;
    w.d.type_into("input[name=name]", "攀枝花钒钛高新区培训演练项目")
        .await;
    w.d.type_into("input[name=code]", "2026-510402-48-01-990001")
        .await;
    w.exec(
        "const s = document.querySelector('select[name=region]'); \
         s.value = [...s.options].map(o => o.value).find(v => v !== ''); ",
        serde_json::json!([]),
    )
    .await;
    w.d.set_value("select[name=fiscal_funds]", "no").await;
    w.d.type_into("input[name=total_investment]", "12000000")
        .await;
    w.submit("form[action='/owner/projects/new'] button[type=submit]")
        .await;
    let url = w.d.url().await;
    let project: i64 = url
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("project page: {url}"));

    // Five announcements published, the quote deadline three working days ahead.
    let cal = zhongjie::accounts::store::calendar::load_from(&mut app.conn(), w.today()).unwrap();
    let deadline = cal.add_working_days(w.today(), 3);
    let mut ids = Vec::new();
    for (mode, _) in MODES {
        w.go(&format!("/owner/projects/{project}/announcements/new"))
            .await;
        w.d.set_value("select[name=item_id]", &item.to_string())
            .await;
        w.d.set_value("select[name=mode]", mode).await;
        w.d.type_into(
            "textarea[name=scope]",
            "编制本项目专项技术文件，参加专家评审会并按评审意见修改完善，直至取得审批部门批复。",
        )
        .await;
        w.d.type_into("input[name=time_limit_days]", &time_limit)
            .await;
        w.d.type_into("input[name=cap]", "100000").await;
        w.d.set_value(
            "input[name=deadline_date]",
            &deadline.format("%Y-%m-%d").to_string(),
        )
        .await;
        w.d.set_value("input[name=deadline_time]", "09:00").await;
        if mode == "weighted_scoring" {
            w.d.type_into("input[name=weight_price]", "50").await;
            w.d.type_into("input[name=weight_credit]", "30").await;
            w.d.type_into("input[name=weight_qual]", "20").await;
        }
        w.d.type_into("input[name=complaint_phone]", "0812-3336001")
            .await;
        let page = w.submit("form.form-wide button[type=submit]").await;
        let url = w.d.url().await;
        let id: i64 = url
            .rsplit('/')
            .next()
            .and_then(|s| s.split('?').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{mode}: draft saved at {url}\n{page}"));
        let page = w
            .submit(&format!(
                "form[action='/owner/announcements/{id}/publish'] button[type=submit]"
            ))
            .await;
        assert_eq!(
            status_of(&app, id),
            "published",
            "{mode} published:\n{page}"
        );
        ids.push(id);
    }

    // The agencies that may take part (the eligibility rules, as registration applies them).
    let first = zhongjie::selection::store::announcement::find(&mut app.conn(), ids[0])
        .unwrap()
        .unwrap();
    let mut bidders: Vec<(&str, i64)> = Vec::new();
    let mut refused = Vec::new();
    for email in &agencies {
        let id: i64 = users::table
            .filter(users::email.eq(email))
            .select(users::id)
            .first(&mut *app.conn())
            .unwrap();
        match zhongjie::selection::store::bidding::eligibility(
            &mut app.conn(),
            &first,
            id,
            deadline,
        )
        .unwrap()
        {
            Ok(_) => bidders.push((email.as_str(), id)),
            Err(why) => refused.push(format!("{email}: {why:?}")),
        }
    }
    assert!(
        bidders.len() >= 3,
        "three demo agencies may take part in item {item}: {bidders:?}, refused: {refused:?}"
    );
    bidders.truncate(3);
    for (email, _) in &bidders {
        w.sign_in(email).await;
    }

    // Each registers for every announcement and quotes where the mode takes quotes.
    for (i, (email, _)) in bidders.iter().enumerate() {
        w.as_user(email).await;
        for (id, (mode, amounts)) in ids.iter().zip(MODES) {
            w.go(&format!("/announcements/{id}/bid")).await;
            let page = w
                .submit(&format!(
                    "form[action='/announcements/{id}/register'] button"
                ))
                .await;
            assert!(
                page.contains("已报名"),
                "{email} {mode} registered:\n{page}"
            );
            // The registration lands back on the same page, now with the quote form.
            if let Some(amount) = amounts.get(i) {
                w.d.type_into("input[name=amount]", amount).await;
                let page = w
                    .submit(&format!(
                        "form[action='/announcements/{id}/quote'] button[type=submit]"
                    ))
                    .await;
                assert!(
                    page.contains("commitment"),
                    "{email} {mode} quoted:\n{page}"
                );
            }
        }
    }

    // The clock past the deadline: every announcement opens by itself.
    let steps = cal.working_days_between(w.today(), deadline) + 1;
    w.move_clock(steps).await;
    for (id, (mode, _)) in ids.iter().zip(MODES) {
        let want = if mode == "direct" {
            "choosing"
        } else {
            "publicity"
        };
        eventually(&format!("{mode} opened"), || status_of(&app, *id) == want).await;
    }
    // Direct selection: the owner chooses on the announcement page.
    w.as_user(OWNER).await;
    w.go(&format!("/announcements/{}", ids[0])).await;
    w.d.click(&format!(
        "form[action='/owner/announcements/{}/choose'] input[value='{}']",
        ids[0], bidders[1].1
    ))
    .await;
    w.submit(&format!(
        "form[action='/owner/announcements/{}/choose'] button",
        ids[0]
    ))
    .await;
    assert_eq!(status_of(&app, ids[0]), "publicity");

    // The result publicity runs three working days; then each winner confirms.
    let ends: Vec<chrono::NaiveDate> = ids
        .iter()
        .map(|id| {
            announcement_results::table
                .find(id)
                .select(announcement_results::publicity_ends)
                .first::<Option<chrono::NaiveDate>>(&mut *app.conn())
                .unwrap()
                .unwrap()
        })
        .collect();
    let last = ends.iter().max().copied().unwrap();
    w.move_clock(cal.working_days_between(w.today(), last) + 1)
        .await;
    let mut contracts_of = Vec::new();
    for (id, (mode, _)) in ids.iter().zip(MODES) {
        let winner: i64 = announcement_results::table
            .find(id)
            .select(announcement_results::winner_id)
            .first::<Option<i64>>(&mut *app.conn())
            .unwrap()
            .unwrap_or_else(|| panic!("{mode}: a winner"));
        let (email, _) = bidders
            .iter()
            .find(|(_, a)| *a == winner)
            .unwrap_or_else(|| panic!("{mode}: the winner is one of ours"));
        w.as_user(email).await;
        let page = w.go(&format!("/announcements/{id}")).await;
        assert!(page.contains("rehearsal-banner"));
        w.submit(&format!(
            "form[action='/announcements/{id}/confirm'] button"
        ))
        .await;
        assert_eq!(status_of(&app, *id), "awarded", "{mode} confirmed");
        let k: i64 = contracts::table
            .filter(contracts::announcement_id.eq(id))
            .select(contracts::id)
            .first(&mut *app.conn())
            .unwrap_or_else(|_| panic!("{mode}: contract drafted on award"));
        contracts_of.push((*id, mode, k, *email));
    }

    // The owner fills each contract in, submits and signs it; the agency signs.
    for (_, mode, k, email) in &contracts_of {
        w.as_user(OWNER).await;
        w.go(&format!("/contracts/{k}")).await;
        w.exec(
            "for (const e of document.querySelectorAll(\"form[action$='/edit'] input:not([type=hidden]), form[action$='/edit'] textarea\")) { \
               if (e.name !== 'supplementary' && e.value.trim() === '') { \
                 e.value = e.name === 'price' ? '90000' : e.name === 'time_limit' ? arguments[0] : '按招标文件和本合同约定执行'; } }",
            serde_json::json!([time_limit]),
        )
        .await;
        let page = w
            .submit(&format!(
                "form[action='/contracts/{k}/edit'] button[type=submit]"
            ))
            .await;
        assert!(
            !page.contains("field-error"),
            "{mode}: contract saved:\n{page}"
        );
        w.submit(&format!("form[action='/contracts/{k}/submit'] button"))
            .await;
        // The owner is on the contract page already (each step lands back on it).
        for who in [OWNER, email] {
            if who != OWNER {
                w.as_user(who).await;
                w.go(&format!("/contracts/{k}")).await;
            }
            w.d.click("form[action$='/sign'] input[name=read]").await;
            let page = w
                .submit(&format!(
                    "form[action='/contracts/{k}/sign'] button[type=submit]"
                ))
                .await;
            assert!(
                !page.contains("field-error"),
                "{mode}: {who} signed:\n{page}"
            );
        }
        let status: String = contracts::table
            .find(k)
            .select(contracts::status)
            .first(&mut *app.conn())
            .unwrap();
        assert_eq!(status, "signed", "{mode}: both signed");
    }

    // A working day later the agencies deliver, the owner accepts and rates.
    w.move_clock(1).await;
    let pdf = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(
        pdf.path(),
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    )
    .unwrap();
    for (_, mode, k, email) in &contracts_of {
        w.as_user(email).await;
        w.go(&format!("/contracts/{k}/fulfilment")).await;
        w.d.type_into("input[name=file]", &pdf.path().display().to_string())
            .await;
        w.d.type_into("textarea[name=note]", "成果文件（送审稿）")
            .await;
        w.submit(&format!(
            "form[action='/contracts/{k}/deliverables'] button"
        ))
        .await;
        w.as_user(OWNER).await;
        w.go(&format!("/contracts/{k}/fulfilment")).await;
        // Accepted, the page it lands on offers the rating.
        w.submit("button[name=decision][value=accept]").await;
        w.exec(
            "for (const s of document.querySelectorAll(\"form[action$='/evaluation'] select\")) { s.value = '5'; }",
            serde_json::json!([]),
        )
        .await;
        w.d.type_into(
            "form[action$='/evaluation'] textarea[name=comment]",
            "按期交付，成果质量好，服务规范。",
        )
        .await;
        let page = w
            .submit(&format!("form[action='/contracts/{k}/evaluation'] button"))
            .await;
        let (status, rated): (String, i64) = (
            contracts::table
                .find(k)
                .select(contracts::status)
                .first(&mut *app.conn())
                .unwrap(),
            zhongjie::db::schema::evaluations::table
                .filter(zhongjie::db::schema::evaluations::contract_id.eq(k))
                .count()
                .get_result(&mut *app.conn())
                .unwrap(),
        );
        assert_eq!(
            (status.as_str(), rated),
            ("accepted", 1),
            "{mode}: accepted and rated:\n{page}"
        );
    }
    // Every step was on the platform clock, which the administrator moved three times.
    assert_eq!(moves_audited(&app).len(), 3);
}

fn status_of(app: &TestApp, id: i64) -> String {
    announcements::table
        .find(id)
        .select(announcements::status)
        .first(&mut *app.conn())
        .unwrap()
}
