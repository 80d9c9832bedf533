//! Blacklist, market bans, alerts, credit repair, /blacklist and /exposure (issue 4), over
//! HTTP as a regulator and agencies would use them.

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use zhongjie::db::schema::{
    agencies, banned_persons, blacklist_entries, credit_alerts, credit_records, credit_repairs,
    market_bans,
};
use zhongjie::domain::idcard;
use zhongjie::domain::workdays::china_date;

use crate::accounts::auth::clone_app;
use crate::fixtures::{AgencyBuilder, ItemBuilder, department, regulator};
use crate::helpers::*;

const ITEM: &str = "ZRZY-001";
const BOUNDARY: &str = "----zjSanctionsBoundary4kT9";

fn today() -> NaiveDate {
    china_date(Utc::now())
}

fn d(x: NaiveDate) -> String {
    x.format("%Y-%m-%d").to_string()
}

/// Two departments, an item approved by the first, and a regulator of each.
struct TwoDepartments {
    d1: i64,
    item: i64,
    reg1: TestApp,
    reg1_email: &'static str,
    reg2: TestApp,
}

async fn two_departments(app: &TestApp) -> TwoDepartments {
    let d1 = department(app, "zrzyj", "攀枝花市自然资源和规划局", "NR");
    let d2 = department(app, "zjj", "攀枝花市住房和城乡建设局", "Housing");
    let item = ItemBuilder::new(ITEM, "地质灾害危险性评估")
        .keywords("地灾")
        .industry("land")
        .approval("建设用地预审")
        .legal_basis("《地质灾害防治条例》")
        .insert(app, d1);
    let (_, reg1) = regulator(app, "reg1@example.com", d1).await;
    let (_, reg2) = regulator(app, "reg2@example.com", d2).await;
    TwoDepartments {
        d1,
        item,
        reg1,
        reg1_email: "reg1@example.com",
        reg2,
    }
}

/// An agency offering the item (so it is in the first department's domain), signed in on a
/// browser of its own.
async fn agency(app: &TestApp, w: &TwoDepartments, email: &str, name: &str) -> (i64, TestApp) {
    AgencyBuilder::new(email)
        .name(name)
        .items(&[w.item])
        .signed_in(app)
        .await
}

fn add_manager(app: &TestApp, agency: i64, name: &str, seed: u64) -> (i64, String) {
    let idn = idcard::generate(seed).as_str().to_string();
    let mut c = app.conn();
    zhongjie::library::store::agency::add_manager(&mut c, agency, name, &idn, "总经理").unwrap();
    let mid = zhongjie::library::store::agency::managers(&mut c, agency)
        .unwrap()
        .last()
        .unwrap()
        .id;
    (mid, idn)
}

fn restrictions(app: &TestApp, agency: i64, day: NaiveDate) -> Vec<String> {
    zhongjie::credit::store::sanctions::restrictions(&mut app.conn(), agency, day)
        .unwrap()
        .iter()
        .map(|r| r.key().to_string())
        .collect()
}

macro_rules! count {
    ($app:expr, $t:expr) => {
        $t.count().get_result::<i64>(&mut *$app.conn()).unwrap()
    };
}

