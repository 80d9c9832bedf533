use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::{
    audit_log, complaint_decisions, complaint_pending, complaints, credit_records,
};

use crate::accounts::auth::clone_app;
use crate::fixtures::{department, regulator};
use crate::helpers::*;

const BOUNDARY: &str = "----zjComplaintBoundary7Qx";

fn multipart_body(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
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
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

/// Posts the filing form (CSRF first); returns (status, location, body).
async fn file(
    app: &TestApp,
    fields: &[(&str, &str)],
    doc: Option<(&str, &[u8])>,
) -> (u16, String, String) {
    let token = app.csrf().await;
    let mut f = vec![("csrf", token.as_str())];
    f.extend_from_slice(fields);
    let r = app
        .client
        .post(app.url("/complaints/new"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart_body(&f, doc))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, loc, r.text().await.unwrap_or_default())
}

/// The world: the 政务服务管理局 (handles complaints against an agency nobody regulates yet),
/// another department, an agency, two regulators of the 政务服务管理局 and one of the other.
struct World {
    app: TestApp,
    services: i64,
    agency: i64,
    agency_app: TestApp,
    r1: (i64, TestApp),
    r2: (i64, TestApp),
    other: (i64, TestApp),
}

async fn world() -> World {
    let app = spawn_app().await;
    let other_dept = department(&app, "sthjj", "攀枝花市生态环境局", "Ecology Bureau");
    let services = department(
        &app,
        "zwfwj",
        "攀枝花市政务服务管理局",
        "Government Services Administration",
    );
    let agency_app = clone_app(&app);
    let agency = agency_app
        .signed_in(Role::Agency, "agency-c@example.com")
        .await;
    let r1 = regulator(&app, "r1@example.com", services).await;
    let r2 = regulator(&app, "r2@example.com", services).await;
    let other = regulator(&app, "r3@example.com", other_dept).await;
    World {
        app,
        services,
        agency,
        agency_app,
        r1,
        r2,
        other,
    }
}

fn filing(agency: &str) -> Vec<(&str, &str)> {
    vec![
        ("against", "agency"),
        ("respondent_id", agency),
        ("grounds", "overcharging"),
        ("facts", "2026年11月收取评估费超出其公示收费标准一倍。"),
        ("request", "责令退还多收费用。"),
    ]
}

fn complaint_count(app: &TestApp) -> i64 {
    complaints::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

fn id_from(loc: &str) -> i64 {
    loc.rsplit('/').next().unwrap().parse().unwrap()
}

/// An owner files against an agency: a tracking number, routed to the 政务服务管理局, mail
/// to its regulators and to the agency; then accepted, investigated and answered upheld with
/// a credit record linked both ways; an answer after that is refused.
#[actix_web::test]
async fn signed_in_complaint_is_handled_and_upheld_with_a_credit_record() {
    let w = world().await;
    let owner = clone_app(&w.app);
    owner.signed_in(Role::Owner, "owner-c@example.com").await;
    let aid = w.agency.to_string();
    let png: &[u8] = b"\x89PNG\r\n\x1a\n0000";
    let (s, loc, _) = file(&owner, &filing(&aid), Some(("bill.png", png))).await;
    assert_eq!(s, 303, "/complaints/new filed");
    assert!(loc.starts_with("/my/complaints/"), "{loc}");
    let id = id_from(&loc);
    let (no, dept, state): (String, i64, String) = complaints::table
        .find(id)
        .select((
            complaints::tracking_no,
            complaints::department_id,
            complaints::state,
        ))
        .first(&mut *w.app.conn())
        .unwrap();
    assert!(no.starts_with("TS") && no.len() == 15, "{no}");
    assert_eq!(dept, w.services);
    assert_eq!(state, "filed");
    let (_, page) = owner.get_text(&loc).await;
    assert!(page.contains(&no), "status page shows the number");
    assert!(page.contains("bill.png"), "evidence listed");
    let (_, mine) = owner.get_text("/my/complaints").await;
    assert!(mine.contains(&no));
    // Mail to the department's regulators and to the agency.
    let mails = w.app.outbox_bodies();
    assert!(mails.iter().any(|(to, _)| to == "r1@example.com"));
    assert!(
        mails
            .iter()
            .any(|(to, b)| to == "agency-c@example.com" && b.contains(&no))
    );

    // Another department: 403 on the case and on a step.
    let (s, _) = w
        .other
        .1
        .get_text(&format!("/supervision/complaints/{id}"))
        .await;
    assert_eq!(s, 403);
    let r = w
        .other
        .1
        .post(&format!("/supervision/complaints/{id}/accept"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 403);
    // No CSRF token: 403 before anything.
    let r =
        w.r1.1
            .post_no_csrf(&format!("/supervision/complaints/{id}/accept"), &[])
            .await;
    assert_eq!(r.status().as_u16(), 403);
    // Answer before acceptance: refused.
    let r =
        w.r1.1
            .post(
                &format!("/supervision/complaints/{id}/answer"),
                &[("outcome", "upheld"), ("reasons", "查实。")],
            )
            .await;
    assert_eq!(r.status().as_u16(), 409);

    let (s, list) = w.r1.1.get_text("/supervision/complaints").await;
    assert_eq!(s, 200);
    assert!(list.contains(&no));
    let (_, case) =
        w.r1.1
            .get_text(&format!("/supervision/complaints/{id}"))
            .await;
    assert!(
        case.contains("owner-c@example.com"),
        "the department sees the complainant"
    );
    let r =
        w.r1.1
            .post(&format!("/supervision/complaints/{id}/accept"), &[])
            .await;
    assert_eq!(r.status().as_u16(), 303);
    let r =
        w.r1.1
            .post(&format!("/supervision/complaints/{id}/investigate"), &[])
            .await;
    assert_eq!(r.status().as_u16(), 303);
    // One extension, with a reason.
    let r =
        w.r1.1
            .post(
                &format!("/supervision/complaints/{id}/extend"),
                &[("ext_reason", "需调取合同及付款凭证。")],
            )
            .await;
    assert_eq!(r.status().as_u16(), 303);
    let r =
        w.r1.1
            .post(
                &format!("/supervision/complaints/{id}/extend"),
                &[("ext_reason", "再延一次。")],
            )
            .await;
    assert_eq!(r.status().as_u16(), 409, "extended once only");
    // An empty answer: the form again with the message, nothing changed.
    let r =
        w.r1.1
            .post(
                &format!("/supervision/complaints/{id}/answer"),
                &[("outcome", ""), ("reasons", "")],
            )
            .await;
    assert_eq!(r.status().as_u16(), 422);
    let r =
        w.r1.1
            .post(
                &format!("/supervision/complaints/{id}/answer"),
                &[
                    ("outcome", "upheld"),
                    ("reasons", "经核实，该机构超标准收费属实。"),
                    ("add_credit", "1"),
                ],
            )
            .await;
    assert_eq!(r.status().as_u16(), 303);
    let (state, record): (String, Option<i64>) = complaints::table
        .find(id)
        .select((complaints::state, complaints::credit_record_id))
        .first(&mut *w.app.conn())
        .unwrap();
    assert_eq!(state, "answered");
    let record = record.expect("credit record linked");
    let (kind, ref_kind, ref_id): (String, Option<String>, Option<i64>) = credit_records::table
        .find(record)
        .select((
            credit_records::kind,
            credit_records::ref_kind,
            credit_records::ref_id,
        ))
        .first(&mut *w.app.conn())
        .unwrap();
    assert_eq!(kind, "upheld_complaint");
    assert_eq!(ref_kind.as_deref(), Some("complaint"));
    assert_eq!(ref_id, Some(id));
    let (_, report) = w
        .app
        .get_text(&format!("/credit/agencies/{}", w.agency))
        .await;
    assert!(report.contains(&format!("/complaints/outcomes#complaint-{id}")));
    // Answer after closed: refused with its message.
    let r =
        w.r1.1
            .post(
                &format!("/supervision/complaints/{id}/answer"),
                &[("outcome", "not_upheld"), ("reasons", "再答复。")],
            )
            .await;
    assert_eq!(r.status().as_u16(), 409);
    // Public outcome, without the complainant.
    let (_, public) = w.app.get_text("/complaints/outcomes").await;
    assert!(public.contains(&no));
    assert!(!public.contains("owner-c@example.com"));
    let r = w.app.get("/complaints/outcomes?format=json").await;
    assert_eq!(r.status().as_u16(), 200);
    let csv = w.app.get_text("/complaints/outcomes?format=csv").await.1;
    assert!(csv.contains(&no));
    // Every step audited.
    let n: i64 = audit_log::table
        .filter(audit_log::object_type.eq("complaint"))
        .count()
        .get_result(&mut *w.app.conn())
        .unwrap();
    assert!(n >= 4, "{n}");

    // Review: once, decided by another regulator of the department.
    let r = owner
        .post(
            &format!("/my/complaints/{id}/review"),
            &[("reason", "收费标准理解有误，请复核。")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = owner
        .post(
            &format!("/my/complaints/{id}/review"),
            &[("reason", "再次申请。")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409, "a review twice");
    let r =
        w.r1.1
            .post(
                &format!("/supervision/complaints/{id}/review"),
                &[("rv_outcome", "upheld"), ("rv_reasons", "维持。")],
            )
            .await;
    assert_eq!(r.status().as_u16(), 403, "the one who answered");
    let r =
        w.r2.1
            .post(
                &format!("/supervision/complaints/{id}/review"),
                &[
                    ("rv_outcome", "partly_upheld"),
                    ("rv_reasons", "部分维持。"),
                ],
            )
            .await;
    assert_eq!(r.status().as_u16(), 303);
    let state: String = complaints::table
        .find(id)
        .select(complaints::state)
        .first(&mut *w.app.conn())
        .unwrap();
    assert_eq!(state, "reviewed");
    let _ = w.r2.0;
    let _ = w.r1.0;
    let _ = w.other.0;
}

/// A complaint without respondent, grounds or facts, and one with a refused file: the form
/// again with each message beside its field and the values kept; nothing saved.
#[actix_web::test]
async fn bad_filings_are_refused_beside_their_fields() {
    let w = world().await;
    let owner = clone_app(&w.app);
    owner.signed_in(Role::Owner, "owner-b@example.com").await;
    let (s, _, body) = file(&owner, &[("request", "请求")], None).await;
    assert_eq!(s, 422);
    assert!(
        body.contains("请选择被投诉对象的类型"),
        "respondent message"
    );
    assert!(body.contains("请从所列事由中选择"), "grounds message");
    assert!(body.contains("请求"), "value kept");
    // An agency that does not exist.
    let (s, _, body) = file(&owner, &filing("999999"), None).await;
    assert_eq!(s, 422);
    assert!(body.contains("请选择被投诉对象的类型"));
    // A refused file type: the message beside the file field, the facts kept.
    let aid = w.agency.to_string();
    let (s, _, body) = file(&owner, &filing(&aid), Some(("x.exe", b"MZ\x90\x00"))).await;
    assert_eq!(s, 422);
    assert!(body.contains("f-document-err"));
    assert!(body.contains("收取评估费超出"));
    assert_eq!(complaint_count(&w.app), 0, "nothing saved");
}

/// Filing the same respondent and grounds again while the first is open links the second
/// to the first; the daily limit per account refuses beyond it.
#[actix_web::test]
async fn duplicates_are_linked_and_limits_hold() {
    let w = world().await;
    let owner = clone_app(&w.app);
    owner.signed_in(Role::Owner, "owner-d@example.com").await;
    let aid = w.agency.to_string();
    let (_, first, _) = file(&owner, &filing(&aid), None).await;
    let first = id_from(&first);
    let (s, loc, _) = file(&owner, &filing(&aid), None).await;
    assert_eq!(s, 303);
    assert_eq!(id_from(&loc), first, "sent to the first complaint");
    let dup: Vec<(Option<i64>, String)> = complaints::table
        .filter(complaints::id.ne(first))
        .select((complaints::duplicate_of, complaints::state))
        .load(&mut *w.app.conn())
        .unwrap();
    assert_eq!(dup, vec![(Some(first), "linked".to_string())]);
    // Limit: 2 a day per account.
    zhongjie::accounts::store::settings::set(
        &mut w.app.conn(),
        "complaint_daily_per_account",
        2,
        w.r1.0,
    )
    .unwrap();
    let mut other = filing(&aid);
    other[2] = ("grounds", "poor_quality");
    let (s, _, body) = file(&owner, &other, None).await;
    assert_eq!(s, 409);
    assert!(body.contains("今日提交的投诉已达上限"));
}

/// A visitor's complaint is filed only when the mailed link is opened; an expired link
/// files nothing and says so. The respondent never sees the visitor's name, e-mail or phone
/// in any page or mail (sentinel).
#[actix_web::test]
async fn visitor_confirms_by_mail_and_the_respondent_never_sees_who() {
    let w = world().await;
    let visitor = clone_app(&w.app);
    let aid = w.agency.to_string();
    let mut f = filing(&aid);
    let name = "哨兵甲乙";
    let email = "sentinel-q7x@example.org";
    let phone = "13912345678";
    f.push(("name", name));
    f.push(("email", email));
    f.push(("phone", phone));
    let (s, loc, _) = file(&visitor, &f, Some(("e.pdf", b"%PDF-1.4 test"))).await;
    assert_eq!(s, 303);
    assert_eq!(loc, "/complaints/sent");
    assert_eq!(complaint_count(&w.app), 0, "not filed before the link");
    let mail = w
        .app
        .outbox_bodies()
        .into_iter()
        .find(|(to, _)| to == email)
        .expect("confirmation mail")
        .1;
    let token = token_in(&mail, "token=").expect("token");
    // Expired: nothing filed, the page says so.
    diesel::update(complaint_pending::table)
        .set(complaint_pending::expires_at.eq(zhongjie::db::now() - chrono::Duration::hours(1)))
        .execute(&mut *w.app.conn())
        .unwrap();
    let (s, page) = visitor
        .get_text(&format!("/complaints/confirm?token={token}"))
        .await;
    assert_eq!(s, 410);
    assert!(page.contains("确认链接已过期"));
    assert_eq!(complaint_count(&w.app), 0);
    // Within time: filed, to the secret status page.
    diesel::update(complaint_pending::table)
        .set(complaint_pending::expires_at.eq(zhongjie::db::now() + chrono::Duration::hours(1)))
        .execute(&mut *w.app.conn())
        .unwrap();
    let r = visitor
        .get(&format!("/complaints/confirm?token={token}"))
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let track = r.headers()["location"].to_str().unwrap().to_string();
    assert!(track.starts_with("/complaints/track/"));
    assert_eq!(complaint_count(&w.app), 1);
    let (s, page) = visitor.get_text(&track).await;
    assert_eq!(s, 200);
    assert!(page.contains("TS"));
    assert_eq!(
        w.app
            .get_text("/complaints/track/0000000000000000000000000")
            .await
            .0,
        404
    );
    let id: i64 = complaints::table
        .select(complaints::id)
        .first(&mut *w.app.conn())
        .unwrap();
    // The department handles it; the respondent answers it.
    w.r1.1
        .post(&format!("/supervision/complaints/{id}/accept"), &[])
        .await;
    let (s, list) = w.agency_app.get_text("/respond/complaints").await;
    assert_eq!(s, 200);
    let (s, case) = w
        .agency_app
        .get_text(&format!("/respond/complaints/{id}"))
        .await;
    assert_eq!(s, 200);
    assert!(case.contains("收取评估费超出"), "the substance");
    let r = w
        .agency_app
        .post(
            &format!("/respond/complaints/{id}/answer"),
            &[("text", "我司按公示标准收费，附收费明细。")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = w
        .agency_app
        .post(
            &format!("/respond/complaints/{id}/answer"),
            &[("text", "再说一次。")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409, "one statement only");
    w.r1.1
        .post(
            &format!("/supervision/complaints/{id}/answer"),
            &[("outcome", "not_upheld"), ("reasons", "未发现违规收费。")],
        )
        .await;
    let (_, after) = w
        .agency_app
        .get_text(&format!("/respond/complaints/{id}"))
        .await;
    let agency_mails: Vec<String> = w
        .app
        .outbox_bodies()
        .into_iter()
        .filter(|(to, _)| to == "agency-c@example.com")
        .map(|(_, b)| b)
        .collect();
    assert!(agency_mails.len() >= 2, "the respondent is told");
    for text in [list, case, after].iter().chain(agency_mails.iter()) {
        for s in [name, email, phone, "sentinel"] {
            assert!(!text.contains(s), "{s} leaked to the respondent");
        }
    }
    // Another agency does not see it.
    let stranger = clone_app(&w.app);
    stranger
        .signed_in(Role::Agency, "agency-x@example.com")
        .await;
    let (s, _) = stranger
        .get_text(&format!("/respond/complaints/{id}"))
        .await;
    assert_eq!(s, 403);
    // The visitor asks for a review, after the window: refused.
    diesel::update(complaints::table.find(id))
        .set(complaints::review_due.eq(zhongjie::db::today() - chrono::Duration::days(1)))
        .execute(&mut *w.app.conn())
        .unwrap();
    let r = visitor
        .post(&format!("{track}/review"), &[("reason", "不服。")])
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let asked: Option<chrono::NaiveDateTime> = complaint_decisions::table
        .find(id)
        .select(complaint_decisions::review_requested_at)
        .first(&mut *w.app.conn())
        .unwrap();
    assert!(asked.is_none());
    // Within the window: asked, by the secret link (/complaints/track/{token}/review).
    diesel::update(complaints::table.find(id))
        .set(complaints::review_due.eq(zhongjie::db::today()))
        .execute(&mut *w.app.conn())
        .unwrap();
    let r = visitor
        .post(&format!("{track}/review"), &[("reason", "不服，请复核。")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
}

/// Not accepting needs a reason; it closes the case, and nothing more is decided on it.
#[actix_web::test]
async fn not_accepted_complaints_close_with_their_reason() {
    let w = world().await;
    let owner = clone_app(&w.app);
    owner.signed_in(Role::Owner, "owner-n@example.com").await;
    let aid = w.agency.to_string();
    let (_, loc, _) = file(&owner, &filing(&aid), None).await;
    let id = id_from(&loc);
    let r =
        w.r1.1
            .post(
                &format!("/supervision/complaints/{id}/not-accept"),
                &[("na_reason", "")],
            )
            .await;
    assert_eq!(r.status().as_u16(), 422);
    let r =
        w.r1.1
            .post(
                &format!("/supervision/complaints/{id}/not-accept"),
                &[("na_reason", "不属于中介服务投诉范围。")],
            )
            .await;
    assert_eq!(r.status().as_u16(), 303);
    let r =
        w.r1.1
            .post(&format!("/supervision/complaints/{id}/accept"), &[])
            .await;
    assert_eq!(r.status().as_u16(), 409);
    let (_, page) = owner.get_text(&loc).await;
    assert!(page.contains("不属于中介服务投诉范围"));
}

/// Overdue cases are reminded to their department once a day.
#[actix_web::test]
async fn overdue_complaints_are_reminded_once_a_day() {
    let w = world().await;
    let owner = clone_app(&w.app);
    owner.signed_in(Role::Owner, "owner-o@example.com").await;
    let aid = w.agency.to_string();
    let (_, loc, _) = file(&owner, &filing(&aid), None).await;
    let id = id_from(&loc);
    diesel::update(complaints::table.find(id))
        .set(complaints::ack_due.eq(zhongjie::db::today() - chrono::Duration::days(3)))
        .execute(&mut *w.app.conn())
        .unwrap();
    let today = zhongjie::db::today();
    let n = zhongjie::complaints::steps::remind_overdue(&mut w.app.conn(), today).unwrap();
    assert_eq!(n, 1);
    let n = zhongjie::complaints::steps::remind_overdue(&mut w.app.conn(), today).unwrap();
    assert_eq!(n, 0, "once a day");
    let (_, list) = w.r1.1.get_text("/supervision/complaints").await;
    assert!(list.contains("已超期"));
    // A transfer moves it to the other department, with its reason.
    let r =
        w.r1.1
            .post(
                &format!("/supervision/complaints/{id}/transfer"),
                &[("to", ""), ("tr_reason", "")],
            )
            .await;
    assert_eq!(r.status().as_u16(), 422);
    let other_dept: i64 = zhongjie::db::schema::departments::table
        .filter(zhongjie::db::schema::departments::code.eq("sthjj"))
        .select(zhongjie::db::schema::departments::id)
        .first(&mut *w.app.conn())
        .unwrap();
    let r =
        w.r1.1
            .post(
                &format!("/supervision/complaints/{id}/transfer"),
                &[
                    ("to", &other_dept.to_string()),
                    ("tr_reason", "属生态环境领域。"),
                ],
            )
            .await;
    assert_eq!(r.status().as_u16(), 303);
    let (s, _) = w
        .other
        .1
        .get_text(&format!("/supervision/complaints/{id}"))
        .await;
    assert_eq!(s, 200, "now the other department's");
    let (s, _) =
        w.r1.1
            .get_text(&format!("/supervision/complaints/{id}"))
            .await;
    assert_eq!(s, 403);
}

/// The demo has a complaint in every state, an upheld one against an agency with its credit
/// record, and its outcome page and officers' list open.
#[actix_web::test]
async fn the_demo_has_complaints_in_every_state() {
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || {
        let mut c = pool.get().unwrap();
        zhongjie::demo::load(&mut c, &cfg).unwrap();
    })
    .await
    .unwrap();
    let states: Vec<String> = complaints::table
        .select(complaints::state)
        .distinct()
        .load(&mut *app.conn())
        .unwrap();
    for s in zhongjie::domain::complaints::State::ALL {
        assert!(
            states.iter().any(|x| x == s.as_str()),
            "no demo complaint {s:?}"
        );
    }
    let credit: i64 = complaints::table
        .filter(complaints::credit_record_id.is_not_null())
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(credit, 1, "the upheld complaint against an agency");
    assert_eq!(app.get_text("/complaints/outcomes").await.0, 200);
    let officer = clone_app(&app);
    officer
        .login("zhengwu@demo.zhongjie.cn", zhongjie::demo::DEMO_PASSWORD)
        .await;
    let (s, list) = officer.get_text("/supervision/complaints").await;
    assert_eq!(s, 200);
    assert!(list.contains("TS"));
}
