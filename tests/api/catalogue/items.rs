//! The service-item catalogue: add → publish → public; department regulators edit their own
//! items; cancel keeps the record; refused input; filters and downloads; regional assessments.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::catalogue::store::{self as cat, Change, ItemFields};
use zhongjie::db::schema::{catalogue_adjustments, catalogue_items, regional_assessments, users};

use crate::accounts::auth::clone_app;
use crate::helpers::*;

fn today() -> NaiveDate {
    zhongjie::db::today()
}

/// Two departments: the item's (生态环境局) and another (住建局). The first is the one
/// `create_user` gives regulators.
fn departments(app: &TestApp) -> (i64, i64) {
    let a = crate::fixtures::department(app, "sthjj", "攀枝花市生态环境局", "Ecology");
    let b = crate::fixtures::department(app, "zjj", "攀枝花市住房和城乡建设局", "Housing");
    (a, b)
}

/// Signs `app`'s client in as a regulator of `dept`.
async fn regulator_of(app: &TestApp, email: &str, dept: i64) -> i64 {
    let id = app.create_user(Role::Regulator, email).await;
    {
        let mut c = app.conn();
        diesel::update(users::table.find(id))
            .set(users::department_id.eq(Some(dept)))
            .execute(&mut *c)
            .unwrap();
    }
    assert_eq!(app.login(email, PASSWORD).await.status().as_u16(), 303);
    id
}

fn fields(code: &str, dept: i64, regional: bool) -> ItemFields {
    ItemFields {
        code: code.into(),
        name: format!("建设项目环境影响报告表编制{code}"),
        keywords: "环评 环境影响".into(),
        industry: "env".into(),
        approval_name: "建设项目环境影响评价文件审批".into(),
        department_id: dept,
        legal_basis: "《中华人民共和国环境影响评价法》第十六条".into(),
        guide_basis: "《中华人民共和国环境影响评价法》".into(),
        guide_scope: "本市行政区域内".into(),
        guide_object: "建设单位".into(),
        guide_content: "编制环境影响报告表".into(),
        guide_method: "网上选取".into(),
        guide_conclusion: "环境影响报告表".into(),
        time_limit_days: 30,
        pricing: "market".into(),
        price_min_fen: None,
        price_max_fen: None,
        fee_basis: "市场调节价".into(),
        payer: "enterprise".into(),
        self_preparable: true,
        regional_assessment: regional,
    }
}

/// Puts an item straight into the catalogue (version 1).
fn seed(
    app: &TestApp,
    code: &str,
    dept: i64,
    status: zhongjie::domain::status::ItemStatus,
    regional: bool,
) -> i64 {
    let mut c = app.conn();
    cat::save_item(
        &mut c,
        None,
        &fields(code, dept, regional),
        &[],
        &Change {
            status,
            kind: zhongjie::domain::status::AdjustmentKind::Add,
            reason: "纳入本市中介服务事项清单",
            basis: "测试",
            actor_id: None,
        },
    )
    .unwrap()
}

fn item(app: &TestApp, code: &str) -> Option<cat::Item> {
    cat::find_by_code(&mut app.conn(), code).unwrap()
}

