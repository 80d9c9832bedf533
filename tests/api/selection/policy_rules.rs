//! The rules the policy (附件4 of the plan) sets on publication, over HTTP: the 20%-faster
//! service time limit and its public, counted reason ((九)); the regional assessment the owner
//! is told of before publishing, and the special/major declaration it needs to go on ((十));
//! 自行编制 instead of an announcement, recorded and shown to the item's department ((九));
//! the approval department's staff commissioning and running a department-paid item as the
//! owner through to the accepted, paid and rated contract ((五)); and the procurement
//! threshold for fiscal-funded announcements ((十一)).

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::{
    announcement_results, announcements, audit_log, contract_payments, contracts, evaluations,
    objections, outbox, projects, self_preparations,
};
use zhongjie::domain::workdays::china_date;

use crate::accounts::auth::clone_app;
use crate::fixtures::{AgencyBuilder, ItemBuilder, department, regulator};
use crate::helpers::*;

fn today() -> NaiveDate {
    china_date(Utc::now())
}

/// A deadline `n` working days after today on the database calendar, and a day more.
fn deadline_day(app: &TestApp, n: u32) -> String {
    let cal = zhongjie::accounts::store::calendar::load_from(&mut app.conn(), today()).unwrap();
    (cal.add_working_days(today(), n) + Duration::days(1))
        .format("%Y-%m-%d")
        .to_string()
}

/// The ecology bureau's items, one for each policy rule, and the owner signed in on `app`.
struct EcologyItems {
    dept: i64,
    /// Enterprise-paid, statutory limit 20 days (target 16).
    item: i64,
    /// Enterprise-paid and self-preparable, statutory limit 10 days.
    own_item: i64,
    /// Enterprise-paid, covered by a regional assessment in 钒钛高新区.
    regional_item: i64,
    /// Paid by the department, statutory limit 15 days (target 12).
    dept_item: i64,
    owner_id: i64,
}

fn it<'a>(code: &'a str, name: &'a str, days: i32) -> ItemBuilder<'a> {
    ItemBuilder::new(code, name)
        .approval("建设项目环境影响评价文件审批")
        .legal_basis("《中华人民共和国环境影响评价法》")
        .time_limit(days)
}

/// The department first (a test regulator belongs to the first department), its items, and
/// the owner signed in on `app`.
async fn ecology_items(app: &TestApp) -> EcologyItems {
    let dept = department(app, "sthjj", "攀枝花市生态环境局", "Ecology");
    department(app, "zjj", "攀枝花市住房和城乡建设局", "Housing");
    let item = it("HJ-101", "环境影响报告表编制", 20).insert(app, dept);
    let own_item = it("HJ-102", "建设项目竣工环境保护验收调查", 10)
        .self_preparable()
        .insert(app, dept);
    let regional_item = it("HJ-103", "地质灾害危险性评估", 20)
        .regional_assessment()
        .insert(app, dept);
    let dept_item = it("HJ-104", "环境影响评价文件技术评估", 15)
        .paid_by_department()
        .insert(app, dept);
    let owner_id = app.signed_in(Role::Owner, "owner@example.com").await;
    EcologyItems {
        dept,
        item,
        own_item,
        regional_item,
        dept_item,
        owner_id,
    }
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn id_in(loc: &str) -> i64 {
    loc.trim_end_matches('/')
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {loc}"))
}

async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = app.post(path, form).await;
    let s = r.status().as_u16();
    (s, r.text().await.unwrap_or_default())
}

