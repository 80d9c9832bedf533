//! The exposure record 曝光台 (issue 15 item 3): current and past sanctions, upheld
//! complaints, inspection problems and serious deductions; filters, paging, CSV and JSON,
//! masking, and bad input.

use chrono::{Duration, NaiveDate};
use zhongjie::credit::store::credit::{NewRecord, insert_record};
use zhongjie::credit::store::sanctions::{self as sx, NewBan, NewListing};
use zhongjie::domain::credit::{Kind, Source};
use zhongjie::domain::idcard;

use crate::fixtures::{AgencyBuilder, ItemBuilder, department, regulator};
use crate::helpers::*;

fn today() -> NaiveDate {
    zhongjie::db::today()
}

/// Two departments and two agencies: "甲" regulated by the first, "乙" by the second.
struct World {
    d1: i64,
    d2: i64,
    a: i64,
    b: i64,
    /// A regulator of the first department (who made the sanctions).
    reg: i64,
}

async fn world(app: &TestApp) -> World {
    let d1 = department(app, "zrzyj", "攀枝花市自然资源和规划局", "NR");
    let d2 = department(app, "zjj", "攀枝花市住房和城乡建设局", "Housing");
    let i1 = ItemBuilder::new("ZRZY-001", "地质灾害危险性评估")
        .industry("land")
        .insert(app, d1);
    let i2 = ItemBuilder::new("ZJ-001", "工程造价咨询")
        .industry("construction")
        .insert(app, d2);
    let a = AgencyBuilder::new("a@example.com")
        .name("攀枝花市甲测绘有限公司")
        .items(&[i1])
        .insert(app)
        .await;
    let b = AgencyBuilder::new("b@example.com")
        .name("攀枝花市乙造价咨询有限公司")
        .items(&[i2])
        .insert(app)
        .await;
    let (reg, _) = regulator(app, "reg1@example.com", d1).await;
    World { d1, d2, a, b, reg }
}

fn listing(
    app: &TestApp,
    w: &World,
    agency: i64,
    dept: i64,
    reason: &str,
    from: NaiveDate,
    to: NaiveDate,
) {
    sx::create_listing(
        &mut app.conn(),
        &NewListing {
            agency_id: agency,
            department_id: dept,
            reason,
            legal_basis: "《四川省社会信用条例》第三十条",
            starts_on: from,
            ends_on: to,
            by: w.reg,
        },
    )
    .unwrap();
}

fn record(
    app: &TestApp,
    agency: i64,
    dept: Option<i64>,
    kind: Kind,
    points: i32,
    evidence: &str,
    on: NaiveDate,
) -> i64 {
    let mut r = NewRecord::new(agency, kind, points, Source::Regulator);
    r.evidence = evidence;
    r.legal_basis = "《中介服务管理办法》第十二条";
    r.department_id = dept;
    r.effective_on = on;
    insert_record(&mut app.conn(), &r).unwrap()
}

/// Every kind of entry, current and past, plus what must not be shown.
fn plant(app: &TestApp, w: &World) -> String {
    let t = today();
    listing(
        app,
        w,
        w.a,
        w.d1,
        "出具虚假评估报告（现行）",
        t - Duration::days(10),
        t + Duration::days(300),
    );
    listing(
        app,
        w,
        w.b,
        w.d2,
        "伪造业绩材料（已到期）",
        t - Duration::days(800),
        t - Duration::days(435),
    );
    let banned = idcard::generate(510_402).as_str().to_string();
    sx::create_ban(
        &mut app.conn(),
        &NewBan {
            agency_id: w.a,
            department_id: w.d1,
            reason: "严重违法违规（禁入）",
            legal_basis: "《资产评估法》第四十七条",
            starts_on: t - Duration::days(5),
            ends_on: t + Duration::days(365 * 3),
            by: w.reg,
            persons: vec![("王禁入".to_string(), banned.clone())],
        },
    )
    .unwrap();
    record(
        app,
        w.a,
        Some(w.d1),
        Kind::UpheldComplaint,
        -5,
        "投诉查实：未按约定时限交付",
        t - Duration::days(3),
    );
    record(
        app,
        w.b,
        Some(w.d2),
        Kind::InspectionFailure,
        -3,
        "双随机检查：报告缺少现场记录",
        t - Duration::days(2),
    );
    record(
        app,
        w.b,
        Some(w.d2),
        Kind::FalseMaterials,
        -20,
        "提供虚假材料，联系电话13812345678",
        t - Duration::days(1),
    );
    // Below the threshold: not on the record.
    record(
        app,
        w.a,
        Some(w.d1),
        Kind::LateDelivery,
        -2,
        "轻微逾期交付",
        t - Duration::days(1),
    );
    // A serious deduction revoked as a mistake: not on the record.
    let wrong = record(
        app,
        w.a,
        Some(w.d1),
        Kind::FalseReport,
        -30,
        "误录的扣分",
        t - Duration::days(1),
    );
    let mut rev = NewRecord::new(w.a, Kind::Revocation, 0, Source::Regulator);
    rev.revokes_id = Some(wrong);
    rev.evidence = "录入错误";
    insert_record(&mut app.conn(), &rev).unwrap();
    banned
}

