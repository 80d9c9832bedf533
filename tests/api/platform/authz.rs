//! Walks every route as visitor, owner, agency, regulator and admin (and as the owner of
//! another object) and asserts the status each gets. A new route must be added here.

use zhongjie::auth::Role;

use crate::accounts::auth::clone_app;
use crate::helpers::*;

#[derive(Clone, Copy, Debug)]
enum Who {
    Visitor,
    As(Role),
}

const WHO: [Who; 5] = [
    Who::Visitor,
    Who::As(Role::Owner),
    Who::As(Role::Agency),
    Who::As(Role::Regulator),
    Who::As(Role::Admin),
];

/// (method, path, [visitor, owner, agency, regulator, admin]). `{mine}` is a message of the
/// signed-in user, `{theirs}` a message of someone else, `{uid}` another user's id.
const ROUTES: &[(&str, &str, [u16; 5])] = &[
    ("GET", "/", [200, 200, 200, 200, 200]),
    ("GET", "/healthz", [200, 200, 200, 200, 200]),
    ("GET", "/static/css/app.css", [200, 200, 200, 200, 200]),
    ("GET", "/no/such/page", [404, 404, 404, 404, 404]),
    ("GET", "/login", [200, 303, 303, 303, 303]),
    ("GET", "/register", [200, 303, 303, 303, 303]),
    ("GET", "/register?role=agency", [200, 303, 303, 303, 303]),
    ("GET", "/password/forgot", [200, 303, 303, 303, 303]),
    ("GET", "/password/reset", [400, 400, 400, 400, 400]),
    ("GET", "/verify-email", [400, 400, 400, 400, 400]),
    ("GET", "/my", [303, 200, 200, 200, 200]),
    ("GET", "/messages", [303, 200, 200, 200, 200]),
    ("GET", "/messages/{mine}", [303, 200, 200, 200, 200]),
    ("GET", "/messages/{theirs}", [303, 403, 403, 403, 403]),
    ("GET", "/messages/999999", [303, 404, 404, 404, 404]),
    ("GET", "/messages/abc", [404, 404, 404, 404, 404]),
    ("GET", "/account/password", [303, 200, 200, 200, 200]),
    ("GET", "/admin/users", [303, 403, 403, 403, 200]),
    ("GET", "/admin/users?role=agency", [303, 403, 403, 403, 200]),
    ("GET", "/admin/users/new", [303, 403, 403, 403, 200]),
    ("GET", "/admin/departments", [303, 403, 403, 403, 200]),
    ("GET", "/admin/settings", [303, 403, 403, 403, 200]),
    ("GET", "/admin/audit", [303, 403, 403, 403, 200]),
    ("GET", "/admin/calendar", [303, 403, 403, 403, 200]),
    (
        "GET",
        "/admin/calendar?year=2026",
        [303, 403, 403, 403, 200],
    ),
    ("GET", "/calendar", [200, 200, 200, 200, 200]),
    ("GET", "/calendar?year=abc", [200, 200, 200, 200, 200]),
    ("GET", "/blacklist", [200, 200, 200, 200, 200]),
    ("GET", "/exposure", [200, 200, 200, 200, 200]),
    (
        "GET",
        "/exposure?kind=ban&year=2026",
        [200, 200, 200, 200, 200],
    ),
    ("GET", "/exposure?format=csv", [200, 200, 200, 200, 200]),
    ("GET", "/exposure?format=json", [200, 200, 200, 200, 200]),
    ("GET", "/exposure?format=xml", [400, 400, 400, 400, 400]),
    ("GET", "/exposure?kind=nope", [400, 400, 400, 400, 400]),
    ("GET", "/regulate/signals", [303, 403, 403, 200, 200]),
    ("GET", "/regulate/agencies", [303, 403, 403, 200, 403]),
    ("GET", "/regulate/agencies?q=x", [303, 403, 403, 200, 403]),
    ("GET", "/regulate/agencies/{uid}", [303, 403, 403, 404, 403]),
    (
        "GET",
        "/regulate/agencies/{uid}/blacklist/new",
        [303, 403, 403, 404, 403],
    ),
    (
        "GET",
        "/regulate/agencies/{uid}/ban/new",
        [303, 403, 403, 404, 403],
    ),
    ("GET", "/regulate/queue", [303, 403, 403, 200, 403]),
    ("GET", "/regulate/repairs/999999", [303, 403, 403, 404, 403]),
    (
        "GET",
        "/regulate/repairs/999999/evidence",
        [303, 403, 403, 404, 403],
    ),
    ("GET", "/agency/credit", [303, 403, 200, 403, 403]),
    (
        "GET",
        "/agency/credit/repairs/new",
        [303, 403, 400, 403, 403],
    ),
    (
        "GET",
        "/agency/credit/repairs/new?listing=999999",
        [303, 403, 404, 403, 403],
    ),
    // State-changing routes, each with a valid CSRF token and an empty form.
    ("POST", "/login", [422, 303, 303, 303, 303]),
    ("POST", "/register", [422, 303, 303, 303, 303]),
    ("POST", "/password/forgot", [422, 303, 303, 303, 303]),
    ("POST", "/password/reset", [400, 400, 400, 400, 400]),
    ("POST", "/verify-email/resend", [303, 303, 303, 303, 303]),
    ("POST", "/account/password", [303, 422, 422, 422, 422]),
    ("POST", "/admin/users/new", [303, 403, 403, 403, 422]),
    (
        "POST",
        "/admin/users/{uid}/status",
        [303, 403, 403, 403, 400],
    ),
    ("POST", "/admin/departments", [303, 403, 403, 403, 422]),
    ("POST", "/admin/settings", [303, 403, 403, 403, 422]),
    ("POST", "/admin/calendar", [303, 403, 403, 403, 422]),
    (
        "POST",
        "/admin/calendar/2099-01-01/remove",
        [303, 403, 403, 403, 404],
    ),
    (
        "POST",
        "/admin/calendar/not-a-date/remove",
        [303, 403, 403, 403, 404],
    ),
    (
        "POST",
        "/regulate/agencies/{uid}/blacklist/new",
        [303, 403, 403, 404, 403],
    ),
    (
        "POST",
        "/regulate/agencies/{uid}/ban/new",
        [303, 403, 403, 404, 403],
    ),
    (
        "POST",
        "/regulate/alerts/999999/resolve",
        [303, 403, 403, 404, 403],
    ),
    (
        "POST",
        "/regulate/repairs/999999",
        [303, 403, 403, 404, 403],
    ),
    // Multipart: an urlencoded body is malformed once the agency is allowed.
    (
        "POST",
        "/agency/credit/repairs/new",
        [303, 403, 400, 403, 403],
    ),
    ("POST", "/no/such/page", [404, 404, 404, 404, 404]),
    // The credit library. `{agency}` is an agency in no regulator's domain.
    ("GET", "/credit", [200, 200, 200, 200, 200]),
    (
        "GET",
        "/credit?grade=B&region=x&q=a&after=bad",
        [200, 200, 200, 200, 200],
    ),
    ("GET", "/credit/rules", [200, 200, 200, 200, 200]),
    // Complaints 投诉举报.
    ("GET", "/complaints/new", [200, 200, 200, 200, 200]),
    ("GET", "/complaints/sent", [200, 200, 200, 200, 200]),
    ("GET", "/complaints/outcomes", [200, 200, 200, 200, 200]),
    (
        "GET",
        "/complaints/confirm?token=abc",
        [404, 404, 404, 404, 404],
    ),
    ("GET", "/complaints/track/abc", [404, 404, 404, 404, 404]),
    ("GET", "/my/complaints", [303, 200, 200, 200, 200]),
    ("GET", "/my/complaints/999999", [303, 404, 404, 404, 404]),
    ("GET", "/respond/complaints", [303, 200, 200, 403, 403]),
    (
        "GET",
        "/respond/complaints/999999",
        [303, 404, 404, 404, 404],
    ),
    ("GET", "/supervision/complaints", [303, 403, 403, 200, 200]),
    (
        "GET",
        "/supervision/complaints/999999",
        [303, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/supervision/complaints/999999/accept",
        [303, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/respond/complaints/999999/answer",
        [303, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/my/complaints/999999/review",
        [303, 404, 404, 404, 404],
    ),
    (
        "GET",
        "/credit/agencies/{agency}",
        [200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/credit/agencies/{agency}.json",
        [200, 200, 200, 200, 200],
    ),
    ("GET", "/credit/agencies/999999", [404, 404, 404, 404, 404]),
    ("GET", "/credit/agencies/abc", [404, 404, 404, 404, 404]),
    // Evidence documents: the agency itself (its own id, so 404 here), the recording
    // department, admins.
    (
        "GET",
        "/credit/records/999999/evidence",
        [303, 403, 404, 403, 404],
    ),
    ("GET", "/admin/credit-rules", [303, 403, 403, 403, 200]),
    ("POST", "/admin/credit-rules", [303, 403, 403, 403, 422]),
    // Admins see the records page (to revoke a mistaken record) but add none.
    (
        "GET",
        "/regulate/agencies/{agency}/records",
        [303, 403, 403, 403, 200],
    ),
    (
        "GET",
        "/regulate/agencies/{agency}/records/new",
        [303, 403, 403, 403, 403],
    ),
    (
        "POST",
        "/regulate/agencies/{agency}/records/new",
        [303, 403, 403, 403, 403],
    ),
    (
        "POST",
        "/regulate/records/999999/revoke",
        [303, 404, 404, 404, 404],
    ),
    // A record belongs to the department that made it: its regulators and admins may revoke
    // it (422 here: no reason given), another department's regulator may not.
    (
        "POST",
        "/regulate/records/{rec_mine}/revoke",
        [303, 403, 403, 422, 422],
    ),
    (
        "POST",
        "/regulate/records/{rec_other}/revoke",
        [303, 403, 403, 403, 422],
    ),
    // Selection (issue 5): lists by role. An owner's object that does not exist is 404 to
    // everyone (it is looked up before the owner is checked); the agency's steps check the
    // role first. Ownership of real announcements is tested per step in publication.rs,
    // bidding.rs and selection_result.rs.
    ("GET", "/announcements", [200, 200, 200, 200, 200]),
    ("GET", "/announcements?page=abc", [400, 400, 400, 400, 400]),
    ("GET", "/announcements/999999", [404, 404, 404, 404, 404]),
    ("GET", "/announcements/abc", [404, 404, 404, 404, 404]),
    (
        "GET",
        "/announcements/999999/proof.json",
        [404, 404, 404, 404, 404],
    ),
    // A regulator keeps the projects its department commissions and pays for (附件4 (五)).
    ("GET", "/owner/projects", [303, 200, 403, 200, 403]),
    ("GET", "/owner/projects/new", [303, 200, 403, 200, 403]),
    ("POST", "/owner/projects/new", [303, 422, 403, 422, 403]),
    ("GET", "/owner/projects/999999", [404, 404, 404, 404, 404]),
    (
        "POST",
        "/owner/projects/999999/self-prepare",
        [404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/owner/self-preparations/999999/withdraw",
        [404, 404, 404, 404, 404],
    ),
    ("GET", "/regulate/policy-rules", [303, 403, 403, 200, 403]),
    (
        "GET",
        "/owner/projects/999999/announcements/new",
        [404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/owner/projects/999999/announcements/new",
        [404, 404, 404, 404, 404],
    ),
    (
        "GET",
        "/owner/announcements/999999/edit",
        [404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/owner/announcements/999999/edit",
        [404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/owner/announcements/999999/publish",
        [404, 404, 404, 404, 404],
    ),
    (
        "GET",
        "/owner/announcements/999999/change",
        [404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/owner/announcements/999999/change",
        [404, 404, 404, 404, 404],
    ),
    (
        "GET",
        "/owner/announcements/999999/cancel",
        [404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/owner/announcements/999999/cancel",
        [404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/owner/announcements/999999/choose",
        [404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/owner/announcements/999999/justifications/1",
        [404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/owner/objections/999999/answer",
        [404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/owner/announcements/999999/rerun",
        [404, 404, 404, 404, 404],
    ),
    ("GET", "/agency/announcements", [303, 403, 200, 403, 403]),
    (
        "GET",
        "/announcements/999999/bid",
        [303, 403, 404, 403, 403],
    ),
    (
        "POST",
        "/announcements/999999/register",
        [303, 403, 404, 403, 403],
    ),
    (
        "POST",
        "/announcements/999999/quote",
        [303, 403, 404, 403, 403],
    ),
    (
        "POST",
        "/announcements/999999/withdraw",
        [303, 403, 404, 403, 403],
    ),
    (
        "POST",
        "/announcements/999999/reconfirm",
        [303, 403, 404, 403, 403],
    ),
    (
        "POST",
        "/announcements/999999/objections",
        [303, 403, 404, 403, 403],
    ),
    (
        "POST",
        "/announcements/999999/justify",
        [303, 403, 404, 403, 403],
    ),
    (
        "POST",
        "/announcements/999999/confirm",
        [303, 403, 404, 403, 403],
    ),
    // Contracts and model texts (issue 6). Objects are looked up first (404 to everyone when
    // missing); the test regulator has no department, so it may write no model text.
    ("GET", "/contract-texts", [200, 200, 200, 200, 200]),
    ("GET", "/contract-texts/999999", [404, 404, 404, 404, 404]),
    ("GET", "/contract-texts/new", [303, 403, 403, 200, 200]),
    ("POST", "/contract-texts/new", [303, 403, 403, 403, 422]),
    (
        "GET",
        "/contract-texts/999999/edit",
        [404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/contract-texts/999999/edit",
        [404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/contract-texts/999999/publish",
        [404, 404, 404, 404, 404],
    ),
    ("GET", "/contracts/999999", [404, 404, 404, 404, 404]),
    ("GET", "/contracts/999999/print", [404, 404, 404, 404, 404]),
    ("POST", "/contracts/999999/edit", [404, 404, 404, 404, 404]),
    (
        "POST",
        "/contracts/999999/submit",
        [404, 404, 404, 404, 404],
    ),
    ("POST", "/contracts/999999/sign", [404, 404, 404, 404, 404]),
    ("GET", "/owner/contracts", [303, 200, 403, 200, 403]),
    (
        "POST",
        "/owner/announcements/999999/contract",
        [404, 404, 404, 404, 404],
    ),
    ("GET", "/agency/contracts", [303, 403, 200, 403, 403]),
    ("GET", "/regulate/contracts", [303, 403, 403, 200, 403]),
    ("GET", "/regulate/selection", [303, 403, 403, 200, 403]),
    (
        "GET",
        "/regulate/selection/999999",
        [303, 403, 403, 404, 403],
    ),
    // Random inspections (issue 15): public list and task pages; the department's pages need
    // a regulator (admins see the overdue list); a drawn agency only its drawn inspectors.
    ("GET", "/inspections", [200, 200, 200, 200, 200]),
    ("GET", "/inspections/manage", [303, 403, 403, 200, 200]),
    ("GET", "/inspections/inspectors", [303, 403, 403, 200, 403]),
    ("GET", "/inspections/new", [303, 403, 403, 200, 403]),
    ("GET", "/inspections/999999", [404, 404, 404, 404, 404]),
    ("GET", "/inspections/abc", [404, 404, 404, 404, 404]),
    (
        "GET",
        "/inspections/999999/proof.json",
        [404, 404, 404, 404, 404],
    ),
    (
        "GET",
        "/inspections/targets/999999",
        [303, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/inspections/999999/draw",
        [303, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/inspections/999999/publish",
        [303, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/inspections/targets/999999/result",
        [303, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/inspections/inspectors/999999/remove",
        [303, 404, 404, 404, 404],
    ),
];

/// Every POST route (but the 404 one) must refuse a request without a CSRF token.
const POSTS: &[&str] = &[
    "/login",
    "/register",
    "/logout",
    "/password/forgot",
    "/password/reset",
    "/verify-email/resend",
    "/account/password",
    "/admin/users/new",
    "/admin/users/{uid}/status",
    "/admin/departments",
    "/admin/settings",
    "/admin/calendar",
    "/admin/calendar/2026-10-01/remove",
    "/regulate/agencies/{uid}/blacklist/new",
    "/regulate/agencies/{uid}/ban/new",
    "/regulate/alerts/999999/resolve",
    "/regulate/repairs/999999",
    "/admin/credit-rules",
    "/regulate/records/999999/revoke",
    "/owner/projects/new",
    "/owner/projects/999999/announcements/new",
    "/owner/announcements/999999/edit",
    "/owner/announcements/999999/publish",
    "/owner/announcements/999999/change",
    "/owner/announcements/999999/cancel",
    "/owner/announcements/999999/choose",
    "/owner/announcements/999999/justifications/1",
    "/owner/objections/999999/answer",
    "/owner/announcements/999999/rerun",
    "/owner/projects/999999/self-prepare",
    "/owner/self-preparations/999999/withdraw",
    "/announcements/999999/register",
    "/announcements/999999/quote",
    "/announcements/999999/withdraw",
    "/announcements/999999/reconfirm",
    "/announcements/999999/objections",
    "/announcements/999999/justify",
    "/announcements/999999/confirm",
    "/contract-texts/new",
    "/contract-texts/999999/edit",
    "/contract-texts/999999/publish",
    "/contracts/999999/edit",
    "/contracts/999999/submit",
    "/contracts/999999/sign",
    "/owner/announcements/999999/contract",
    // `/regulate/agencies/{id}/records/new` is multipart: its token is checked after the
    // policy (a visitor is sent to log in first); tests/api/credit/records.rs checks it refuses a
    // form without the token.
    "/inspections/new",
    "/inspections/inspectors",
    "/inspections/inspectors/999999/remove",
    "/inspections/999999/edit",
    "/inspections/999999/publish",
    "/inspections/999999/draw",
    "/inspections/targets/999999/result",
    "/inspections/targets/999999/recuse",
];

fn message_for(app: &TestApp, user_id: i64) -> i64 {
    use diesel::prelude::*;
    use zhongjie::db::schema::messages;
    let mut c = app.conn();
    zhongjie::mail::store::enqueue(&mut c, Some(user_id), "x@example.com", "测试消息", "正文")
        .unwrap();
    messages::table
        .filter(messages::user_id.eq(user_id))
        .select(messages::id)
        .order(messages::id.desc())
        .first(&mut *c)
        .unwrap()
}

/// Two credit records of one agency: one made by the department the table's regulator gets
/// (the first, `sthjj`, as `create_user` makes it), one by another department.
async fn records_of_two_departments(app: &TestApp) -> (i64, i64) {
    use zhongjie::domain::credit::Kind;
    let agency = app.create_user(Role::Agency, "recorded@example.com").await;
    let mine = crate::fixtures::department(app, "sthjj", "攀枝花市生态环境局", "Ecology");
    let other = crate::fixtures::department(app, "zjj", "攀枝花市住房和城乡建设局", "Housing");
    let mut c = app.conn();
    let mut record = |dept: i64| {
        let mut n = zhongjie::credit::store::credit::NewRecord::new(
            agency,
            Kind::InspectionFailure,
            -10,
            Kind::InspectionFailure.regulator_source(),
        );
        n.department_id = Some(dept);
        n.evidence = "检查记录";
        n.legal_basis = "《中介服务管理办法》";
        zhongjie::db::write_tx(&mut c, |c| {
            zhongjie::credit::store::credit::insert_record(c, &n)
        })
        .unwrap()
    };
    (record(mine), record(other))
}

#[actix_web::test]
async fn every_route_answers_each_role_as_the_policy_says() {
    let app = spawn_app().await;
    let stranger = app.create_user(Role::Owner, "stranger@example.com").await;
    let theirs = message_for(&app, stranger);
    let agency = app.create_user(Role::Agency, "listed@example.com").await;
    let (rec_mine, rec_other) = records_of_two_departments(&app).await;
    let mut failures = Vec::new();
    for (i, who) in WHO.iter().enumerate() {
        let client = clone_app(&app);
        let mine = match who {
            Who::Visitor => theirs,
            Who::As(role) => {
                let id = client
                    .signed_in(*role, &format!("{}@example.com", role.as_str()))
                    .await;
                message_for(&app, id)
            }
        };
        for (method, path, expected) in ROUTES {
            let path = path
                .replace("{mine}", &mine.to_string())
                .replace("{theirs}", &theirs.to_string())
                .replace("{uid}", &stranger.to_string())
                .replace("{agency}", &agency.to_string())
                .replace("{rec_mine}", &rec_mine.to_string())
                .replace("{rec_other}", &rec_other.to_string());
            let r = if *method == "GET" {
                client.get(&path).await
            } else {
                client.post(&path, &[]).await
            };
            let got = r.status().as_u16();
            if got != expected[i] {
                failures.push(format!(
                    "{who:?} {method} {path}: expected {}, got {got}",
                    expected[i]
                ));
            }
        }
        for path in POSTS {
            let path = path.replace("{uid}", &stranger.to_string());
            let got = client
                .post_no_csrf(&path, &[("email", "x@example.com")])
                .await
                .status()
                .as_u16();
            if got != 403 {
                failures.push(format!(
                    "{who:?} POST {path} without CSRF: expected 403, got {got}"
                ));
            }
            let got = client
                .client
                .post(client.url(&path))
                .form(&[("csrf", "0".repeat(64))])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            if got != 403 {
                failures.push(format!(
                    "{who:?} POST {path} with a forged CSRF token: expected 403, got {got}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[actix_web::test]
async fn logout_needs_login_and_ends_the_session() {
    let app = spawn_app().await;
    assert_eq!(app.post("/logout", &[]).await.status().as_u16(), 303);
    app.signed_in(Role::Regulator, "r@example.com").await;
    let r = app.post("/logout", &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.get("/my").await.status().as_u16(), 303);
}

#[actix_web::test]
async fn admin_creates_staff_who_set_their_own_password() {
    let app = spawn_app().await;
    app.signed_in(Role::Admin, "admin@example.com").await;
    let dept =
        crate::fixtures::department(&app, "zjj", "攀枝花市住房和城乡建设局", "Housing Bureau");
    // A regulator needs a department.
    let r = app
        .post(
            "/admin/users/new",
            &[
                ("role", "regulator"),
                ("department_id", ""),
                ("email", "r@example.com"),
                ("contact_name", "李四"),
                ("phone", "0812-3336101"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let d = dept.to_string();
    let r = app
        .post(
            "/admin/users/new",
            &[
                ("role", "regulator"),
                ("department_id", &d),
                ("email", "r@example.com"),
                ("contact_name", "李四"),
                ("phone", "0812-3336101"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let outbox = app.outbox_bodies();
    let (to, body) = outbox.last().unwrap();
    assert_eq!(to, "r@example.com");
    let token = token_in(body, "token=").unwrap();
    let staff = clone_app(&app);
    let r = staff
        .post(
            "/password/reset",
            &[
                ("token", &token),
                ("password", "Jianguan-Mima-2026"),
                ("password2", "Jianguan-Mima-2026"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        staff
            .login("r@example.com", "Jianguan-Mima-2026")
            .await
            .status()
            .as_u16(),
        303
    );
    let (_, body) = staff.get_text("/my").await;
    assert!(body.contains("攀枝花市住房和城乡建设局"));
    // Disabling the account ends its session.
    let uid: i64 = {
        use diesel::prelude::*;
        use zhongjie::db::schema::users;
        users::table
            .filter(users::email.eq("r@example.com"))
            .select(users::id)
            .first(&mut *app.conn())
            .unwrap()
    };
    let r = app
        .post(
            &format!("/admin/users/{uid}/status"),
            &[("status", "disabled")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(staff.get("/my").await.status().as_u16(), 303);
    assert_eq!(
        staff
            .login("r@example.com", "Jianguan-Mima-2026")
            .await
            .status()
            .as_u16(),
        401
    );
}

#[actix_web::test]
async fn admin_settings_are_validated_and_saved() {
    let app = spawn_app().await;
    app.signed_in(Role::Admin, "admin@example.com").await;
    let r = app
        .post(
            "/admin/settings",
            &[
                ("session_idle_minutes", "1"),
                ("session_absolute_hours", "12"),
                ("email_token_hours", "48"),
                ("reset_token_minutes", "60"),
                ("mail_max_attempts", "8"),
                ("upload_max_mib", "10"),
                ("cert_review_working_days", "2"),
                ("collusion_address_minutes", "10"),
                ("contract_sign_working_days", "5"),
                ("payment_due_working_days", "30"),
                ("procurement_threshold", "100000000"),
                ("exposure_min_deduction", "10"),
                ("signal_price_over_median_pct", "150"),
                ("signal_min_awards", "3"),
                ("signal_owner_repeat", "2"),
                ("inspection_min_rate_pct", "5"),
                ("inspection_publish_days", "20"),
                ("complaint_ack_days", "1"),
                ("complaint_answer_days", "7"),
                ("complaint_review_days", "5"),
                ("complaint_daily_per_account", "5"),
                ("complaint_daily_per_address", "10"),
                ("complaint_visitor_link_hours", "24"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let r = app
        .post(
            "/admin/settings",
            &[
                ("session_idle_minutes", "45"),
                ("session_absolute_hours", "12"),
                ("email_token_hours", "48"),
                ("reset_token_minutes", "60"),
                ("mail_max_attempts", "8"),
                ("upload_max_mib", "10"),
                ("cert_review_working_days", "2"),
                ("collusion_address_minutes", "10"),
                ("contract_sign_working_days", "5"),
                ("payment_due_working_days", "30"),
                ("procurement_threshold", "100000000"),
                ("exposure_min_deduction", "10"),
                ("signal_price_over_median_pct", "150"),
                ("signal_min_awards", "3"),
                ("signal_owner_repeat", "2"),
                ("inspection_min_rate_pct", "5"),
                ("inspection_publish_days", "20"),
                ("complaint_ack_days", "1"),
                ("complaint_answer_days", "7"),
                ("complaint_review_days", "5"),
                ("complaint_daily_per_account", "5"),
                ("complaint_daily_per_address", "10"),
                ("complaint_visitor_link_hours", "24"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let s = zhongjie::accounts::store::settings::load(&mut app.conn()).unwrap();
    assert_eq!(s.get("session_idle_minutes"), 45);
}