async fn create_project(app: &TestApp, region: &str, fiscal: &str) -> i64 {
    let r = app
        .post(
            "/owner/projects/new",
            &[
                ("name", "钒钛产业园区道路工程"),
                ("code", "2026-510402-04-01-123456"),
                ("region", region),
                ("fiscal_funds", fiscal),
                ("total_investment", "12,000,000"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303, "project created");
    id_in(&location(&r))
}

/// A valid draft form for `item` (lowest price, cap ¥50,000, 12 days), with `changes`.
fn draft_form<'a>(
    item: i64,
    deadline: &'a str,
    changes: &[(&'a str, &'a str)],
) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("item_id", item.to_string()),
        (
            "scope",
            "本项目位于攀枝花市，编制专项报告并配合完成审批。".to_string(),
        ),
        ("time_limit_days", "12".into()),
        ("time_limit_reason", String::new()),
        ("cap", "50000".into()),
        ("mode", "lowest_price".into()),
        ("deadline_date", deadline.to_string()),
        ("deadline_time", "17:00".into()),
        ("min_grade", String::new()),
        ("complaint_phone", "0812-3336001".into()),
        ("witness", String::new()),
        ("avoided", String::new()),
        ("regional_exception", String::new()),
        ("regional_exception_reason", String::new()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in changes {
        match f.iter_mut().find(|(n, _)| n == k) {
            Some(e) => e.1 = v.to_string(),
            None => f.push((k.to_string(), v.to_string())),
        }
    }
    f
}

async fn post_form(app: &TestApp, path: &str, f: &[(String, String)]) -> (u16, String, String) {
    let v: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app.post(path, &v).await;
    let s = r.status().as_u16();
    let loc = location(&r);
    (s, loc, r.text().await.unwrap_or_default())
}

async fn create_draft(app: &TestApp, project: i64, f: &[(String, String)]) -> i64 {
    let (s, loc, body) = post_form(
        app,
        &format!("/owner/projects/{project}/announcements/new"),
        f,
    )
    .await;
    assert_eq!(s, 303, "draft saved: {body}");
    id_in(&loc)
}

async fn publish(app: &TestApp, id: i64) -> (u16, String) {
    post(app, &format!("/owner/announcements/{id}/publish"), &[]).await
}

fn status_of(app: &TestApp, id: i64) -> String {
    announcements::table
        .find(id)
        .select(announcements::status)
        .first(&mut *app.conn())
        .unwrap()
}

/// The message shown beside form field `field` contains `text`.
fn beside(body: &str, field: &str, text: &str) -> bool {
    let marker = format!("id=\"f-{field}-err\">");
    body.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .is_some_and(|m| m.contains(text))
}

fn mails_to(app: &TestApp, to: &str) -> Vec<(String, String)> {
    outbox::table
        .filter(outbox::to_addr.eq(to))
        .order(outbox::id)
        .select((outbox::subject, outbox::body))
        .load(&mut *app.conn())
        .unwrap()
}

// ------------------------------------------------------------------ 提速 20%

#[actix_web::test]
async fn a_time_limit_beyond_80_percent_needs_a_public_reason_and_is_counted() {
    let app = spawn_app().await;
    let w = ecology_items(&app).await;
    let project = create_project(&app, "pzh_dongqu", "yes").await;
    let deadline = deadline_day(&app, 5);

    // The form names each item's statutory limit and its 20%-faster default.
    let (s, form) = app
        .get_text(&format!("/owner/projects/{project}/announcements/new"))
        .await;
    assert_eq!(s, 200);
    assert!(
        form.contains("HJ-101 环境影响报告表编制（法定 20 天，提速后 16 天）"),
        "{form}"
    );

    // Left empty, the time limit is 80% of the statutory limit, rounded down.
    let id = create_draft(
        &app,
        project,
        &draft_form(w.item, &deadline, &[("time_limit_days", "")]),
    )
    .await;
    let days: i32 = announcements::table
        .find(id)
        .select(announcements::time_limit_days)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(days, 16);

    // Longer without a reason: refused beside the reason field, nothing published.
    let slow = create_draft(
        &app,
        project,
        &draft_form(w.item, &deadline, &[("time_limit_days", "18")]),
    )
    .await;
    let (s, body) = publish(&app, slow).await;
    assert_eq!(s, 422);
    assert!(
        beside(&body, "time_limit_reason", "须说明理由"),
        "beside the field: {body}"
    );
    assert_eq!(status_of(&app, slow), "draft");
    // The draft page lists it among the checks before publishing.
    let (_, page) = app.get_text(&format!("/announcements/{slow}")).await;
    assert!(page.contains("超过法定时限 20 天的 80%（16 天）"));

    // With the reason it is published; the public page shows the reason.
    let reason = "须完成一个完整枯水期的水质监测";
    let mut f = draft_form(
        w.item,
        &deadline,
        &[("time_limit_days", "18"), ("time_limit_reason", reason)],
    );
    let (s, _, _) = post_form(&app, &format!("/owner/announcements/{slow}/edit"), &f).await;
    assert_eq!(s, 303);
    assert_eq!(publish(&app, slow).await.0, 303);
    let visitor = clone_app(&app);
    let (_, page) = visitor.get_text(&format!("/announcements/{slow}")).await;
    assert!(page.contains(reason) && page.contains("超出提速目标的理由"));
    assert!(page.contains("法定时限 20 天，提速目标 16 天"));

    // A reason given where none is owed is not kept, so it is not counted.
    let fast = create_draft(
        &app,
        project,
        &draft_form(
            w.item,
            &deadline,
            &[("time_limit_days", "16"), ("time_limit_reason", "无需理由")],
        ),
    )
    .await;
    assert_eq!(publish(&app, fast).await.0, 303);
    let kept: String = announcements::table
        .find(fast)
        .select(announcements::time_limit_reason)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(kept, "");
    let (_, page) = visitor.get_text(&format!("/announcements/{fast}")).await;
    assert!(!page.contains("超出提速目标的理由"));

    // The figures count the published announcements beyond the target.
    let (_, figures) = visitor.get_text("/figures/fulfilment").await;
    assert!(
        figures.contains("1 个（已发布公告共 2 个"),
        "counted: {figures}"
    );

    // A change after publication that lengthens the limit needs the reason too.
    f = draft_form(w.item, &deadline, &[("time_limit_days", "19")]);
    let (s, _, body) = post_form(&app, &format!("/owner/announcements/{fast}/change"), &f).await;
    assert_eq!(s, 422);
    assert!(beside(&body, "time_limit_reason", "须说明理由"));
    let _ = w.owner_id;
}

// ------------------------------------------------------------------ 区域评估

#[actix_web::test]
async fn a_regional_assessment_is_told_before_publishing_and_needs_a_declaration() {
    let app = spawn_app().await;
    let w = ecology_items(&app).await;
    let (reg_id, reg) = regulator(&app, "reg@example.com", w.dept).await;
    let title = "攀枝花钒钛高新技术产业开发区区域地质灾害危险性评估报告";
    let assessment = {
        let mut c = app.conn();
        let upload = zhongjie::uploads::store::insert(
            &mut c,
            reg_id,
            "assessment-test.pdf",
            "区域评估报告.pdf",
            "application/pdf",
            1024,
            &"0".repeat(64),
        )
        .unwrap();
        zhongjie::catalogue::store::insert_assessment(
            &mut c,
            w.regional_item,
            "pzh_gaoxin",
            title,
            Some(upload),
            today() + Duration::days(700),
            reg_id,
        )
        .unwrap()
    };
    let project = create_project(&app, "pzh_gaoxin", "yes").await;
    let deadline = deadline_day(&app, 5);

    // Before anything is drafted, the form marks the covered item.
    let (_, form) = app
        .get_text(&format!("/owner/projects/{project}/announcements/new"))
        .await;
    assert!(
        form.contains("HJ-103 地质灾害危险性评估（法定 20 天，提速后 16 天；本区域已有区域评估）")
    );
    assert!(form.contains("name=\"regional_exception\""));

    // The draft page tells the owner before publishing: the assessment, its document, and
    // that no separate assessment is needed unless the project is special or major.
    let id = create_draft(&app, project, &draft_form(w.regional_item, &deadline, &[])).await;
    let (_, page) = app.get_text(&format!("/announcements/{id}")).await;
    assert!(
        page.contains("本区域已有区域评估，一般无需另行委托"),
        "{page}"
    );
    assert!(page.contains(title) && page.contains("钒钛高新区"));
    assert!(page.contains(&format!("/catalogue/assessments/{assessment}/document")));
    assert!(page.contains("除特殊工程和重大工程外"));
    let (_, edit) = app
        .get_text(&format!("/owner/announcements/{id}/edit"))
        .await;
    assert!(edit.contains("本区域已有区域评估，一般无需另行委托"));

    // Publishing without the declaration is refused beside the field.
    let (s, body) = publish(&app, id).await;
    assert_eq!(s, 422);
    assert!(beside(&body, "regional_exception", title), "{body}");
    assert_eq!(status_of(&app, id), "draft");
    // A declaration without its reason is refused too.
    let f = draft_form(
        w.regional_item,
        &deadline,
        &[("regional_exception", "major")],
    );
    post_form(&app, &format!("/owner/announcements/{id}/edit"), &f).await;
    let (s, body) = publish(&app, id).await;
    assert_eq!(s, 422);
    assert!(beside(&body, "regional_exception_reason", "理由"));

    // Declared major with the reason: published, recorded, and shown publicly.
    let reason = "列入省重点项目，用地范围超出区域评估范围";
    let f = draft_form(
        w.regional_item,
        &deadline,
        &[
            ("regional_exception", "major"),
            ("regional_exception_reason", reason),
        ],
    );
    post_form(&app, &format!("/owner/announcements/{id}/edit"), &f).await;
    assert_eq!(publish(&app, id).await.0, 303);
    let (class, kept): (String, String) = announcements::table
        .find(id)
        .select((
            announcements::regional_exception,
            announcements::regional_exception_reason,
        ))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((class.as_str(), kept.as_str()), ("major", reason));
    let (_, public) = clone_app(&app)
        .get_text(&format!("/announcements/{id}"))
        .await;
    assert!(
        public.contains("委托方声明本项目属于重大工程") && public.contains(reason),
        "{public}"
    );
    assert!(public.contains(title));

    // The department sees the declaration.
    let (s, rp) = reg.get_text("/regulate/policy-rules").await;
    assert_eq!(s, 200);
    assert!(rp.contains(reason) && rp.contains(&format!("/announcements/{id}")));

    // Outside the zone nothing is said and nothing is asked.
    let elsewhere = create_project(&app, "pzh_dongqu", "yes").await;
    let id = create_draft(
        &app,
        elsewhere,
        &draft_form(w.regional_item, &deadline, &[]),
    )
    .await;
    let (_, page) = app.get_text(&format!("/announcements/{id}")).await;
    assert!(!page.contains("本区域已有区域评估"));
    assert_eq!(publish(&app, id).await.0, 303);
    let _ = (w.item, w.owner_id);
}

// ------------------------------------------------------------------ 自行编制

#[actix_web::test]
async fn self_preparation_is_offered_recorded_and_shown_to_the_department() {
    let app = spawn_app().await;
    let w = ecology_items(&app).await;
    let (_, reg) = regulator(&app, "reg@example.com", w.dept).await;
    let project = create_project(&app, "pzh_dongqu", "yes").await;
    let deadline = deadline_day(&app, 5);

    // The project page offers it for the self-preparable item only.
    let (_, page) = app.get_text(&format!("/owner/projects/{project}")).await;
    assert!(page.contains(&format!(
        "action=\"/owner/projects/{project}/self-prepare\""
    )));
    assert!(page.contains(&format!("<option value=\"{}\">", w.own_item)));
    assert!(!page.contains(&format!("<option value=\"{}\">", w.item)));
    // A draft of that item points the owner to it.
    let draft = create_draft(
        &app,
        project,
        &draft_form(w.own_item, &deadline, &[("time_limit_days", "8")]),
    )
    .await;
    let (_, dp) = app.get_text(&format!("/announcements/{draft}")).await;
    assert!(dp.contains("该事项允许企业自主编制"));

    // Another owner cannot declare on this project.
    let stranger = clone_app(&app);
    stranger
        .signed_in(Role::Owner, "stranger@example.com")
        .await;
    let own = w.own_item.to_string();
    let (s, _) = post(
        &stranger,
        &format!("/owner/projects/{project}/self-prepare"),
        &[("item_id", own.as_str()), ("note", "")],
    )
    .await;
    assert_eq!(s, 403);

    // An item that may not be self-prepared: 422 beside the field, nothing recorded.
    let other = w.item.to_string();
    let (s, body) = post(
        &app,
        &format!("/owner/projects/{project}/self-prepare"),
        &[("item_id", other.as_str()), ("note", "")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(beside(&body, "item_id", "不允许企业自主编制"));
    let n: i64 = self_preparations::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 0);

    // Declared: recorded with its audit entry, and the department is told.
    let note = "由本单位环保部组织编制，预计两周完成";
    let (s, _) = post(
        &app,
        &format!("/owner/projects/{project}/self-prepare"),
        &[("item_id", own.as_str()), ("note", note)],
    )
    .await;
    assert_eq!(s, 303);
    let (sp_id, kept): (i64, String) = self_preparations::table
        .select((self_preparations::id, self_preparations::note))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(kept, note);
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("project.self_prepare"))
        .filter(audit_log::object_id.eq(project.to_string()))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(audited, 1);
    assert!(
        mails_to(&app, "reg@example.com")
            .iter()
            .any(|(s, b)| s.contains("自行编制") && b.contains("HJ-102")),
        "the department is mailed"
    );
    let (_, rp) = reg.get_text("/regulate/policy-rules").await;
    assert!(rp.contains("钒钛产业园区道路工程") && rp.contains(note) && rp.contains("HJ-102"));
    let (_, page) = app.get_text(&format!("/owner/projects/{project}")).await;
    assert!(page.contains(note) && page.contains("撤回声明"));

    // Declared twice: refused. The item is then not also commissioned.
    let (s, _) = post(
        &app,
        &format!("/owner/projects/{project}/self-prepare"),
        &[("item_id", own.as_str()), ("note", "")],
    )
    .await;
    assert_eq!(s, 422);
    let (s, body) = publish(&app, draft).await;
    assert_eq!(s, 422);
    assert!(beside(&body, "item_id", "已声明自行编制该事项"), "{body}");

    // Withdrawn (the record stays): the announcement may go out; then no new declaration.
    let (s, _) = post(
        &app,
        &format!("/owner/self-preparations/{sp_id}/withdraw"),
        &[],
    )
    .await;
    assert_eq!(s, 303);
    let withdrawn: Option<chrono::NaiveDateTime> = self_preparations::table
        .find(sp_id)
        .select(self_preparations::withdrawn_at)
        .first(&mut *app.conn())
        .unwrap();
    assert!(withdrawn.is_some());
    assert_eq!(publish(&app, draft).await.0, 303);
    let (s, body) = post(
        &app,
        &format!("/owner/projects/{project}/self-prepare"),
        &[("item_id", own.as_str()), ("note", "")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("已就该事项发布公告"));
}

// ------------------------------------------------------------------ 审批部门委托

#[actix_web::test]
async fn the_approval_department_s_staff_run_a_department_paid_item_as_the_owner() {
    let app = spawn_app().await;
    let w = ecology_items(&app).await;
    zhongjie::demo::contracts::load(&mut app.conn()).unwrap();
    let (_, r1) = regulator(&app, "reg1@example.com", w.dept).await;
    let (_, r2) = regulator(&app, "reg2@example.com", w.dept).await;
    let zjj: i64 = zhongjie::db::schema::departments::table
        .filter(zhongjie::db::schema::departments::code.eq("zjj"))
        .select(zhongjie::db::schema::departments::id)
        .first(&mut *app.conn())
        .unwrap();
    let (_, r3) = regulator(&app, "reg3@example.com", zjj).await;
    let deadline = deadline_day(&app, 5);

    // An owner cannot commission the department's item: not offered, and refused.
    let owned = create_project(&app, "pzh_dongqu", "no").await;
    let (_, form) = app
        .get_text(&format!("/owner/projects/{owned}/announcements/new"))
        .await;
    assert!(!form.contains("HJ-104"));
    let id = create_draft(&app, owned, &draft_form(w.dept_item, &deadline, &[])).await;
    let (s, body) = publish(&app, id).await;
    assert_eq!(s, 422);
    assert!(beside(&body, "item_id", "只能由该审批部门发布公告"));

    // The department's staff commission it: the project is the department's and uses
    // fiscal funds whatever the form said.
    let (s, _) = r1.get_text("/owner/projects/new").await;
    assert_eq!(s, 200);
    let project = create_project(&r1, "pzh_dongqu", "no").await;
    let (dept, fiscal): (Option<i64>, bool) = projects::table
        .find(project)
        .select((projects::department_id, projects::fiscal_funds))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((dept, fiscal), (Some(w.dept), true));
    let (_, pp) = r1.get_text(&format!("/owner/projects/{project}")).await;
    assert!(pp.contains("服务费用由审批部门支付并纳入部门预算"));
    // Only the items the department pays for.
    let (_, form) = r1
        .get_text(&format!("/owner/projects/{project}/announcements/new"))
        .await;
    assert!(form.contains("HJ-104") && !form.contains("HJ-101"));
    let other = create_draft(&r1, project, &draft_form(w.item, &deadline, &[])).await;
    let (s, body) = publish(&r1, other).await;
    assert_eq!(s, 422);
    assert!(body.contains("只能发布由本部门支付费用的中介服务事项"));

    // A colleague publishes the draft another staff member wrote; another department's
    // regulator and the owner may not touch it.
    let ann = create_draft(
        &r1,
        project,
        &draft_form(w.dept_item, &deadline, &[("cap", "80000")]),
    )
    .await;
    for outsider in [&r3, &app] {
        assert_eq!(
            outsider
                .get(&format!("/owner/announcements/{ann}/edit"))
                .await
                .status()
                .as_u16(),
            403
        );
        assert_eq!(publish(outsider, ann).await.0, 403);
    }
    assert_eq!(publish(&r2, ann).await.0, 303);
    let ann_dept: Option<i64> = announcements::table
        .find(ann)
        .select(announcements::owner_department_id)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(ann_dept, Some(w.dept));
    let (_, public) = clone_app(&app)
        .get_text(&format!("/announcements/{ann}"))
        .await;
    assert!(
        public.contains("攀枝花市生态环境局（审批部门委托，服务费用由审批部门支付并纳入部门预算）"),
        "the department is shown as the payer: {public}"
    );
    let (_, list) = r2.get_text("/owner/projects").await;
    assert!(list.contains(&format!("/owner/projects/{project}")));

    // Three agencies register and quote.
    let mut agencies = Vec::new();
    for (n, amount) in [("a1", "60000"), ("a2", "65000"), ("a3", "70000")] {
        let (aid, a) = AgencyBuilder::new(&format!("{n}@example.com"))
            .items(&[w.dept_item])
            .signed_in(&app)
            .await;
        let r = a.post(&format!("/announcements/{ann}/register"), &[]).await;
        assert_eq!(r.status().as_u16(), 303);
        let (s, body) = post(
            &a,
            &format!("/announcements/{ann}/quote"),
            &[("amount", amount), ("note", "")],
        )
        .await;
        assert_eq!(s, 303, "quote {n}: {body}");
        agencies.push((aid, a));
    }
    // The deadline passes; the page opens it.
    diesel::update(announcements::table.find(ann))
        .set(announcements::deadline.eq(zhongjie::db::now() - Duration::minutes(1)))
        .execute(&mut *app.conn())
        .unwrap();
    let (s, _) = r1.get_text(&format!("/announcements/{ann}")).await;
    assert_eq!(s, 200);
    assert_eq!(status_of(&app, ann), "publicity");

    // An objection is answered by the department's staff as the owner.
    let (s, _) = post(
        &agencies[1].1,
        &format!("/announcements/{ann}/objections"),
        &[("text", "中选机构业绩材料存疑，请核实。")],
    )
    .await;
    assert_eq!(s, 303);
    let oid: i64 = objections::table
        .select(objections::id)
        .first(&mut *app.conn())
        .unwrap();
    let (s, _) = post(
        &r3,
        &format!("/owner/objections/{oid}/answer"),
        &[("text", "经核实无误。"), ("upheld", "no")],
    )
    .await;
    assert_eq!(s, 403, "another department does not answer");
    let (s, _) = post(
        &r2,
        &format!("/owner/objections/{oid}/answer"),
        &[
            ("text", "经核实，业绩材料真实有效，质疑不成立。"),
            ("upheld", "no"),
        ],
    )
    .await;
    assert_eq!(s, 303);

    // Publicity over, the winner confirms: the contract names the department as the party.
    diesel::update(announcement_results::table.find(ann))
        .set((
            announcement_results::publicity_ends.eq(Some(today() - Duration::days(1))),
            announcement_results::confirm_by.eq(Some(today() + Duration::days(2))),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    let (winner_id, winner) = &agencies[0];
    let (s, _) = post(winner, &format!("/announcements/{ann}/confirm"), &[]).await;
    assert_eq!(s, 303);
    let (k, k_dept, k_owner): (i64, Option<i64>, i64) = contracts::table
        .filter(contracts::announcement_id.eq(ann))
        .select((
            contracts::id,
            contracts::owner_department_id,
            contracts::agency_id,
        ))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((k_dept, k_owner), (Some(w.dept), *winner_id));
    let (s, kp) = r2.get_text(&format!("/contracts/{k}")).await;
    assert_eq!(s, 200);
    assert!(
        kp.contains("攀枝花市生态环境局"),
        "the department is the party"
    );
    let (_, mine) = r2.get_text("/owner/contracts").await;
    assert!(mine.contains(&format!("/contracts/{k}")));

    // The department fills in, submits and signs; the agency signs.
    let fill = [
        ("price", "60000"),
        ("time_limit", "12"),
        ("scope", "对环境影响评价文件开展技术评估并出具评估意见"),
        ("deliverables", "技术评估报告纸质版五份及电子版一份"),
        ("payment_schedule", "评估报告通过验收后一次性支付"),
        ("dispute_venue", "攀枝花仲裁委员会"),
        ("supplementary", ""),
        ("revision", "1"),
    ];
    let (s, body) = post(&r1, &format!("/contracts/{k}/edit"), &fill).await;
    assert_eq!(s, 303, "{body}");
    assert_eq!(
        post(&r3, &format!("/contracts/{k}/submit"), &[]).await.0,
        403
    );
    assert_eq!(
        post(&r1, &format!("/contracts/{k}/submit"), &[]).await.0,
        303
    );
    for signer in [&r2, winner] {
        let (_, page) = signer.get_text(&format!("/contracts/{k}")).await;
        let i = page.find("name=\"digest\" value=\"").expect("sign form") + 21;
        let digest = page[i..i + 64].to_string();
        let (s, _) = post(
            signer,
            &format!("/contracts/{k}/sign"),
            &[("digest", digest.as_str()), ("read", "1")],
        )
        .await;
        assert_eq!(s, 303);
    }
    let status: String = contracts::table
        .find(k)
        .select(contracts::status)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(status, "signed");

    // Delivery, acceptance, payment and rating on the department's side.
    let (s, body) = crate::contracts::fulfilment::deliver(
        winner,
        k,
        "技术评估报告（送审稿）",
        Some(("评估报告.pdf", &crate::contracts::fulfilment::pdf())),
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let did = crate::contracts::fulfilment::pending_deliverable(&app, k);
    let (s, _) = post(
        &r3,
        &format!("/contracts/{k}/deliverables/{did}/decision"),
        &[("decision", "accept"), ("reason", "")],
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = post(
        &r1,
        &format!("/contracts/{k}/deliverables/{did}/decision"),
        &[("decision", "accept"), ("reason", "")],
    )
    .await;
    assert_eq!(s, 303);
    let today_s = today().format("%Y-%m-%d").to_string();
    let (s, body) = post(
        &r2,
        &format!("/contracts/{k}/payments"),
        &[("paid_on", today_s.as_str()), ("amount", "60000")],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let paid: i64 = contract_payments::table
        .filter(contract_payments::contract_id.eq(k))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(paid, 1);
    let (s, body) = post(
        &r1,
        &format!("/contracts/{k}/evaluation"),
        &[
            ("quality", "5"),
            ("timeliness", "5"),
            ("attitude", "4"),
            ("fees", "5"),
            ("conduct", "5"),
            ("comment", "评估意见规范，按期完成。"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let kind: String = evaluations::table
        .filter(evaluations::contract_id.eq(k))
        .select(evaluations::rater_kind)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(kind, "owner", "the department rates as the owner it is");
}

// ------------------------------------------------------------------ 采购限额

#[actix_web::test]
async fn a_fiscal_announcement_at_the_procurement_threshold_is_refused() {
    let app = spawn_app().await;
    let w = ecology_items(&app).await;
    let fiscal = create_project(&app, "pzh_dongqu", "yes").await;
    let private = create_project(&app, "pzh_dongqu", "no").await;
    let deadline = deadline_day(&app, 5);

    // At the default threshold of ¥1,000,000: refused beside the cap, with the rule named.
    let id = create_draft(
        &app,
        fiscal,
        &draft_form(w.item, &deadline, &[("cap", "1000000")]),
    )
    .await;
    let (s, body) = publish(&app, id).await;
    assert_eq!(s, 422);
    assert!(
        beside(&body, "cap", "采购限额标准 ¥1,000,000.00"),
        "beside the cap: {body}"
    );
    assert!(body.contains("附件4第（十一）项"));
    assert_eq!(status_of(&app, id), "draft");

    // Without a cap a fiscal-funded announcement cannot show it is below the threshold.
    let no_cap = create_draft(
        &app,
        fiscal,
        &draft_form(w.item, &deadline, &[("mode", "random_draw"), ("cap", "")]),
    )
    .await;
    let (s, body) = publish(&app, no_cap).await;
    assert_eq!(s, 422);
    assert!(beside(&body, "cap", "须设定最高限价"));

    // Below it: published. Without fiscal funds any cap is the owner's business.
    let f = draft_form(w.item, &deadline, &[("cap", "999999.99")]);
    let (s, _, _) = post_form(&app, &format!("/owner/announcements/{id}/edit"), &f).await;
    assert_eq!(s, 303);
    assert_eq!(publish(&app, id).await.0, 303);
    let big = create_draft(
        &app,
        private,
        &draft_form(w.item, &deadline, &[("cap", "3000000")]),
    )
    .await;
    assert_eq!(publish(&app, big).await.0, 303);

    // Raising the cap to the threshold after publication is refused as well.
    let f = draft_form(w.item, &deadline, &[("cap", "1000000")]);
    let (s, _, body) = post_form(&app, &format!("/owner/announcements/{id}/change"), &f).await;
    assert_eq!(s, 422);
    assert!(beside(&body, "cap", "采购限额标准"));

    // The administrator lowers the threshold to ¥500,000: a cap of ¥600,000 is refused.
    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;
    let (_, settings) = admin.get_text("/admin/settings").await;
    assert!(settings.contains("采购限额标准") && settings.contains("value=\"100000000\""));
    let mut form: Vec<(&str, &str)> = zhongjie::accounts::store::settings::KNOWN
        .iter()
        .map(|(k, _, _, _)| (*k, ""))
        .collect();
    let values: Vec<String> = zhongjie::accounts::store::settings::KNOWN
        .iter()
        .map(|(k, d, _, _)| {
            if *k == "procurement_threshold" {
                "50000000".to_string()
            } else {
                d.to_string()
            }
        })
        .collect();
    for (f, v) in form.iter_mut().zip(values.iter()) {
        f.1 = v.as_str();
    }
    let r = admin.post("/admin/settings", &form).await;
    assert_eq!(r.status().as_u16(), 303);
    let mid = create_draft(
        &app,
        fiscal,
        &draft_form(w.item, &deadline, &[("cap", "600000")]),
    )
    .await;
    let (s, body) = publish(&app, mid).await;
    assert_eq!(s, 422);
    assert!(beside(&body, "cap", "¥500,000.00"));
    // In English too (last: the language sticks to the client).
    let (s, en) = post(
        &app,
        &format!("/owner/announcements/{mid}/publish?lang=en"),
        &[],
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        beside(&en, "cap", "procurement threshold of ¥500,000.00"),
        "{en}"
    );
}

#[actix_web::test]
async fn a_demo_regulator_commissions_its_department_s_item() {
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || {
        let mut c = pool.get().unwrap();
        zhongjie::demo::load(&mut c, &cfg).unwrap();
    })
    .await
    .unwrap();
    // 住建局 pays for 特殊建设工程消防设计技术审查 (PZH-ZJ-004); its demo regulator publishes it.
    let reg = clone_app(&app);
    let r = reg
        .login("zhujian@demo.zhongjie.cn", zhongjie::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, nav) = reg.get_text("/my").await;
    assert!(nav.contains("href=\"/owner/projects\"") && nav.contains("委托项目"));
    let project = create_project(&reg, "pzh_dongqu", "yes").await;
    let item: i64 = zhongjie::db::schema::catalogue_items::table
        .filter(zhongjie::db::schema::catalogue_items::code.eq("PZH-ZJ-004"))
        .select(zhongjie::db::schema::catalogue_items::id)
        .first(&mut *app.conn())
        .unwrap();
    let (_, form) = reg
        .get_text(&format!("/owner/projects/{project}/announcements/new"))
        .await;
    assert!(form.contains("PZH-ZJ-004") && form.contains("PZH-ZJ-001"));
    assert!(!form.contains("PZH-JT-004"), "the transport bureau's own");
    let deadline = deadline_day(&app, 5);
    let ann = create_draft(
        &reg,
        project,
        &draft_form(item, &deadline, &[("time_limit_days", "")]),
    )
    .await;
    assert_eq!(publish(&reg, ann).await.0, 303);
    // Three demo agencies offer the review and can take part.
    for email in [
        "agency3@demo.zhongjie.cn",
        "zaojia1@demo.zhongjie.cn",
        "zaojia3@demo.zhongjie.cn",
    ] {
        let a = clone_app(&app);
        a.login(email, zhongjie::demo::DEMO_PASSWORD).await;
        let r = a.post(&format!("/announcements/{ann}/register"), &[]).await;
        assert_eq!(r.status().as_u16(), 303, "{email}");
    }
    let n: i64 = zhongjie::db::schema::registrations::table
        .filter(zhongjie::db::schema::registrations::announcement_id.eq(ann))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 3);
    // The owners' demo announcements keep to the publication rules of the policy: within the
    // 20%-faster limit, none for a department-paid item, fiscal caps below the threshold.
    let demo: Vec<(i32, i32, String, Option<i64>, bool)> = announcements::table
        .inner_join(zhongjie::db::schema::catalogue_items::table)
        .inner_join(projects::table)
        .filter(announcements::id.ne(ann))
        .select((
            announcements::time_limit_days,
            zhongjie::db::schema::catalogue_items::time_limit_days,
            zhongjie::db::schema::catalogue_items::payer,
            announcements::cap_fen,
            projects::fiscal_funds,
        ))
        .load(&mut *app.conn())
        .unwrap();
    assert!(!demo.is_empty());
    for (days, statutory, payer, cap, fiscal) in demo {
        assert!(!zhongjie::domain::publication::beyond_speedup(
            days, statutory
        ));
        assert_eq!(payer, "enterprise");
        assert!(!fiscal || cap.is_some_and(|c| c < 100_000_000));
    }
}