fn item_count(app: &TestApp) -> i64 {
    catalogue_items::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

type Form = Vec<(&'static str, String)>;

/// A complete, valid add/edit form.
fn form(code: &str, dept: i64) -> Vec<(&'static str, String)> {
    vec![
        ("code", code.into()),
        ("name", "水土保持方案编制".into()),
        ("keywords", "水保 水土保持".into()),
        ("industry", "water".into()),
        ("approval_name", "生产建设项目水土保持方案审批".into()),
        ("department_id", dept.to_string()),
        (
            "legal_basis",
            "《中华人民共和国水土保持法》第二十五条".into(),
        ),
        ("guide_basis", "《中华人民共和国水土保持法》".into()),
        ("guide_scope", "山区、丘陵区、风沙区的生产建设项目".into()),
        ("guide_object", "生产建设单位".into()),
        ("guide_content", "编制水土保持方案报告书（表）".into()),
        ("guide_method", "网上选取中介机构".into()),
        ("guide_conclusion", "水土保持方案报告书（表）".into()),
        ("time_limit_days", "20".into()),
        ("pricing", "guided".into()),
        ("price_min", "5000".into()),
        ("price_max", "80000.50".into()),
        ("price_fixed", String::new()),
        ("fee_basis", "川价发〔2016〕指导价".into()),
        ("payer", "enterprise".into()),
        ("self_preparable", "1".into()),
        ("regional_assessment", "1".into()),
        ("qual1_type", "water_conservation".into()),
        ("qual1_level", "2".into()),
        ("reason", "纳入本市中介服务事项清单".into()),
        ("basis", "攀枝花市2020年实施方案".into()),
    ]
}

fn with(
    mut f: Vec<(&'static str, String)>,
    k: &'static str,
    v: &str,
) -> Vec<(&'static str, String)> {
    match f.iter_mut().find(|(n, _)| *n == k) {
        Some(e) => e.1 = v.into(),
        None => f.push((k, v.into())),
    }
    f
}

async fn post_form(app: &TestApp, path: &str, f: &[(&'static str, String)]) -> reqwest::Response {
    let v: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post(path, &v).await
}

/// A multipart form (reqwest is built without its multipart feature here).
async fn post_multipart(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
    with_csrf: bool,
) -> reqwest::Response {
    let b = "----zjboundary7MA4YWxk";
    let mut body: Vec<u8> = Vec::new();
    let token = app.csrf().await;
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    if with_csrf {
        all.push(("csrf", &token));
    }
    for (k, v) in all {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    app.client
        .post(app.url(path))
        .header("Content-Type", format!("multipart/form-data; boundary={b}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn catalogue_admin_adds_publishes_and_the_public_sees_it() {
    let app = spawn_app().await;
    let (a, _) = departments(&app);
    app.signed_in(Role::Admin, "admin@example.com").await;
    let visitor = clone_app(&app);

    let r = post_form(&app, "/catalogue/new", &form("PZH-SL-001", a)).await;
    assert_eq!(r.status().as_u16(), 303);
    let it = item(&app, "PZH-SL-001").expect("saved");
    assert_eq!((it.status.as_str(), it.version), ("draft", 1));
    assert_eq!(
        (it.price_min_fen, it.price_max_fen),
        (
            Some(zhongjie::domain::money::Money::from_fen(500_000)),
            Some(zhongjie::domain::money::Money::from_fen(8_000_050))
        )
    );
    // A draft is the admin's business only.
    assert_eq!(
        visitor.get("/catalogue/PZH-SL-001").await.status().as_u16(),
        404
    );
    let (_, list) = visitor.get_text("/catalogue").await;
    assert!(!list.contains("PZH-SL-001"));
    let (s, admin_view) = app.get_text("/catalogue/PZH-SL-001").await;
    assert_eq!(s, 200);
    assert!(admin_view.contains("草稿"));

    let r = app
        .post(
            "/catalogue/PZH-SL-001/publish",
            &[
                ("reason", "纳入本市中介服务事项清单"),
                ("basis", "攀枝花市2020年实施方案"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        item(&app, "PZH-SL-001").unwrap().status,
        zhongjie::domain::status::ItemStatus::Retained
    );

    let (s, page) = visitor.get_text("/catalogue/PZH-SL-001").await;
    assert_eq!(s, 200);
    for want in [
        "水土保持方案编制",
        "保留",
        "《中华人民共和国水土保持法》第二十五条",
        "20 个工作日",
        "政府指导价 ¥5,000.00 – ¥80,000.50",
        "水土保持方案编制单位水平评价（乙级及以上）",
        "纳入本市中介服务事项清单",
    ] {
        assert!(page.contains(want), "item page shows {want}");
    }
    for path in [
        "/catalogue",
        "/catalogue?q=%E6%B0%B4%E4%BF%9D", // 水保, a keyword
        "/catalogue?q=pzh-sl",
        "/catalogue?industry=water&department=sthjj&pricing=guided",
    ] {
        let (s, body) = visitor.get_text(path).await;
        assert_eq!(s, 200, "{path}");
        assert!(body.contains("PZH-SL-001"), "{path} lists the item");
    }
    let (_, body) = visitor.get_text("/catalogue?industry=env").await;
    assert!(!body.contains("PZH-SL-001"), "filtered out by industry");
    // The public log starts at publication: the draft's own line is not there.
    let (_, log) = visitor.get_text("/catalogue/changes").await;
    assert_eq!(log.matches("PZH-SL-001</span>").count(), 1, "{log}");
    assert!(
        !log.contains("admin@example.com"),
        "no personal e-mail in the log"
    );
}

#[actix_web::test]
async fn catalogue_regulator_edits_own_department_items_only() {
    let app = spawn_app().await;
    let (a, b) = departments(&app);
    seed(
        &app,
        "PZH-HB-001",
        a,
        zhongjie::domain::status::ItemStatus::Retained,
        false,
    );
    regulator_of(&app, "hb@example.com", a).await;

    let r = post_form(
        &app,
        "/catalogue/PZH-HB-001/edit",
        &with(
            with(form("ignored", a), "reason", "服务时限调整为15个工作日"),
            "time_limit_days",
            "15",
        ),
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    let it = item(&app, "PZH-HB-001").unwrap();
    assert_eq!(
        (it.version, it.time_limit_days, it.status.as_str()),
        (2, 15, "retained")
    );
    assert_eq!(it.code, "PZH-HB-001", "the code never changes");
    let (_, log) = app.get_text("/catalogue/changes").await;
    assert!(log.contains("服务时限调整为15个工作日"));
    assert!(
        log.contains("攀枝花市生态环境局 · 行业主管部门"),
        "who: department and role"
    );
    assert!(!log.contains("hb@example.com"));

    // A regulator cannot move the item out of its own department.
    let r = post_form(&app, "/catalogue/PZH-HB-001/edit", &form("x", b)).await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("只能将事项保留在本部门"));

    // Another department's regulator gets 403 and changes nothing.
    let other = clone_app(&app);
    regulator_of(&other, "zj@example.com", b).await;
    assert_eq!(
        other
            .get("/catalogue/PZH-HB-001/edit")
            .await
            .status()
            .as_u16(),
        403
    );
    let r = post_form(&other, "/catalogue/PZH-HB-001/edit", &form("x", a)).await;
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(item(&app, "PZH-HB-001").unwrap().version, 2);
}

#[actix_web::test]
async fn catalogue_new_needs_an_admin() {
    let app = spawn_app().await;
    let r = app.get("/catalogue/new").await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    app.signed_in(Role::Owner, "owner@example.com").await;
    assert_eq!(app.get("/catalogue/new").await.status().as_u16(), 403);
}

#[actix_web::test]
async fn catalogue_cancel_keeps_the_page_and_history() {
    let app = spawn_app().await;
    let (a, _) = departments(&app);
    seed(
        &app,
        "PZH-HB-002",
        a,
        zhongjie::domain::status::ItemStatus::Retained,
        false,
    );
    app.signed_in(Role::Admin, "admin@example.com").await;
    let before = item(&app, "PZH-HB-002").unwrap();
    assert!(before.usable());

    // No reason: refused beside the field, nothing changes.
    let r = app
        .post(
            "/catalogue/PZH-HB-002/cancel",
            &[("reason", " "), ("basis", "国发〔2015〕58号")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("f-reason-err") && body.contains("此项为必填项"));
    assert_eq!(
        item(&app, "PZH-HB-002").unwrap().status,
        zhongjie::domain::status::ItemStatus::Retained
    );

    let r = app
        .post(
            "/catalogue/PZH-HB-002/cancel",
            &[
                ("reason", "法律修订后不再作为审批条件"),
                ("basis", "国发〔2015〕58号"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let after = item(&app, "PZH-HB-002").unwrap();
    assert!(!after.usable());
    assert_eq!((after.status.as_str(), after.version), ("cancelled", 2));

    let visitor = clone_app(&app);
    let (s, page) = visitor.get_text("/catalogue/PZH-HB-002").await;
    assert_eq!(s, 200);
    assert!(page.contains("取消") && page.contains("该事项已取消"));
    assert!(
        page.contains("法律修订后不再作为审批条件"),
        "history on the item page"
    );
    assert!(
        page.contains("纳入本市中介服务事项清单"),
        "the earlier version too"
    );
    let (_, list) = visitor.get_text("/catalogue").await;
    assert!(!list.contains("PZH-HB-002"), "not among retained items");
    let (_, list) = visitor.get_text("/catalogue?status=cancelled").await;
    assert!(list.contains("PZH-HB-002"));
    // A cancelled item is not edited again, nor cancelled twice.
    assert_eq!(
        app.get("/catalogue/PZH-HB-002/edit")
            .await
            .status()
            .as_u16(),
        400
    );
    let r = app
        .post(
            "/catalogue/PZH-HB-002/cancel",
            &[("reason", "再次"), ("basis", "再次")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 400);
}

#[actix_web::test]
async fn catalogue_drafts_are_not_public() {
    let app = spawn_app().await;
    let (a, _) = departments(&app);
    seed(
        &app,
        "PZH-DRAFT-1",
        a,
        zhongjie::domain::status::ItemStatus::Draft,
        false,
    );
    assert_eq!(
        app.get("/catalogue/PZH-DRAFT-1").await.status().as_u16(),
        404
    );
    app.signed_in(Role::Owner, "o@example.com").await;
    assert_eq!(
        app.get("/catalogue/PZH-DRAFT-1").await.status().as_u16(),
        404
    );
    let (_, body) = app.get_text("/catalogue?format=json").await;
    assert!(!body.contains("PZH-DRAFT-1"));
}

#[actix_web::test]
async fn catalogue_bad_input_is_refused_beside_the_field() {
    let app = spawn_app().await;
    let (a, _) = departments(&app);
    seed(
        &app,
        "PZH-DUP-1",
        a,
        zhongjie::domain::status::ItemStatus::Retained,
        false,
    );
    app.signed_in(Role::Admin, "admin@example.com").await;
    let n = item_count(&app);
    let cases: Vec<(Form, &str, &str)> = vec![
        (form("PZH-DUP-1", a), "code", "该事项编码已被使用"),
        (
            with(form("T1", a), "time_limit_days", "0"),
            "time_limit_days",
            "服务时限必须大于 0 个工作日",
        ),
        (
            with(form("T1", a), "time_limit_days", "-5"),
            "time_limit_days",
            "服务时限必须大于 0 个工作日",
        ),
        (
            with(form("T1", a), "time_limit_days", "二十"),
            "time_limit_days",
            "服务时限应填写整数",
        ),
        (
            with(with(form("T1", a), "price_min", "9000"), "price_max", "100"),
            "price_max",
            "收费上限不能低于收费下限",
        ),
        (
            with(form("T1", a), "price_max", ""),
            "price_max",
            "此项为必填项",
        ),
        (
            with(form("T1", a), "price_min", "1000.005"),
            "price_min",
            "金额最多保留两位小数",
        ),
        (
            with(
                with(form("T1", a), "pricing", "fixed"),
                "price_fixed",
                "3000.123",
            ),
            "price_fixed",
            "金额最多保留两位小数",
        ),
        (
            with(form("T1", a), "industry", "mining"),
            "industry",
            "行业类别不在可选范围内",
        ),
        (
            with(form("T1", a), "qual1_type", "astrology"),
            "qual1_type",
            "资质类别不在可选范围内",
        ),
        (with(form("T1", a), "reason", ""), "reason", "此项为必填项"),
        (with(form("T1", a), "basis", "  "), "basis", "此项为必填项"),
    ];
    for (f, field, message) in cases {
        let r = post_form(&app, "/catalogue/new", &f).await;
        assert_eq!(r.status().as_u16(), 422, "{field}: {message}");
        let body = r.text().await.unwrap();
        let at = body
            .find(&format!("id=\"f-{field}-err\""))
            .unwrap_or_else(|| panic!("message beside {field}"));
        assert!(
            body[at..]
                .split("</p>")
                .next()
                .unwrap_or("")
                .contains(message),
            "{field} says {message}"
        );
        assert!(body.contains("水土保持方案编制"), "the input is kept");
        assert_eq!(item_count(&app), n, "nothing saved ({field})");
    }
    // Empty reason on modify: refused, version unchanged.
    let r = post_form(
        &app,
        "/catalogue/PZH-DUP-1/edit",
        &with(form("x", a), "reason", ""),
    )
    .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("f-reason-err"));
    assert_eq!(item(&app, "PZH-DUP-1").unwrap().version, 1);
}

#[actix_web::test]
async fn catalogue_filters_refuse_unknown_values() {
    let app = spawn_app().await;
    departments(&app);
    for (path, message) in [
        ("/catalogue?industry=mining", "行业类别不存在"),
        ("/catalogue?department=nope", "审批部门不存在"),
        ("/catalogue?pricing=cheap", "计价方式不存在"),
        ("/catalogue?format=xml", "不支持该下载格式"),
    ] {
        let (s, body) = app.get_text(path).await;
        assert_eq!(s, 400, "{path}");
        assert!(body.contains(message), "{path}: {message}");
    }
}

#[actix_web::test]
async fn catalogue_downloads_contain_the_items() {
    let app = spawn_app().await;
    let (a, _) = departments(&app);
    seed(
        &app,
        "PZH-CSV-1",
        a,
        zhongjie::domain::status::ItemStatus::Retained,
        false,
    );
    let r = app.get("/catalogue?format=csv").await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("事项编码,事项名称"));
    assert!(text.contains("PZH-CSV-1,建设项目环境影响报告表编制PZH-CSV-1,生态环境"));

    let r = app.get("/catalogue?format=json&q=%E7%8E%AF%E8%AF%84").await;
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v[0]["code"], "PZH-CSV-1");
    assert_eq!(v[0]["department_code"], "sthjj");
    assert_eq!(v[0]["time_limit_working_days"], 30);
}

#[actix_web::test]
async fn catalogue_regional_assessments_cover_zones_while_valid() {
    let app = spawn_app().await;
    let (a, _) = departments(&app);
    let id = seed(
        &app,
        "PZH-DZ-001",
        a,
        zhongjie::domain::status::ItemStatus::Retained,
        true,
    );
    let reg = regulator_of(&app, "zr@example.com", a).await;
    let pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let until = (today() + Duration::days(365))
        .format("%Y-%m-%d")
        .to_string();
    let r = post_multipart(
        &app,
        "/catalogue/PZH-DZ-001/assessments",
        &[
            ("zone", "pzh_gaoxin"),
            ("title", "钒钛高新区区域地质灾害危险性评估报告"),
            ("valid_until", &until),
        ],
        Some(("区域评估.pdf", pdf)),
        true,
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    // An expired one, recorded earlier, is not shown.
    {
        let mut c = app.conn();
        cat::insert_assessment(
            &mut c,
            id,
            "pzh_miyi",
            "米易县旧区域评估报告",
            None,
            today() - Duration::days(1),
            reg,
        )
        .unwrap();
    }
    let (_, page) = app.get_text("/catalogue/PZH-DZ-001").await;
    assert!(page.contains("钒钛高新区区域地质灾害危险性评估报告"));
    assert!(page.contains(&until));
    assert!(!page.contains("米易县旧区域评估报告"), "expired");

    let mut c = app.conn();
    let found = cat::assessment_for(&mut c, id, "pzh_gaoxin", today()).unwrap();
    assert!(found.is_some());
    assert!(
        cat::assessment_for(&mut c, id, "pzh_miyi", today())
            .unwrap()
            .is_none()
    );
    assert!(
        cat::assessment_for(&mut c, id, "pzh_xiqu", today())
            .unwrap()
            .is_none()
    );
    let aid = found.unwrap().id;
    drop(c);

    let visitor = clone_app(&app);
    let r = visitor
        .get(&format!("/catalogue/assessments/{aid}/document"))
        .await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(&r.bytes().await.unwrap()[..], &pdf[..]);
}

#[actix_web::test]
async fn catalogue_assessment_upload_must_really_be_a_pdf_or_image() {
    let app = spawn_app().await;
    let (a, _) = departments(&app);
    seed(
        &app,
        "PZH-DZ-002",
        a,
        zhongjie::domain::status::ItemStatus::Retained,
        true,
    );
    app.signed_in(Role::Admin, "admin@example.com").await;
    let until = (today() + Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let r = post_multipart(
        &app,
        "/catalogue/PZH-DZ-002/assessments",
        &[
            ("zone", "pzh_gaoxin"),
            ("title", "评估报告"),
            ("valid_until", &until),
        ],
        Some(("report.pdf", b"MZ\x90\x00 this is an executable")),
        true,
    )
    .await;
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("f-document-err") && body.contains("文件类型不符"));
    assert!(body.contains("评估报告"), "the other input is kept");
    let n: i64 = regional_assessments::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 0, "nothing recorded");

    // A date in the past and a zone outside the city are refused too.
    let r = post_multipart(
        &app,
        "/catalogue/PZH-DZ-002/assessments",
        &[
            ("zone", "beijing"),
            ("title", "评估报告"),
            ("valid_until", "2020-01-01"),
        ],
        None,
        true,
    )
    .await;
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("f-zone-err") && body.contains("f-valid_until-err"));
}

/// Every catalogue route as visitor, owner, agency, regulator of the item's department,
/// regulator of another department and admin.
#[actix_web::test]
async fn catalogue_routes_answer_each_role_as_the_policy_says() {
    const WHO: [&str; 6] = [
        "visitor",
        "owner",
        "agency",
        "reg_own",
        "reg_other",
        "admin",
    ];
    const ROUTES: &[(&str, &str, [u16; 6])] = &[
        ("GET", "/catalogue", [200, 200, 200, 200, 200, 200]),
        (
            "GET",
            "/catalogue?industry=nope",
            [400, 400, 400, 400, 400, 400],
        ),
        (
            "GET",
            "/catalogue?format=csv",
            [200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/catalogue?format=json",
            [200, 200, 200, 200, 200, 200],
        ),
        ("GET", "/catalogue/changes", [200, 200, 200, 200, 200, 200]),
        ("GET", "/catalogue/new", [303, 403, 403, 403, 403, 200]),
        ("GET", "/catalogue/T-RET", [200, 200, 200, 200, 200, 200]),
        ("GET", "/catalogue/T-DRAFT", [404, 404, 404, 200, 404, 200]),
        ("GET", "/catalogue/T-NONE", [404, 404, 404, 404, 404, 404]),
        (
            "GET",
            "/catalogue/T-RET/edit",
            [303, 403, 403, 200, 403, 200],
        ),
        (
            "GET",
            "/catalogue/T-NONE/edit",
            [404, 404, 404, 404, 404, 404],
        ),
        (
            "GET",
            "/catalogue/assessments/{doc}/document",
            [200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/catalogue/assessments/999999/document",
            [404, 404, 404, 404, 404, 404],
        ),
        (
            "GET",
            "/catalogue/assessments/abc/document",
            [404, 404, 404, 404, 404, 404],
        ),
        ("POST", "/catalogue/new", [303, 403, 403, 403, 403, 422]),
        (
            "POST",
            "/catalogue/T-RET/edit",
            [303, 403, 403, 422, 403, 422],
        ),
        (
            "POST",
            "/catalogue/T-DRAFT/publish",
            [303, 403, 403, 403, 403, 422],
        ),
        (
            "POST",
            "/catalogue/T-RET/cancel",
            [303, 403, 403, 403, 403, 422],
        ),
        (
            "POST",
            "/catalogue/T-RET/publish",
            [303, 403, 403, 403, 403, 400],
        ),
        (
            "MULTIPART",
            "/catalogue/T-RET/assessments",
            [303, 403, 403, 422, 403, 422],
        ),
        (
            "MULTIPART",
            "/catalogue/T-NONE/assessments",
            [404, 404, 404, 404, 404, 404],
        ),
    ];
    let app = spawn_app().await;
    let (a, b) = departments(&app);
    let ret = seed(
        &app,
        "T-RET",
        a,
        zhongjie::domain::status::ItemStatus::Retained,
        true,
    );
    seed(
        &app,
        "T-DRAFT",
        a,
        zhongjie::domain::status::ItemStatus::Draft,
        false,
    );
    let owner = app.create_user(Role::Admin, "uploader@example.com").await;
    let doc = {
        let dir = zhongjie::uploads::upload_dir(&app.config);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("t-doc.pdf"), b"%PDF-1.4\n").unwrap();
        let mut c = app.conn();
        let u = zhongjie::uploads::store::insert(
            &mut c,
            owner,
            "t-doc.pdf",
            "评估.pdf",
            "application/pdf",
            9,
            "00",
        )
        .unwrap();
        cat::insert_assessment(
            &mut c,
            ret,
            "pzh_gaoxin",
            "区域评估",
            Some(u),
            today(),
            owner,
        )
        .unwrap()
    };
    let mut failures = Vec::new();
    for (i, who) in WHO.iter().enumerate() {
        let client = clone_app(&app);
        let email = format!("{who}@example.com");
        match *who {
            "visitor" => {}
            "owner" => {
                let _ = client.signed_in(Role::Owner, &email).await;
            }
            "agency" => {
                let _ = client.signed_in(Role::Agency, &email).await;
            }
            "reg_own" => {
                let _ = regulator_of(&client, &email, a).await;
            }
            "reg_other" => {
                let _ = regulator_of(&client, &email, b).await;
            }
            _ => {
                let _ = client.signed_in(Role::Admin, &email).await;
            }
        }
        for (method, path, expected) in ROUTES {
            let path = path.replace("{doc}", &doc.to_string());
            let got = match *method {
                "GET" => client.get(&path).await,
                "POST" => client.post(&path, &[]).await,
                _ => post_multipart(&client, &path, &[], None, true).await,
            }
            .status()
            .as_u16();
            if got != expected[i] {
                failures.push(format!(
                    "{who} {method} {path}: expected {}, got {got}",
                    expected[i]
                ));
            }
            // Without a CSRF token nothing is changed (a visitor of a multipart form is sent
            // to log in before the form is read).
            if *method != "GET" {
                let got = if *method == "POST" {
                    client.post_no_csrf(&path, &[("reason", "x")]).await
                } else {
                    post_multipart(&client, &path, &[], None, false).await
                }
                .status()
                .as_u16();
                let want = match (expected[i], *method, *who) {
                    (404, _, _) => 404,
                    (_, "MULTIPART", "visitor") => 303,
                    _ => 403,
                };
                if got != want {
                    failures.push(format!(
                        "{who} {method} {path} without CSRF: expected {want}, got {got}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Nothing above changed the items.
    let versions: Vec<i32> = catalogue_adjustments::table
        .select(catalogue_adjustments::version)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(versions, vec![1, 1]);
}

#[actix_web::test]
async fn catalogue_demo_data_reads_as_real_and_loads_once() {
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || {
        let mut c = pool.get().unwrap();
        zhongjie::demo::load(&mut c, &cfg).unwrap();
        zhongjie::demo::load(&mut c, &cfg).unwrap();
    })
    .await
    .unwrap();
    assert!(item_count(&app) >= 30);
    let (s, list) = app.get_text("/catalogue?q=%E7%8E%AF%E8%AF%84").await; // 环评
    assert_eq!(s, 200);
    assert!(list.contains("建设项目环境影响报告书编制"));
    let (_, log) = app.get_text("/catalogue/changes").await;
    assert!(log.contains("纳入本市中介服务事项清单") && log.contains("平台（系统导入）"));
    let first_kind = log.find("tag-info").unwrap_or(usize::MAX);
    assert!(
        log.find("tag-danger").unwrap() < first_kind,
        "the cancellation is newest"
    );
    let (_, page) = app.get_text("/catalogue/PZH-ZR-001").await;
    assert!(page.contains("攀枝花钒钛高新技术产业开发区区域地质灾害危险性评估报告"));
    let (_, page) = app.get_text("/catalogue/PZH-HB-005").await;
    assert!(page.contains("该事项已取消"));
    // Every word comes from the locale files, in both languages (a missing key shows as itself).
    app.signed_in(Role::Admin, "demo-check@example.com").await;
    for lang in ["zh-CN", "en"] {
        for path in [
            "/catalogue",
            "/catalogue/changes",
            "/catalogue/new",
            "/catalogue/PZH-ZR-001",
            "/catalogue/PZH-ZR-001/edit",
            "/catalogue/PZH-SJ-001",
            "/catalogue/PZH-HB-005",
        ] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let (s, body) = app.get_text(&format!("{path}{sep}lang={lang}")).await;
            assert_eq!(s, 200, "{path} {lang}");
            for raw in [">catalogue.", ">cat.", " catalogue.", "\"catalogue."] {
                assert!(
                    !body.contains(raw),
                    "{path} {lang} shows a raw key near {raw}"
                );
            }
        }
    }
    let mut c = app.conn();
    let gd = cat::find_by_code(&mut c, "PZH-ZR-002").unwrap().unwrap();
    assert!(
        cat::assessment_for(&mut c, gd.id, "pzh_gaoxin", today())
            .unwrap()
            .is_some()
    );
    assert!(zhongjie::audit::verify(&mut c).unwrap().broken.is_none());
}