#[actix_web::test]
async fn the_record_shows_every_kind_current_and_past_and_nothing_else() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let banned = plant(&app, &w);
    let (s, page) = app.get_text("/exposure").await;
    assert_eq!(s, 200);
    for shown in [
        "出具虚假评估报告（现行）",
        "伪造业绩材料（已到期）",
        "严重违法违规（禁入）",
        "王禁入",
        "投诉查实：未按约定时限交付",
        "双随机检查：报告缺少现场记录",
        "提供虚假材料",
        "《资产评估法》第四十七条",
        "攀枝花市自然资源和规划局",
        "攀枝花市住房和城乡建设局",
        "已到期",
        "执行中",
        "严重失信扣分",
    ] {
        assert!(page.contains(shown), "{shown} missing");
    }
    for hidden in ["轻微逾期交付", "误录的扣分", &banned, "13812345678"] {
        assert!(!page.contains(hidden), "{hidden} shown");
    }
    assert!(page.contains(&zhongjie::domain::mask::mask_id(&banned)));
    assert!(page.contains("138****5678"));
    // English is complete.
    let (s, en) = app.get_text("/exposure?lang=en").await;
    assert_eq!(s, 200);
    assert!(en.contains("Serious deduction") && en.contains("Expired"));
}

#[actix_web::test]
async fn filters_by_department_kind_and_year() {
    let app = spawn_app().await;
    let w = world(&app).await;
    plant(&app, &w);
    let (_, page) = app.get_text("/exposure?kind=ban").await;
    assert!(page.contains("严重违法违规（禁入）"));
    assert!(!page.contains("出具虚假评估报告（现行）") && !page.contains("提供虚假材料"));
    let (_, page) = app.get_text("/exposure?kind=deduction").await;
    assert!(page.contains("提供虚假材料") && !page.contains("投诉查实：未按约定时限交付"));
    let (_, page) = app.get_text("/exposure?kind=complaint").await;
    assert!(page.contains("投诉查实：未按约定时限交付") && !page.contains("双随机检查"));
    let (_, page) = app.get_text("/exposure?kind=inspection").await;
    assert!(page.contains("双随机检查") && !page.contains("投诉查实：未按"));
    let (_, page) = app
        .get_text(&format!("/exposure?department={}", w.d2))
        .await;
    assert!(page.contains("伪造业绩材料") && page.contains("双随机检查"));
    assert!(!page.contains("出具虚假评估报告（现行）") && !page.contains("王禁入"));
    // The expired listing started over two years ago: only its year shows it.
    let old = (today() - Duration::days(800)).format("%Y").to_string();
    let (_, page) = app.get_text(&format!("/exposure?year={old}")).await;
    assert!(page.contains("伪造业绩材料") && !page.contains("严重违法违规（禁入）"));
    let (_, page) = app
        .get_text(&format!("/exposure?department={}&kind=blacklist", w.d1))
        .await;
    assert!(page.contains("出具虚假评估报告（现行）") && !page.contains("伪造业绩材料"));
}

#[actix_web::test]
async fn bad_filters_show_the_page_with_a_message_and_bad_formats_are_refused() {
    let app = spawn_app().await;
    let w = world(&app).await;
    plant(&app, &w);
    for (q, msg) in [
        ("kind=%3Cscript%3E", "没有这个类别"),
        ("year=abc", "年度应为"),
        ("year=1899", "年度应为"),
        ("year=99999999999999", "年度应为"),
        ("department=999999", "没有这个部门"),
        ("department=-1", "没有这个部门"),
        ("after=garbage", "翻页位置无效"),
        ("after=2026-02-30.b.1", "翻页位置无效"),
    ] {
        let (s, page) = app.get_text(&format!("/exposure?{q}")).await;
        assert_eq!(s, 400, "{q}");
        assert!(page.contains(msg), "{q}: {msg}");
        // The page is still the record (all of it: the bad value was dropped).
        assert!(page.contains("出具虚假评估报告（现行）"), "{q}");
        assert!(!page.contains("<script>"), "{q}");
    }
    for f in ["xml", "pdf", "CSV", "%00"] {
        let (s, page) = app.get_text(&format!("/exposure?format={f}")).await;
        assert_eq!(s, 400, "{f}");
        assert!(page.contains("csv 或 json"), "{f}");
    }
    // A download with a bad filter is refused, not silently widened.
    let (s, _) = app.get_text("/exposure?format=csv&kind=nope").await;
    assert_eq!(s, 400);
}