async fn post_text(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = app.post(path, form).await;
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn blacklist(app: &TestApp, agency: i64, from: NaiveDate, to: NaiveDate) -> (u16, String) {
    post_text(
        app,
        &format!("/regulate/agencies/{agency}/blacklist/new"),
        &[
            ("reason", "出具虚假地质灾害评估报告"),
            ("legal_basis", "《四川省社会信用条例》第三十条"),
            ("starts_on", &d(from)),
            ("ends_on", &d(to)),
        ],
    )
    .await
}

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((filename, bytes)) = file {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

async fn apply_repair(
    app: &TestApp,
    listing: i64,
    evidence: &str,
    file: Option<(&str, &[u8])>,
) -> (u16, String) {
    let token = app.csrf().await;
    let r = app
        .client
        .post(app.url(&format!("/agency/credit/repairs/new?listing={listing}")))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(&[("csrf", &token), ("evidence", evidence)], file))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

fn listing_of(app: &TestApp, agency: i64) -> i64 {
    blacklist_entries::table
        .filter(blacklist_entries::agency_id.eq(agency))
        .select(blacklist_entries::id)
        .first(&mut *app.conn())
        .unwrap()
}

#[actix_web::test]
async fn blacklist_and_ban_block_an_agency_and_a_banned_manager_elsewhere() {
    let app = spawn_app().await;
    let w = two_departments(&app).await;
    let (a, a_browser) = agency(&app, &w, "a@example.com", "攀枝花市失信测绘有限公司").await;
    let (b, b_browser) = agency(&app, &w, "b@example.com", "攀枝花市后来咨询有限公司").await;
    let (mid, banned_id) = add_manager(&app, a, "王失信", 4242);
    let (_, page) = app.get_text(&format!("/catalogue/{ITEM}")).await;
    assert!(page.contains("攀枝花市失信测绘有限公司"), "offered before");

    // The regulator finds the agency and sees its actions.
    let (s, page) = w.reg1.get_text("/regulate/agencies?q=失信测绘").await;
    assert_eq!(s, 200);
    assert!(page.contains(&format!("/regulate/agencies/{a}/blacklist/new")));

    // Blacklist for 2 years, starting today.
    let (s, _) = blacklist(&w.reg1, a, today(), today() + Duration::days(730)).await;
    assert_eq!(s, 303);
    let rec: (String, i32, String, Option<i64>) = credit_records::table
        .filter(credit_records::agency_id.eq(a))
        .select((
            credit_records::kind,
            credit_records::points,
            credit_records::source,
            credit_records::department_id,
        ))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(
        rec,
        (
            "blacklisted".into(),
            -10,
            "public_credit".into(),
            Some(w.d1)
        )
    );

    // Ban with its senior manager (the form ticks every current manager).
    let (_, form) = w
        .reg1
        .get_text(&format!("/regulate/agencies/{a}/ban/new"))
        .await;
    assert!(form.contains(&format!("name=\"m_{mid}\"")) && form.contains("checked"));
    assert!(!form.contains(&banned_id), "the form shows the ID masked");
    let m = format!("m_{mid}");
    let (s, _) = post_text(
        &w.reg1,
        &format!("/regulate/agencies/{a}/ban/new"),
        &[
            ("reason", "严重违法违规，情节恶劣"),
            ("legal_basis", "《中介服务管理办法》第二十条"),
            ("starts_on", &d(today())),
            ("ends_on", &d(today() + Duration::days(1000))),
            (&m, "1"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let r = restrictions(&app, a, today());
    assert!(
        r.contains(&"credit.restrict.blacklisted".to_string()),
        "{r:?}"
    );
    assert!(r.contains(&"credit.restrict.banned".to_string()), "{r:?}");
    let sanctioned: bool = agencies::table
        .find(a)
        .select(agencies::sanctioned)
        .first(&mut *app.conn())
        .unwrap();
    assert!(sanctioned);

    // Grade A by points (100 − 10 − …) or not, a sanctioned agency is never on the red list:
    // its report says why, the unsanctioned agency keeps its mark.
    let (_, report) = app.get_text(&format!("/credit/agencies/{a}")).await;
    assert!(
        report.contains("受限") && report.contains("失信名单"),
        "{report}"
    );
    assert!(
        !report.contains("tag-success"),
        "no 守信 mark while sanctioned"
    );
    // (The other agency is commended, so it is rated: an agency without any record is not.)
    {
        let mut n = zhongjie::credit::store::credit::NewRecord::new(
            b,
            zhongjie::domain::credit::Kind::Commendation,
            2,
            zhongjie::domain::credit::Source::Regulator,
        );
        n.evidence = "年度优秀中介机构";
        zhongjie::db::write_tx(&mut app.conn(), |c| {
            zhongjie::credit::store::credit::insert_record(c, &n)
        })
        .unwrap();
    }
    let (_, report_b) = app.get_text(&format!("/credit/agencies/{b}")).await;
    assert!(report_b.contains("tag-success") && !report_b.contains("受限"));

    // Gone from the item's list of offering agencies; the other agency stays.
    let (_, page) = app.get_text(&format!("/catalogue/{ITEM}")).await;
    assert!(!page.contains("攀枝花市失信测绘有限公司"));
    assert!(page.contains("攀枝花市后来咨询有限公司"));
    // Public pages.
    let uscc: String = agencies::table
        .find(a)
        .select(agencies::uscc)
        .first(&mut *app.conn())
        .unwrap();
    let (s, page) = app.get_text("/blacklist").await;
    assert_eq!(s, 200);
    assert!(page.contains("攀枝花市失信测绘有限公司") && page.contains(&uscc));
    assert!(page.contains("《四川省社会信用条例》第三十条"));
    let (_, page) = app.get_text("/exposure").await;
    assert!(page.contains("王失信"));
    assert!(page.contains(&zhongjie::domain::mask::mask_id(&banned_id)));
    // Mail to the agency.
    let mails = app.outbox_bodies();
    assert!(
        mails
            .iter()
            .any(|(to, body)| to == "a@example.com" && body.contains("失信名单"))
    );

    // A second agency adds the banned person as a senior manager: blocked, regulator alerted.
    let (s, _) = post_text(
        &b_browser,
        "/agency/managers/new",
        &[
            ("name", "王失信"),
            ("id_number", &banned_id),
            ("position", "副总经理"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let r = restrictions(&app, b, today());
    assert_eq!(r, vec!["credit.restrict.banned_manager".to_string()]);
    assert_eq!(count!(app, credit_alerts::table), 1);
    let (_, queue) = w.reg1.get_text("/regulate/queue").await;
    assert!(queue.contains("攀枝花市后来咨询有限公司") && queue.contains("王失信"));
    let (_, page) = app.get_text(&format!("/catalogue/{ITEM}")).await;
    assert!(!page.contains("攀枝花市后来咨询有限公司"));
    assert!(
        app.outbox_bodies()
            .iter()
            .any(|(to, body)| to == w.reg1_email && body.contains("王失信"))
    );
    // The other department's queue does not see it.
    let (_, other) = w.reg2.get_text("/regulate/queue").await;
    assert!(!other.contains("攀枝花市后来咨询有限公司"));

    // Resolving needs a note; with one it is audited and leaves the queue.
    let alert: i64 = credit_alerts::table
        .select(credit_alerts::id)
        .first(&mut *app.conn())
        .unwrap();
    let (s, _) = post_text(
        &w.reg2,
        &format!("/regulate/alerts/{alert}/resolve"),
        &[("note", "x")],
    )
    .await;
    assert_eq!(s, 403, "another department cannot resolve it");
    let (s, _) = post_text(
        &w.reg1,
        &format!("/regulate/alerts/{alert}/resolve"),
        &[("note", "")],
    )
    .await;
    assert_eq!(s, 303);
    let (s, _) = post_text(
        &w.reg1,
        &format!("/regulate/alerts/{alert}/resolve"),
        &[("note", "已约谈该机构，责令更换高级管理人员")],
    )
    .await;
    assert_eq!(s, 303);
    let (_, queue) = w.reg1.get_text("/regulate/queue").await;
    assert!(!queue.contains("攀枝花市后来咨询有限公司"));

    // The full ID number appears on no page.
    for (client, path) in [
        (&app, "/blacklist".to_string()),
        (&app, "/exposure".to_string()),
        (&app, format!("/agencies/{a}")),
        (&app, format!("/agencies/{b}")),
        (&w.reg1, format!("/regulate/agencies/{a}")),
        (&w.reg1, format!("/regulate/agencies/{b}")),
        (&w.reg1, "/regulate/queue".to_string()),
        (&a_browser, "/agency/credit".to_string()),
        (&b_browser, "/agency/profile".to_string()),
        (&app, "/exposure?lang=en".to_string()),
    ] {
        let (_, page) = client.get_text(&path).await;
        assert!(
            !page.contains(&banned_id),
            "{path} shows the full ID number"
        );
    }
    // The agency sees its own restrictions.
    let (_, own) = a_browser.get_text("/agency/credit").await;
    assert!(own.contains("出具虚假地质灾害评估报告") && own.contains("严重违法违规"));
    // Audit entries for the listing, the ban and the alert.
    let actions: Vec<String> = zhongjie::db::schema::audit_log::table
        .select(zhongjie::db::schema::audit_log::action)
        .load(&mut *app.conn())
        .unwrap();
    for a in [
        "credit.blacklist.create",
        "credit.ban.create",
        "credit.alert.resolve",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a}");
    }
}

#[actix_web::test]
async fn a_ban_alerts_about_agencies_that_already_employ_the_person() {
    let app = spawn_app().await;
    let w = two_departments(&app).await;
    let (a, _) = agency(&app, &w, "a@example.com", "甲咨询有限公司").await;
    let (b, _) = agency(&app, &w, "b@example.com", "乙咨询有限公司").await;
    let (_, idn) = add_manager(&app, a, "李某", 777);
    let mut c = app.conn();
    zhongjie::library::store::agency::add_manager(&mut c, b, "李某", &idn, "董事").unwrap();
    drop(c);
    // The person is typed in as an extra person rather than ticked.
    let (s, _) = post_text(
        &w.reg1,
        &format!("/regulate/agencies/{a}/ban/new"),
        &[
            ("reason", "违法违规"),
            ("legal_basis", "依据"),
            ("starts_on", &d(today())),
            ("ends_on", &d(today() + Duration::days(365))),
            ("p1_name", "李某"),
            ("p1_id", &idn.to_lowercase()),
        ],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(count!(app, banned_persons::table), 1);
    assert_eq!(
        restrictions(&app, b, today()),
        vec!["credit.restrict.banned_manager"]
    );
    let (_, queue) = w.reg1.get_text("/regulate/queue").await;
    assert!(queue.contains("乙咨询有限公司"));
}

#[actix_web::test]
async fn bad_periods_are_refused_beside_the_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let w = two_departments(&app).await;
    let (a, _) = agency(&app, &w, "a@example.com", "甲咨询有限公司").await;
    let t = today();
    for (from, to, message) in [
        (t, t - Duration::days(1), "结束日期应晚于开始日期"),
        (t, t + Duration::days(3 * 366 + 10), "12 至 36 个月"),
        (t, t + Duration::days(200), "12 至 36 个月"),
        (
            t - Duration::days(200),
            t + Duration::days(400),
            "不能早于今天 30 天以前",
        ),
    ] {
        let (s, page) = blacklist(&w.reg1, a, from, to).await;
        assert_eq!(s, 422, "{from} {to}");
        assert!(page.contains(message), "{message}");
        assert!(page.contains("field-error"));
    }
    let (s, page) = post_text(
        &w.reg1,
        &format!("/regulate/agencies/{a}/blacklist/new"),
        &[
            ("reason", ""),
            ("legal_basis", ""),
            ("starts_on", "2026-02-30"),
            ("ends_on", "x"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("日期格式"));
    // A ban period ending before it starts.
    let (s, page) = post_text(
        &w.reg1,
        &format!("/regulate/agencies/{a}/ban/new"),
        &[
            ("reason", "r"),
            ("legal_basis", "b"),
            ("starts_on", &d(t)),
            ("ends_on", &d(t - Duration::days(3))),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("结束日期应晚于开始日期"));
    assert_eq!(count!(app, blacklist_entries::table), 0);
    assert_eq!(count!(app, market_bans::table), 0);
    assert_eq!(count!(app, credit_records::table), 0);
    assert!(restrictions(&app, a, t).is_empty());
}

#[actix_web::test]
async fn a_bad_id_checksum_is_refused_and_nothing_is_saved() {
    let app = spawn_app().await;
    let w = two_departments(&app).await;
    let (a, _) = agency(&app, &w, "a@example.com", "甲咨询有限公司").await;
    let good = idcard::generate(99).as_str().to_string();
    let last = good.chars().last().unwrap();
    let wrong = if last == '1' { '2' } else { '1' };
    let bad = format!("{}{wrong}", &good[..17]);
    let (s, page) = post_text(
        &w.reg1,
        &format!("/regulate/agencies/{a}/ban/new"),
        &[
            ("reason", "违法违规"),
            ("legal_basis", "依据"),
            ("starts_on", &d(today())),
            ("ends_on", &d(today() + Duration::days(365))),
            ("p1_name", "赵某"),
            ("p1_id", &bad),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("身份证号码校验位不正确"));
    // A name without a number is refused too.
    let (s, _) = post_text(
        &w.reg1,
        &format!("/regulate/agencies/{a}/ban/new"),
        &[
            ("reason", "违法违规"),
            ("legal_basis", "依据"),
            ("starts_on", &d(today())),
            ("ends_on", &d(today() + Duration::days(365))),
            ("p2_name", "赵某"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(count!(app, market_bans::table), 0);
    assert_eq!(count!(app, banned_persons::table), 0);
}

#[actix_web::test]
async fn a_regulator_cannot_act_outside_its_domain() {
    let app = spawn_app().await;
    let w = two_departments(&app).await;
    let (a, a_browser) = agency(&app, &w, "a@example.com", "甲咨询有限公司").await;
    for path in [
        format!("/regulate/agencies/{a}/blacklist/new"),
        format!("/regulate/agencies/{a}/ban/new"),
    ] {
        let (s, page) = w.reg2.get_text(&path).await;
        assert_eq!(s, 403, "{path}");
        assert!(page.contains("不属于贵部门的监管范围"), "{path}");
    }
    let (s, page) = blacklist(&w.reg2, a, today(), today() + Duration::days(400)).await;
    assert_eq!(s, 403);
    assert!(page.contains("甲咨询有限公司") && page.contains("不属于贵部门的监管范围"));
    let (s, _) = post_text(
        &w.reg2,
        &format!("/regulate/agencies/{a}/ban/new"),
        &[
            ("reason", "r"),
            ("legal_basis", "b"),
            ("starts_on", &d(today())),
            ("ends_on", &d(today() + Duration::days(400))),
        ],
    )
    .await;
    assert_eq!(s, 403);
    // The English page says it too.
    let (s, page) = w
        .reg2
        .get_text(&format!("/regulate/agencies/{a}/blacklist/new?lang=en"))
        .await;
    assert_eq!(s, 403);
    assert!(page.contains("not regulated by your department"));
    // The hub shows the agency but no actions.
    let (s, page) = w.reg2.get_text(&format!("/regulate/agencies/{a}")).await;
    assert_eq!(s, 200);
    assert!(!page.contains("/blacklist/new"));
    // An agency cannot blacklist anyone.
    let (s, _) = blacklist(&a_browser, a, today(), today() + Duration::days(400)).await;
    assert_eq!(s, 403);
    assert_eq!(count!(app, blacklist_entries::table), 0);
    assert_eq!(count!(app, market_bans::table), 0);
    assert_eq!(count!(app, credit_records::table), 0);
}

#[actix_web::test]
async fn repair_after_half_the_period_ends_the_listing_and_keeps_its_history() {
    let app = spawn_app().await;
    let w = two_departments(&app).await;
    let (a, a_browser) = agency(&app, &w, "a@example.com", "攀枝花市整改测绘有限公司").await;
    let (s, _) = blacklist(&w.reg1, a, today(), today() + Duration::days(730)).await;
    assert_eq!(s, 303);
    let listing = listing_of(&app, a);

    // Too early: refused with the date from which it can be made.
    let available = d(today() + Duration::days(365));
    let (s, page) = a_browser
        .get_text(&format!("/agency/credit/repairs/new?listing={listing}"))
        .await;
    assert_eq!(s, 200);
    assert!(page.contains(&available), "form says from when");
    let (s, page) = apply_repair(&a_browser, listing, "已全面整改", None).await;
    assert_eq!(s, 422);
    assert!(page.contains(&available) && page.contains("方可申请信用修复"));
    assert_eq!(count!(app, credit_repairs::table), 0);

    // Another agency cannot apply for this listing.
    let (_, other) = agency(&app, &w, "o@example.com", "他人咨询有限公司").await;
    let (s, _) = apply_repair(&other, listing, "x", None).await;
    assert_eq!(s, 403);

    // More than half the period has passed.
    diesel::update(blacklist_entries::table.find(listing))
        .set((
            blacklist_entries::starts_on.eq(today() - Duration::days(400)),
            blacklist_entries::ends_on.eq(today() + Duration::days(330)),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    // Evidence is required; a file that is not PDF/JPEG/PNG is refused.
    let (s, _) = apply_repair(&a_browser, listing, "", None).await;
    assert_eq!(s, 422);
    let (s, page) = apply_repair(
        &a_browser,
        listing,
        "已整改",
        Some(("x.pdf", b"MZ\x90\x00exe")),
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("PDF"), "wrong type message");
    assert_eq!(count!(app, credit_repairs::table), 0);
    let (s, _) = apply_repair(
        &a_browser,
        listing,
        "已撤回虚假报告并赔偿损失，完成全员培训。",
        Some(("整改报告.pdf", b"%PDF-1.4\n%test\n")),
    )
    .await;
    assert_eq!(s, 303);
    // A second application while one is pending is refused.
    let (s, page) = apply_repair(&a_browser, listing, "再次申请", None).await;
    assert_eq!(s, 409);
    assert!(page.contains("正在审核"));
    assert_eq!(count!(app, credit_repairs::table), 1);
    let repair: i64 = credit_repairs::table
        .select(credit_repairs::id)
        .first(&mut *app.conn())
        .unwrap();

    // The department's queue lists it; another department cannot decide it.
    let (_, queue) = w.reg1.get_text("/regulate/queue").await;
    assert!(queue.contains(&format!("/regulate/repairs/{repair}")));
    let (s, _) = w
        .reg2
        .get_text(&format!("/regulate/repairs/{repair}"))
        .await;
    assert_eq!(s, 403);
    let (s, _) = post_text(
        &w.reg2,
        &format!("/regulate/repairs/{repair}"),
        &[("decision", "approve")],
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = w
        .reg1
        .get_text(&format!("/regulate/repairs/{repair}/evidence"))
        .await;
    assert_eq!(s, 200);
    // Rejection needs a reason.
    let (s, page) = post_text(
        &w.reg1,
        &format!("/regulate/repairs/{repair}"),
        &[("decision", "reject"), ("reason", "")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("不予修复须填写理由"));
    let (s, _) = post_text(
        &w.reg1,
        &format!("/regulate/repairs/{repair}"),
        &[("decision", "approve"), ("reason", "整改到位")],
    )
    .await;
    assert_eq!(s, 303);

    // Eligible again: no restrictions, back on the item's list.
    assert!(restrictions(&app, a, today()).is_empty());
    let (_, page) = app.get_text(&format!("/catalogue/{ITEM}")).await;
    assert!(page.contains("攀枝花市整改测绘有限公司"));
    // The repair record revokes the listing's record.
    let (rec_id, kind): (i64, String) = credit_records::table
        .filter(credit_records::agency_id.eq(a))
        .order(credit_records::id)
        .select((credit_records::id, credit_records::kind))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(kind, "blacklisted");
    let revokes: Option<i64> = credit_records::table
        .filter(credit_records::kind.eq("repair"))
        .select(credit_records::revokes_id)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(revokes, Some(rec_id));
    // History stays visible, marked repaired.
    let (_, page) = app.get_text("/blacklist").await;
    let history = page.split("id=\"ended-title\"").nth(1).unwrap_or("");
    assert!(history.contains("攀枝花市整改测绘有限公司") && history.contains("已信用修复"));
    let (_, page) = app.get_text("/blacklist?lang=en").await;
    assert!(page.contains("Repaired"));
    // A decided application cannot be decided again.
    let (s, _) = post_text(
        &w.reg1,
        &format!("/regulate/repairs/{repair}"),
        &[("decision", "reject"), ("reason", "x")],
    )
    .await;
    assert_eq!(s, 303);
    let status: String = credit_repairs::table
        .select(credit_repairs::status)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(status, "approved");
    let actions: Vec<String> = zhongjie::db::schema::audit_log::table
        .select(zhongjie::db::schema::audit_log::action)
        .load(&mut *app.conn())
        .unwrap();
    assert!(actions.iter().any(|x| x == "credit.repair.apply"));
    assert!(actions.iter().any(|x| x == "credit.repair.approve"));
    assert!(
        app.outbox_bodies()
            .iter()
            .any(|(to, body)| to == "a@example.com" && body.contains("整改到位"))
    );
}

#[actix_web::test]
async fn a_listing_ends_by_itself_at_its_end_date() {
    let app = spawn_app().await;
    let w = two_departments(&app).await;
    let (a, _) = agency(&app, &w, "a@example.com", "到期测绘有限公司").await;
    let end = today() + Duration::days(400);
    let (s, _) = blacklist(&w.reg1, a, today(), end).await;
    assert_eq!(s, 303);
    assert_eq!(
        restrictions(&app, a, end - Duration::days(1)),
        vec!["credit.restrict.blacklisted"]
    );
    assert!(restrictions(&app, a, end).is_empty());
    // The daily refresh on that day clears the cache, and the agency is offered again.
    let changed =
        zhongjie::credit::store::sanctions::refresh_sanctioned(&mut app.conn(), end).unwrap();
    assert_eq!(changed, 1);
    let sanctioned: bool = agencies::table
        .find(a)
        .select(agencies::sanctioned)
        .first(&mut *app.conn())
        .unwrap();
    assert!(!sanctioned);
    assert_eq!(
        zhongjie::credit::store::sanctions::refresh_sanctioned(&mut app.conn(), end).unwrap(),
        0
    );
    let (_, page) = app.get_text(&format!("/catalogue/{ITEM}")).await;
    assert!(page.contains("到期测绘有限公司"));
}

#[actix_web::test]
async fn demo_sanctions_fill_the_public_pages_in_chinese() {
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || zhongjie::demo::load(&mut pool.get().unwrap(), &cfg))
        .await
        .unwrap()
        .unwrap();
    let (_, page) = app.get_text("/blacklist").await;
    assert!(
        page.contains("攀枝花市宏图工程咨询有限公司") && page.contains("米易县诚通测绘有限公司")
    );
    let (_, page) = app.get_text("/exposure").await;
    assert!(page.contains("攀枝花市鑫达环境评价有限公司") && page.contains("刘建华"));
    let full = idcard::generate(510_402).as_str().to_string();
    assert!(!page.contains(&full));
    // The repairable listing is open for an application.
    let agency = clone_app(&app);
    assert_eq!(
        agency
            .login("xiufu@demo.zhongjie.cn", zhongjie::demo::DEMO_PASSWORD)
            .await
            .status()
            .as_u16(),
        303
    );
    let (_, own) = agency.get_text("/agency/credit").await;
    assert!(own.contains("/agency/credit/repairs/new?listing="));
    let banned: bool = agencies::table
        .filter(agencies::name.eq("攀枝花市鑫达环境评价有限公司"))
        .select(agencies::sanctioned)
        .first(&mut *app.conn())
        .unwrap();
    assert!(banned);
}
