//! Owners' projects and announcements over HTTP (SPEC §3, issue 5 items 1–2): a project and
//! a draft, publication with a sealed draw seed and mail to the agencies offering the item,
//! every publication rule refused with its message, bad input refused beside its field with
//! nothing saved, drafts private to their owner, the change rules after publication (48 h
//! freeze, 48 h minimum extension, version bump on a material edit), cancellation with a
//! public reason, and the public list and page.
//!
//! Deadlines come from the database calendar (working days after today), so the tests do not
//! depend on the day they run.

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::{announcements, audit_log, catalogue_items, outbox, projects, users};
use zhongjie::domain::workdays::china_date;

use crate::accounts::auth::clone_app;
use crate::fixtures::{AgencyBuilder, ItemBuilder, QuoteBuilder, department, register};
use crate::helpers::*;

const AGENCY_NAME: &str = "四川蜀环环境科技有限公司";

fn today() -> NaiveDate {
    china_date(Utc::now())
}

/// A deadline date `n` working days after today on the database calendar, and a few
/// calendar days more so the test is never on the edge of the window.
fn deadline_day(app: &TestApp, n: u32) -> NaiveDate {
    let cal = zhongjie::accounts::store::calendar::load_from(&mut app.conn(), today()).unwrap();
    cal.add_working_days(today(), n) + Duration::days(1)
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The ecology bureau's market: four items, an agency offering the main one, another agency
/// offering another item only, and the owner signed in on `app`.
struct EcologyMarket {
    dept: i64,
    /// Retained, market-priced, statutory limit 20 days, paid by the enterprise.
    item: i64,
    item_name: &'static str,
    /// Paid by the approval department.
    dept_item: i64,
    /// Government-fixed price ¥1,000.
    fixed_item: i64,
    owner_id: i64,
    agency_id: i64,
    agency_email: &'static str,
    /// An agency offering another item only.
    other_agency_email: &'static str,
}

fn ecology_item<'a>(code: &'a str, name: &'a str) -> ItemBuilder<'a> {
    ItemBuilder::new(code, name)
        .approval("建设项目环境影响评价文件审批")
        .legal_basis("《中华人民共和国环境影响评价法》")
}

async fn ecology_market(app: &TestApp) -> EcologyMarket {
    let dept = department(app, "sthjj", "攀枝花市生态环境局", "Ecology");
    let item = ecology_item("HJ-001", "环境影响报告表编制").insert(app, dept);
    let dept_item = ecology_item("HJ-002", "环境监测")
        .paid_by_department()
        .insert(app, dept);
    let fixed_item = ecology_item("HJ-003", "排污许可技术评估")
        .fixed(100_000)
        .insert(app, dept);
    let other = ecology_item("HJ-004", "土壤污染状况调查").insert(app, dept);
    let agency_id = AgencyBuilder::new("agency@example.com")
        .name(AGENCY_NAME)
        .items(&[item])
        .insert(app)
        .await;
    AgencyBuilder::new("other@example.com")
        .name("云南某某测绘有限公司")
        .items(&[other])
        .insert(app)
        .await;
    let owner_id = app.signed_in(Role::Owner, "owner@example.com").await;
    EcologyMarket {
        dept,
        item,
        item_name: "环境影响报告表编制",
        dept_item,
        fixed_item,
        owner_id,
        agency_id,
        agency_email: "agency@example.com",
        other_agency_email: "other@example.com",
    }
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The last number in a redirect's path.
fn id_in(loc: &str) -> i64 {
    loc.trim_end_matches('/')
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {loc}"))
}

async fn post_text(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = app.post(path, form).await;
    let s = r.status().as_u16();
    (s, r.text().await.unwrap_or_default())
}

async fn create_project(app: &TestApp, fiscal: &str) -> i64 {
    let r = app
        .post(
            "/owner/projects/new",
            &[
                ("name", "钒钛产业园区道路工程"),
                ("code", "2026-510402-04-01-123456"),
                ("region", "pzh_dongqu"),
                ("fiscal_funds", fiscal),
                ("total_investment", "12,000,000"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303, "project created");
    id_in(&location(&r))
}

/// A valid draft form for `item`, with `changes` applied.
fn draft_form(item: i64, deadline: NaiveDate, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![
        ("item_id".into(), item.to_string()),
        (
            "scope".into(),
            "本项目位于攀枝花市东区炳草岗街道，编制建设项目环境影响报告表并配合完成审批。".into(),
        ),
        ("time_limit_days".into(), "15".into()),
        ("cap".into(), "50000".into()),
        ("mode".into(), "lowest_price".into()),
        ("deadline_date".into(), ymd(deadline)),
        ("deadline_time".into(), "17:00".into()),
        ("min_grade".into(), String::new()),
        ("weight_price".into(), "40".into()),
        ("weight_credit".into(), "30".into()),
        ("weight_qual".into(), "30".into()),
        ("complaint_phone".into(), "0812-3336001".into()),
        ("witness".into(), String::new()),
        ("avoided".into(), String::new()),
    ];
    for (k, v) in changes {
        if let Some(e) = f.iter_mut().find(|(n, _)| n == k) {
            e.1 = v.to_string();
        }
    }
    f
}

async fn post_form(app: &TestApp, path: &str, f: &[(String, String)]) -> reqwest::Response {
    let v: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post(path, &v).await
}

async fn create_draft(app: &TestApp, project: i64, f: &[(String, String)]) -> i64 {
    let r = post_form(
        app,
        &format!("/owner/projects/{project}/announcements/new"),
        f,
    )
    .await;
    let s = r.status().as_u16();
    let loc = location(&r);
    assert_eq!(
        s,
        303,
        "draft saved: {}",
        r.text().await.unwrap_or_default()
    );
    id_in(&loc)
}

fn status_of(app: &TestApp, id: i64) -> String {
    announcements::table
        .find(id)
        .select(announcements::status)
        .first(&mut *app.conn())
        .unwrap()
}

fn count_announcements(app: &TestApp) -> i64 {
    announcements::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

fn mails_to(app: &TestApp, to: &str) -> Vec<(String, String)> {
    outbox::table
        .filter(outbox::to_addr.eq(to))
        .order(outbox::id)
        .select((outbox::subject, outbox::body))
        .load(&mut *app.conn())
        .unwrap()
}

/// Creates and publishes a draft; returns its id.
async fn published(app: &TestApp, project: i64, item: i64, deadline: NaiveDate) -> i64 {
    let id = create_draft(app, project, &draft_form(item, deadline, &[])).await;
    let r = app
        .post(&format!("/owner/announcements/{id}/publish"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(status_of(app, id), "published");
    id
}

// ------------------------------------------------------------------ publication

#[actix_web::test]
async fn owner_creates_a_project_and_a_draft_and_publishes_it() {
    let app = spawn_app().await;
    let w = ecology_market(&app).await;
    let (s, page) = app.get_text("/owner/projects").await;
    assert_eq!(s, 200);
    assert!(page.contains("我的项目"));

    let project = create_project(&app, "yes").await;
    let (s, page) = app.get_text(&format!("/owner/projects/{project}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("2026-510402-04-01-123456") && page.contains("使用财政资金"));
    let (s, form) = app
        .get_text(&format!("/owner/projects/{project}/announcements/new"))
        .await;
    assert_eq!(s, 200);
    assert!(form.contains("HJ-001") && form.contains("最早为"));

    let deadline = deadline_day(&app, 5);
    let f = draft_form(w.item, deadline, &[("avoided", "云南某某测绘有限公司")]);
    let id = create_draft(&app, project, &f).await;
    assert_eq!(status_of(&app, id), "draft");

    // The draft is the owner's: its page shows the checks, nobody else sees it.
    let (s, page) = app.get_text(&format!("/announcements/{id}")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("发布前检查") && page.contains("各项检查均已通过"),
        "{page}"
    );
    let visitor = clone_app(&app);
    assert_eq!(
        visitor.get_text(&format!("/announcements/{id}")).await.0,
        404
    );
    assert!(
        !visitor
            .get_text("/announcements")
            .await
            .1
            .contains("HJ-001")
    );

    let r = app
        .post(&format!("/owner/announcements/{id}/publish"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), format!("/announcements/{id}"));

    // The seed is sealed, its commitment public; opening the box gives a seed whose SHA-256
    // is the commitment.
    let (sealed, commitment): (Option<String>, Option<String>) = announcements::table
        .find(id)
        .select((announcements::seed_sealed, announcements::seed_commitment))
        .first(&mut *app.conn())
        .unwrap();
    let (sealed, commitment) = (sealed.unwrap(), commitment.unwrap());
    assert_eq!(commitment.len(), 64);
    let seed = zhongjie::domain::seal::open_seed(&app.config.sealing_key, id, &sealed).unwrap();
    let s = zhongjie::domain::draw::Seed::from_hex(&seed).unwrap();
    assert_eq!(s.commitment(), commitment);
    assert!(!sealed.contains(&seed));
    // Never in the audit trail.
    let details: Vec<String> = audit_log::table
        .select(audit_log::detail)
        .load(&mut *app.conn())
        .unwrap();
    assert!(details.iter().all(|d| !d.contains(&seed)));

    let (s, page) = visitor.get_text(&format!("/announcements/{id}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("摇号种子承诺值 SHA-256") && page.contains(&commitment));
    assert!(page.contains("/catalogue/HJ-001") && page.contains(w.item_name));
    assert!(
        page.contains("公告中") && page.contains("发布公告"),
        "timeline"
    );
    assert!(
        page.contains("云南某某测绘有限公司"),
        "avoided units are public"
    );
    assert!(
        page.contains(&format!("{} 17:00", ymd(deadline))),
        "deadline in China time"
    );
    let (_, list) = visitor.get_text("/announcements").await;
    assert!(
        list.contains(&format!("/announcements/{id}")) && list.contains("钒钛产业园区道路工程")
    );
    let (_, list) = visitor.get_text("/announcements?mode=random_draw").await;
    assert!(!list.contains(&format!("/announcements/{id}\"")));
    assert_eq!(visitor.get_text("/announcements?status=draft").await.0, 400);
    assert_eq!(visitor.get_text("/announcements?mode=auction").await.0, 400);

    // Mail to the agency offering the item, none to the one that does not.
    let mails = mails_to(&app, w.agency_email);
    assert!(
        mails
            .iter()
            .any(|(s, b)| s.contains("新的中介服务公告")
                && b.contains(&format!("/announcements/{id}"))),
        "{mails:?}"
    );
    assert!(mails_to(&app, w.other_agency_email).is_empty());

    // An agency sees the way to register and quote.
    let a = clone_app(&app);
    assert_eq!(
        a.login(w.agency_email, PASSWORD).await.status().as_u16(),
        303
    );
    let (_, page) = a.get_text(&format!("/announcements/{id}")).await;
    assert!(page.contains(&format!("/announcements/{id}/bid")));
    // A published announcement is no longer edited as a draft.
    let r = app.get(&format!("/owner/announcements/{id}/edit")).await;
    assert_eq!(location(&r), format!("/owner/announcements/{id}/change"));
    let r = app
        .post(&format!("/owner/announcements/{id}/publish"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let _ = w.agency_id;
    let _ = w.owner_id;
}

#[actix_web::test]
async fn each_failing_publication_rule_is_422_with_its_message() {
    let app = spawn_app().await;
    let w = ecology_market(&app).await;
    let fiscal = create_project(&app, "yes").await;
    let deadline = ymd(deadline_day(&app, 5));
    let tomorrow = ymd(today() + Duration::days(1));

    struct Case {
        item: i64,
        changes: Vec<(&'static str, String)>,
        message: String,
    }
    let cases = vec![
        Case {
            item: w.dept_item,
            changes: vec![],
            message: "只能由该审批部门发布公告".into(),
        },
        Case {
            item: w.item,
            changes: vec![("mode", "direct".into())],
            message: "直接选取仅适用于不使用财政资金的项目".into(),
        },
        Case {
            item: w.item,
            changes: vec![("time_limit_days", "30".into())],
            message: "不得超过该事项的法定时限 20 天".into(),
        },
        Case {
            item: w.fixed_item,
            changes: vec![("cap", "500".into())],
            message: "最高限价不得低于政府定价 ¥1,000.00".into(),
        },
        Case {
            item: w.item,
            changes: vec![("deadline_date", tomorrow.clone())],
            message: "报价期不得少于 3 个工作日".into(),
        },
        Case {
            item: w.item,
            changes: vec![
                ("mode", "weighted_scoring".into()),
                ("weight_price", "20".into()),
                ("weight_credit", "40".into()),
                ("weight_qual", "40".into()),
            ],
            message: "价格权重须在 30% 至 60% 之间".into(),
        },
        Case {
            item: w.item,
            changes: vec![("scope", "仅限本地企业报名，编制环境影响报告表。".into())],
            message: "含有地域限制的表述「本地企业」".into(),
        },
        Case {
            item: w.item,
            changes: vec![("scope", "编制报告表，要求国有企业优先。".into())],
            message: "含有所有制限制的表述「国有企业优先」".into(),
        },
        Case {
            item: w.item,
            changes: vec![("scope", "报名机构注册资本不低于500万元。".into())],
            message: "含有规模门槛的表述「注册资本不低于」".into(),
        },
        Case {
            item: w.item,
            changes: vec![("scope", format!("由{AGENCY_NAME}编制环境影响报告表。"))],
            message: format!("含有指定或点名中介机构的表述「{AGENCY_NAME}」"),
        },
        Case {
            item: w.item,
            changes: vec![("witness", "本地企业优先".into())],
            message: "含有地域限制的表述「本地企业」".into(),
        },
    ];
    for case in cases {
        let changes: Vec<(&str, &str)> =
            case.changes.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let f = draft_form(
            case.item,
            NaiveDate::parse_from_str(&deadline, "%Y-%m-%d").unwrap(),
            &changes,
        );
        let id = create_draft(&app, fiscal, &f).await;
        let (s, body) = post_text(&app, &format!("/owner/announcements/{id}/publish"), &[]).await;
        assert_eq!(s, 422, "{}", case.message);
        assert!(body.contains(&case.message), "{}:\n{body}", case.message);
        assert!(body.contains("发布前检查未通过"));
        assert_eq!(status_of(&app, id), "draft", "{}", case.message);
    }

    // The item must be retained.
    let id = create_draft(
        &app,
        fiscal,
        &draft_form(w.item, deadline_day(&app, 5), &[]),
    )
    .await;
    diesel::update(catalogue_items::table.find(w.item))
        .set(catalogue_items::status.eq("cancelled"))
        .execute(&mut *app.conn())
        .unwrap();
    let (s, body) = post_text(&app, &format!("/owner/announcements/{id}/publish"), &[]).await;
    assert_eq!(s, 422);
    assert!(body.contains("不是事项库中保留的事项"));
    diesel::update(catalogue_items::table.find(w.item))
        .set(catalogue_items::status.eq("retained"))
        .execute(&mut *app.conn())
        .unwrap();

    // The deadline passed while the draft waited.
    diesel::update(announcements::table.find(id))
        .set(announcements::deadline.eq(zhongjie::db::now() - Duration::hours(1)))
        .execute(&mut *app.conn())
        .unwrap();
    let (s, body) = post_text(&app, &format!("/owner/announcements/{id}/publish"), &[]).await;
    assert_eq!(s, 422);
    assert!(body.contains("报价截止时间必须晚于当前时间"));

    // Nothing was published and no agency was mailed about it.
    assert!(
        mails_to(&app, w.agency_email)
            .iter()
            .all(|(s, _)| !s.contains("新的中介服务公告"))
    );

    // An owner account recorded with the paying department is still not the department:
    // only its staff commission the item (tests/api/selection/policy_rules.rs). A project without
    // fiscal funds may use direct selection.
    diesel::update(users::table.find(w.owner_id))
        .set(users::department_id.eq(Some(w.dept)))
        .execute(&mut *app.conn())
        .unwrap();
    let own = create_project(&app, "no").await;
    let f = draft_form(
        w.dept_item,
        deadline_day(&app, 5),
        &[("mode", "direct"), ("cap", "")],
    );
    let id = create_draft(&app, own, &f).await;
    let (s, body) = post_text(&app, &format!("/owner/announcements/{id}/publish"), &[]).await;
    assert_eq!(s, 422);
    assert!(body.contains("只能由该审批部门发布公告"));
    let f = draft_form(
        w.item,
        deadline_day(&app, 5),
        &[("mode", "direct"), ("cap", "")],
    );
    let id = create_draft(&app, own, &f).await;
    let r = app
        .post(&format!("/owner/announcements/{id}/publish"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(status_of(&app, id), "published");
}

#[actix_web::test]
async fn bad_input_is_refused_beside_the_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let w = ecology_market(&app).await;
    let project = create_project(&app, "yes").await;
    let deadline = deadline_day(&app, 5);
    let yesterday = ymd(today() - Duration::days(1));
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("deadline_date", &yesterday)],
            "报价截止时间必须晚于当前时间",
        ),
        (vec![("cap", "0")], "最高限价必须大于零"),
        (vec![("cap", "1.234")], "金额最多保留两位小数"),
        (vec![("cap", "abc")], "金额格式不正确"),
        (vec![("cap", "")], "该选取方式须报价，必须设定最高限价"),
        (vec![("time_limit_days", "十五天")], "服务时限须为 1 至"),
        (vec![("deadline_date", "2026-02-30")], "请输入有效日期"),
        (vec![("deadline_time", "5pm")], "请输入有效时间"),
        (vec![("complaint_phone", "12")], "电话"),
        (vec![("min_grade", "A")], "信用等级要求只能为"),
        (
            vec![("avoided", "不存在的机构")],
            "未找到回避单位「不存在的机构」",
        ),
        (vec![("scope", "")], "此项为必填项"),
    ];
    for (changes, message) in cases {
        let f = draft_form(w.item, deadline, &changes);
        let r = post_form(
            &app,
            &format!("/owner/projects/{project}/announcements/new"),
            &f,
        )
        .await;
        assert_eq!(r.status().as_u16(), 422, "{message}");
        let body = r.text().await.unwrap();
        assert!(body.contains(message), "{message}:\n{body}");
        assert!(body.contains("field-error"), "beside the field");
        if !changes.iter().any(|(k, _)| *k == "scope") {
            assert!(body.contains("炳草岗街道"), "the other input is kept");
        }
        assert_eq!(count_announcements(&app), 0, "{message}: nothing saved");
    }

    // The project form too.
    let before: i64 = projects::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    let (s, body) = post_text(
        &app,
        "/owner/projects/new",
        &[
            ("name", "道路工程"),
            ("code", "代码 1"),
            ("region", "mars"),
            ("fiscal_funds", ""),
            ("total_investment", "1.234"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    for m in [
        "项目代码只能由字母",
        "请选择项目所在地区",
        "请选择是否使用财政资金",
        "金额最多保留两位小数",
    ] {
        assert!(body.contains(m), "{m}");
    }
    assert!(body.contains("道路工程"));
    let after: i64 = projects::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(before, after);

    // A draft edit with bad input keeps the stored draft as it was.
    let id = create_draft(&app, project, &draft_form(w.item, deadline, &[])).await;
    let f = draft_form(w.item, deadline, &[("cap", "1.234"), ("scope", "新的范围")]);
    let r = post_form(&app, &format!("/owner/announcements/{id}/edit"), &f).await;
    assert_eq!(r.status().as_u16(), 422);
    let (scope, cap): (String, Option<i64>) = announcements::table
        .find(id)
        .select((announcements::scope, announcements::cap_fen))
        .first(&mut *app.conn())
        .unwrap();
    assert!(scope.contains("炳草岗街道"));
    assert_eq!(cap, Some(5_000_000));
    // A good edit is saved.
    let f = draft_form(w.item, deadline, &[("cap", "48000.5")]);
    let r = post_form(&app, &format!("/owner/announcements/{id}/edit"), &f).await;
    assert_eq!(r.status().as_u16(), 303);
    let cap: Option<i64> = announcements::table
        .find(id)
        .select(announcements::cap_fen)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(cap, Some(4_800_050));
}

#[actix_web::test]
async fn another_owner_cannot_see_or_edit_a_draft() {
    let app = spawn_app().await;
    let w = ecology_market(&app).await;
    let project = create_project(&app, "yes").await;
    let id = create_draft(
        &app,
        project,
        &draft_form(w.item, deadline_day(&app, 5), &[]),
    )
    .await;

    let other = clone_app(&app);
    other.signed_in(Role::Owner, "owner2@example.com").await;
    assert_eq!(other.get_text(&format!("/announcements/{id}")).await.0, 404);
    assert_eq!(
        other
            .get_text(&format!("/owner/announcements/{id}/edit"))
            .await
            .0,
        403
    );
    assert_eq!(
        other
            .get_text(&format!("/owner/projects/{project}"))
            .await
            .0,
        403
    );
    assert_eq!(
        other
            .get_text(&format!("/owner/projects/{project}/announcements/new"))
            .await
            .0,
        403
    );
    let f = draft_form(w.item, deadline_day(&app, 5), &[("scope", "改写的范围")]);
    let r = post_form(&other, &format!("/owner/announcements/{id}/edit"), &f).await;
    assert_eq!(r.status().as_u16(), 403);
    let r = post_form(
        &other,
        &format!("/owner/projects/{project}/announcements/new"),
        &f,
    )
    .await;
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(
        other
            .post(&format!("/owner/announcements/{id}/publish"), &[])
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        other
            .post(
                &format!("/owner/announcements/{id}/cancel"),
                &[("reason", "x")]
            )
            .await
            .status()
            .as_u16(),
        403
    );
    let (_, list) = other.get_text("/owner/projects").await;
    assert!(!list.contains("钒钛产业园区道路工程"));
    assert_eq!(status_of(&app, id), "draft");
    assert_eq!(count_announcements(&app), 1);

    // An agency is refused the owner's pages; a visitor is sent to log in.
    let agency = clone_app(&app);
    assert_eq!(
        agency
            .login(w.agency_email, PASSWORD)
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(
        agency.get_text(&format!("/announcements/{id}")).await.0,
        404
    );
    assert_eq!(agency.get_text("/owner/projects").await.0, 403);
    let visitor = clone_app(&app);
    let r = visitor.get("/owner/projects").await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(location(&r).starts_with("/login"));
    // Without the form token nothing happens.
    let r = app
        .post_no_csrf(&format!("/owner/announcements/{id}/publish"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(status_of(&app, id), "draft");
}

// ------------------------------------------------------------------ changes

#[actix_web::test]
async fn deadline_changes_follow_the_48_hour_rules() {
    let app = spawn_app().await;
    let w = ecology_market(&app).await;
    let project = create_project(&app, "yes").await;
    let d0 = deadline_day(&app, 5);
    let id = published(&app, project, w.item, d0).await;
    let path = format!("/owner/announcements/{id}/change");
    let (s, form) = app.get_text(&path).await;
    assert_eq!(s, 200);
    assert!(form.contains("发布后不可变更"));

    // One more day is not enough: an extension adds at least 48 hours.
    let f = draft_form(w.item, d0 + Duration::days(1), &[]);
    let r = post_form(&app, &path, &f).await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("至少延长 48 小时"));
    // Nor can it be brought forward.
    let f = draft_form(w.item, d0 - Duration::days(1), &[]);
    assert_eq!(post_form(&app, &path, &f).await.status().as_u16(), 422);
    // Two days later is.
    let f = draft_form(w.item, d0 + Duration::days(2), &[]);
    let r = post_form(&app, &path, &f).await;
    assert_eq!(r.status().as_u16(), 303);
    let (deadline, version): (chrono::NaiveDateTime, i32) = announcements::table
        .find(id)
        .select((announcements::deadline, announcements::version))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(
        zhongjie::domain::publication::fmt_china(deadline),
        format!("{} 17:00", ymd(d0 + Duration::days(2)))
    );
    assert_eq!(version, 1, "a deadline change is not material");

    // Within 48 hours of the deadline it is frozen.
    let soon = zhongjie::db::now() + Duration::hours(30);
    diesel::update(announcements::table.find(id))
        .set(announcements::deadline.eq(soon))
        .execute(&mut *app.conn())
        .unwrap();
    let f = draft_form(w.item, d0 + Duration::days(9), &[]);
    let r = post_form(&app, &path, &f).await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("已不足 48 小时"));
    let still: chrono::NaiveDateTime = announcements::table
        .find(id)
        .select(announcements::deadline)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(still, soon);
}

#[actix_web::test]
async fn a_material_edit_bumps_the_version_and_asks_quoters_to_reconfirm() {
    let app = spawn_app().await;
    let w = ecology_market(&app).await;
    let project = create_project(&app, "yes").await;
    let d0 = deadline_day(&app, 5);
    let id = published(&app, project, w.item, d0).await;
    // One agency quoted (an active quote on version 1), another only registered.
    let quoter = w.agency_id;
    let registrant = app
        .create_user(Role::Agency, "registrant@example.com")
        .await;
    QuoteBuilder::new(id, quoter).client_addr("").insert(&app);
    for a in [quoter, registrant] {
        register(&app, id, a);
    }
    let path = format!("/owner/announcements/{id}/change");
    let before = app.outbox_bodies().len();

    // The rules of an edited field are checked again.
    let f = draft_form(w.item, d0, &[("scope", "本地企业优先，编制报告表。")]);
    let r = post_form(&app, &path, &f).await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("含有地域限制的表述"));
    let f = draft_form(w.item, d0, &[("time_limit_days", "25")]);
    assert_eq!(post_form(&app, &path, &f).await.status().as_u16(), 422);
    // Nothing changed is not a change.
    let f = draft_form(w.item, d0, &[]);
    let r = post_form(&app, &path, &f).await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("没有任何变更"));
    assert_eq!(app.outbox_bodies().len(), before);

    // A new cap is material: version 2, the quoter is asked to re-confirm, the registrant told.
    let f = draft_form(w.item, d0, &[("cap", "45000")]);
    let r = post_form(&app, &path, &f).await;
    assert_eq!(r.status().as_u16(), 303);
    let (version, cap): (i32, Option<i64>) = announcements::table
        .find(id)
        .select((announcements::version, announcements::cap_fen))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((version, cap), (2, Some(4_500_000)));
    let q = mails_to(&app, w.agency_email);
    assert!(
        q.iter().any(|(s, b)| s.contains("请重新确认报价")
            && b.contains("最高限价")
            && b.contains("第 2 版")),
        "{q:?}"
    );
    let r = mails_to(&app, "registrant@example.com");
    assert!(r.iter().any(|(s, _)| s.contains("公告变更")), "{r:?}");

    // A new complaint phone is not material.
    let f = draft_form(
        w.item,
        d0,
        &[("cap", "45000"), ("complaint_phone", "13800000001")],
    );
    assert_eq!(post_form(&app, &path, &f).await.status().as_u16(), 303);
    let version: i32 = announcements::table
        .find(id)
        .select(announcements::version)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(version, 2);
    let (_, page) = app.get_text(&format!("/announcements/{id}")).await;
    assert!(page.contains("变更公告") && page.contains("13800000001"));
    assert!(page.contains("45,000.00"));
}

// ------------------------------------------------------------------ cancellation

#[actix_web::test]
async fn cancellation_needs_a_reason_and_is_public() {
    let app = spawn_app().await;
    let w = ecology_market(&app).await;
    let project = create_project(&app, "yes").await;
    let id = published(&app, project, w.item, deadline_day(&app, 5)).await;
    let registrant = app
        .create_user(Role::Agency, "registrant@example.com")
        .await;
    register(&app, id, registrant);
    let path = format!("/owner/announcements/{id}/cancel");
    assert_eq!(app.get_text(&path).await.0, 200);

    let (s, body) = post_text(&app, &path, &[("reason", "   ")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("此项为必填项"));
    assert_eq!(status_of(&app, id), "published");

    let r = app
        .post(&path, &[("reason", "项目规划调整，暂缓实施。")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(status_of(&app, id), "cancelled");
    let visitor = clone_app(&app);
    let (_, page) = visitor.get_text(&format!("/announcements/{id}")).await;
    assert!(page.contains("本公告已取消") && page.contains("项目规划调整，暂缓实施。"));
    assert!(page.contains("取消公告"), "timeline");
    let (_, list) = visitor.get_text("/announcements?status=cancelled").await;
    assert!(list.contains(&format!("/announcements/{id}")));
    let m = mails_to(&app, "registrant@example.com");
    assert!(
        m.iter()
            .any(|(s, b)| s.contains("公告已取消") && b.contains("项目规划调整")),
        "{m:?}"
    );

    // Once cancelled nothing more can change.
    let r = app.post(&path, &[("reason", "再次取消")]).await;
    assert_eq!(r.status().as_u16(), 303);
    let f = draft_form(w.item, deadline_day(&app, 8), &[]);
    let r = post_form(&app, &format!("/owner/announcements/{id}/change"), &f).await;
    assert_eq!(r.status().as_u16(), 303);
    let reason: Option<String> = announcements::table
        .find(id)
        .select(announcements::cancel_reason)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(reason.as_deref(), Some("项目规划调整，暂缓实施。"));

    // A draft is discarded instead: it never was public.
    let draft = create_draft(
        &app,
        project,
        &draft_form(w.item, deadline_day(&app, 5), &[]),
    )
    .await;
    let r = app
        .post(
            &format!("/owner/announcements/{draft}/cancel"),
            &[("reason", "重复录入")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(count_announcements(&app), 1);
    assert_eq!(
        app.get_text(&format!("/announcements/{draft}")).await.0,
        404
    );
}

#[actix_web::test]
async fn english_pages_and_the_public_list_paging() {
    let app = spawn_app().await;
    let w = ecology_market(&app).await;
    let project = create_project(&app, "yes").await;
    let d = deadline_day(&app, 5);
    let mut ids = Vec::new();
    for _ in 0..21 {
        ids.push(published(&app, project, w.item, d).await);
    }
    let visitor = clone_app(&app);
    let (s, first) = visitor.get_text("/announcements?lang=en").await;
    assert_eq!(s, 200);
    assert!(first.contains("Announcements") && first.contains("Open"));
    // Newest first; 20 a page; the oldest on page 2.
    assert!(first.contains(&format!("/announcements/{}\"", ids[20])));
    assert!(!first.contains(&format!("/announcements/{}\"", ids[0])));
    assert!(first.contains("page=2"));
    let (_, second) = visitor.get_text("/announcements?page=2").await;
    assert!(second.contains(&format!("/announcements/{}\"", ids[0])));
    assert_eq!(visitor.get_text("/announcements?page=0").await.0, 400);
    let (_, page) = visitor
        .get_text(&format!("/announcements/{}?lang=en", ids[0]))
        .await;
    assert!(page.contains("Draw seed commitment (SHA-256)") && page.contains("Published"));
}