#[actix_web::test]
async fn csv_and_json_carry_the_same_entries_masked() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let banned = plant(&app, &w);
    // A formula typed into a reason stays text in a spreadsheet.
    record(
        &app,
        w.b,
        Some(w.d2),
        Kind::FalseReport,
        -15,
        "=HYPERLINK(\"http://x\")",
        today(),
    );
    let r = app.get("/exposure?format=csv").await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM");
    let csv = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(csv.contains("'=HYPERLINK"));
    assert!(!csv.contains(",=HYPERLINK") && !csv.contains("\"=HYPERLINK"));
    assert!(csv.contains("严重违法违规（禁入）") && csv.contains("王禁入"));
    assert!(!csv.contains(&banned) && !csv.contains("13812345678"));
    assert!(csv.contains(&zhongjie::domain::mask::mask_id(&banned)));
    // One header line and seven entries.
    assert_eq!(csv.trim_end().lines().count(), 8, "{csv}");

    let r = app.get("/exposure?format=json&lang=en").await;
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.unwrap();
    assert!(!text.contains(&banned) && !text.contains("13812345678"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entries = v["items"].as_array().unwrap();
    assert_eq!(entries.len(), 7);
    assert!(v["next"].is_null());
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in ["blacklist", "ban", "complaint", "inspection", "deduction"] {
        assert!(kinds.contains(&k), "{k}");
    }
    let ban = entries.iter().find(|e| e["kind"] == "ban").unwrap();
    assert_eq!(ban["persons"][0]["name"], "王禁入");
    assert_eq!(
        ban["persons"][0]["id_number_masked"],
        zhongjie::domain::mask::mask_id(&banned)
    );
    let expired = entries
        .iter()
        .find(|e| e["reason"] == "伪造业绩材料（已到期）")
        .unwrap();
    assert_eq!(expired["state"], "expired");
    assert_eq!(expired["state_name"], "Expired");
    // Filters apply to downloads too.
    let (_, json) = app.get_text("/exposure?format=json&kind=ban").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn pages_follow_each_other_without_overlap_or_gap() {
    let app = spawn_app().await;
    let w = world(&app).await;
    // 45 deductions, several on the same day, and a listing and a ban on one of those days.
    for i in 0..45 {
        let on = today() - Duration::days(i / 4);
        record(
            &app,
            w.a,
            Some(w.d1),
            Kind::FalseMaterials,
            -12,
            &format!("扣分事项第{i:02}号"),
            on,
        );
    }
    listing(
        &app,
        &w,
        w.b,
        w.d2,
        "同日列入的失信名单",
        today() - Duration::days(3),
        today() + Duration::days(100),
    );
    let mut seen = Vec::new();
    let mut url = "/exposure".to_string();
    let mut pages = 0;
    loop {
        let (s, page) = app.get_text(&url).await;
        assert_eq!(s, 200, "{url}");
        pages += 1;
        let mut n = 0;
        for i in 0..45 {
            if page.contains(&format!("扣分事项第{i:02}号")) {
                seen.push(i);
                n += 1;
            }
        }
        if page.contains("同日列入的失信名单") {
            seen.push(100);
            n += 1;
        }
        assert!(n <= 20, "page {pages} has {n}");
        let next = page
            .split("rel=\"next\" href=\"")
            .nth(1)
            .map(|s| s.split('"').next().unwrap().replace("&amp;", "&"));
        match next {
            Some(u) => url = u,
            None => break,
        }
        assert!(pages < 10);
    }
    assert_eq!(pages, 3);
    seen.sort_unstable();
    let mut want: Vec<i64> = (0..45).collect();
    want.push(100);
    assert_eq!(seen, want);
}

#[actix_web::test]
async fn a_threshold_setting_decides_what_is_serious() {
    let app = spawn_app().await;
    let w = world(&app).await;
    record(
        &app,
        w.a,
        Some(w.d1),
        Kind::FalseMaterials,
        -6,
        "扣六分的记录",
        today(),
    );
    let (_, page) = app.get_text("/exposure").await;
    assert!(!page.contains("扣六分的记录"));
    zhongjie::accounts::store::settings::set(&mut app.conn(), "exposure_min_deduction", 5, w.reg)
        .unwrap();
    let (_, page) = app.get_text("/exposure").await;
    assert!(page.contains("扣六分的记录"));
}
