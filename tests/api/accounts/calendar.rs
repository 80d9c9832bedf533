//! The working-day calendar: the administrator adds and removes holidays and make-up working
//! days, deadlines counted in working days follow them, bad entries are refused with a message
//! and leave nothing behind, and only administrators may change it.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::{agency_certificates, calendar_days};
use zhongjie::domain::workdays::is_weekend;

use crate::accounts::auth::clone_app;
use crate::helpers::*;
use crate::library::agency_profile::agency_with_certificate;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn entries(app: &TestApp) -> i64 {
    calendar_days::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    zhongjie::audit::recent(&mut app.conn(), 50, None)
        .unwrap()
        .into_iter()
        .map(|r| (r.action, r.object_id))
        .collect()
}

async fn add(app: &TestApp, date: &str, kind: &str, name: &str) -> (u16, String) {
    let r = app
        .post(
            "/admin/calendar",
            &[("date", date), ("kind", kind), ("name", name)],
        )
        .await;
    let s = r.status().as_u16();
    (s, r.text().await.unwrap_or_default())
}

#[actix_web::test]
async fn the_2026_state_council_arrangements_are_seeded() {
    let app = spawn_app().await;
    let rows = zhongjie::accounts::store::calendar::year(&mut app.conn(), 2026).unwrap();
    assert_eq!(rows.len(), 25, "19 weekdays off and 6 weekends worked");
    assert!(
        rows.iter()
            .all(|(r, by)| r.created_by.is_none() && by.is_none())
    );
    let cal =
        zhongjie::accounts::store::calendar::load_from(&mut app.conn(), d("2026-01-01")).unwrap();
    // 春节: Sat 14 Feb worked, Mon 16 – Mon 23 Feb off, Sat 28 Feb worked.
    assert!(cal.is_working_day(d("2026-02-14")));
    assert!(!cal.is_working_day(d("2026-02-23")));
    assert_eq!(cal.add_working_days(d("2026-02-13"), 1), d("2026-02-14"));
    assert_eq!(cal.add_working_days(d("2026-02-14"), 1), d("2026-02-24"));
    // 国庆节: three working days after Wed 30 Sep end on the make-up Saturday 10 Oct.
    assert_eq!(cal.add_working_days(d("2026-09-30"), 3), d("2026-10-10"));

    let (s, body) = app.get_text("/calendar?year=2026").await;
    assert_eq!(s, 200);
    assert!(body.contains("国庆节调休") && body.contains("2026-10-10"));
    assert!(body.contains("调休上班日") && body.contains("星期六"));
    let (s, body) = app.get_text("/calendar?year=2026&lang=en").await;
    assert_eq!(s, 200);
    assert!(body.contains("Make-up working day") && body.contains("Saturday"));
}

#[actix_web::test]
async fn admin_adds_a_holiday_and_a_makeup_day_and_deadlines_follow() {
    let app = spawn_app().await;
    let admin = app.signed_in(Role::Admin, "admin@example.com").await;
    let before =
        zhongjie::accounts::store::calendar::load_from(&mut app.conn(), d("2027-01-01")).unwrap();
    // Fri 1 Oct 2027 off, Sat 9 Oct 2027 worked.
    assert_eq!(before.add_working_days(d("2027-09-30"), 1), d("2027-10-01"));
    let (s, body) = add(&app, "2027-10-01", "holiday", "国庆节").await;
    assert_eq!(s, 303, "{body}");
    let (s, body) = add(&app, " 2027-10-09 ", "workday", "国庆节调休").await;
    assert_eq!(s, 303, "{body}");

    let row = zhongjie::accounts::store::calendar::find(&mut app.conn(), d("2027-10-09"))
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.kind.as_str(), row.name.as_str()),
        ("workday", "国庆节调休")
    );
    assert_eq!(row.created_by, Some(admin));

    let cal =
        zhongjie::accounts::store::calendar::load_from(&mut app.conn(), d("2027-09-01")).unwrap();
    assert_eq!(cal.add_working_days(d("2027-09-30"), 1), d("2027-10-04"));
    assert_eq!(cal.add_working_days(d("2027-10-08"), 1), d("2027-10-09"));
    assert_eq!(
        cal.working_days_between(d("2027-09-30"), d("2027-10-11")),
        7,
        "4–8 Oct, Sat 9 Oct and Mon 11 Oct"
    );
    assert_eq!(
        zhongjie::domain::agency_rules::review_due(d("2027-09-30"), 2, &cal),
        d("2027-10-05")
    );

    let (s, body) = app.get_text("/admin/calendar?year=2027").await;
    assert_eq!(s, 200);
    assert!(body.contains("2027-10-01") && body.contains("admin@example.com"));
    let (_, public) = app.get_text("/calendar?year=2027").await;
    assert!(public.contains("国庆节调休") && !public.contains("admin@example.com"));

    let actions = audit_actions(&app);
    assert!(actions.contains(&("calendar_day.add".into(), "2027-10-01".into())));
    assert!(actions.contains(&("calendar_day.add".into(), "2027-10-09".into())));

    // Removing puts the day back to an ordinary Friday.
    let r = app.post("/admin/calendar/2027-10-01/remove", &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers().get("location").unwrap(),
        "/admin/calendar?year=2027"
    );
    let cal =
        zhongjie::accounts::store::calendar::load_from(&mut app.conn(), d("2027-09-01")).unwrap();
    assert!(cal.is_working_day(d("2027-10-01")));
    assert!(audit_actions(&app).contains(&("calendar_day.remove".into(), "2027-10-01".into())));
    let r = app.post("/admin/calendar/2027-10-01/remove", &[]).await;
    assert_eq!(r.status().as_u16(), 404, "already gone");
    let r = app.post("/admin/calendar/2027-13-01/remove", &[]).await;
    assert_eq!(r.status().as_u16(), 404);
}

/// The certificate review deadline (a working-day count from today) uses the database
/// calendar: a holiday the administrator puts on the next working day pushes it back.
#[actix_web::test]
async fn certificate_review_due_date_follows_the_calendar() {
    let app = spawn_app().await;
    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;
    let today = zhongjie::db::today();
    let before = zhongjie::accounts::store::calendar::load_from(&mut app.conn(), today).unwrap();
    let due_before = before.add_working_days(today, 2);
    let holiday = (1..60)
        .map(|k| today + Duration::days(k))
        .find(|x| before.is_working_day(*x) && !is_weekend(*x))
        .unwrap();
    let (s, body) = add(
        &admin,
        &holiday.format("%Y-%m-%d").to_string(),
        "holiday",
        "测试假日",
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let after = zhongjie::accounts::store::calendar::load_from(&mut app.conn(), today).unwrap();
    assert!(!after.is_working_day(holiday));

    let (aid, _, _) = agency_with_certificate(&app, "a@example.com").await;
    let due: NaiveDate = agency_certificates::table
        .filter(agency_certificates::agency_id.eq(aid))
        .select(agency_certificates::review_due)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(due, after.add_working_days(today, 2));
    if holiday <= due_before {
        assert!(due > due_before, "the holiday moved the deadline");
    }
}

#[actix_web::test]
async fn bad_entries_are_refused_with_a_message_and_nothing_saved() {
    // No background jobs: their own audit entries (a daily run starting mid-test on a busy
    // machine) would be counted as the refusals'.
    let app = spawn_web_only().await;
    app.signed_in(Role::Admin, "admin@example.com").await;
    let n = entries(&app);
    let audit_n = audit_actions(&app).len();
    let cases: &[(&str, &str, &str, &str)] = &[
        ("", "holiday", "国庆节", "必填"),
        ("2027-02-30", "holiday", "国庆节", "请填写有效日期"),
        ("10/01/2027", "holiday", "国庆节", "请填写有效日期"),
        ("1999-10-01", "holiday", "国庆节", "2000 年至 2100 年"),
        // Sat 2 Oct 2027 is off anyway; Fri 8 Oct 2027 is worked anyway.
        (
            "2027-10-02",
            "holiday",
            "国庆节",
            "2027-10-02 是星期六，本来就休息",
        ),
        (
            "2027-10-08",
            "workday",
            "国庆节调休",
            "2027-10-08 是星期五，本来就上班",
        ),
        ("2027-10-01", "weekend", "国庆节", "请选择"),
        ("2027-10-01", "holiday", "", "必填"),
        ("2027-10-01", "holiday", &"节".repeat(31), "最多 30 个字"),
        // Already seeded from the State Council notice.
        (
            "2026-10-01",
            "holiday",
            "国庆节",
            "2026-10-01 已登记为“国庆节”",
        ),
    ];
    for (date, kind, name, expect) in cases {
        let (s, body) = add(&app, date, kind, name).await;
        assert_eq!(s, 422, "{date} {kind} {name}");
        assert!(body.contains(expect), "{date} {kind}: expected {expect:?}");
        assert!(body.contains("field-error"), "message beside the field");
        if !date.contains('/') {
            assert!(body.contains(&format!("value=\"{date}\"")), "input kept");
        }
    }
    assert_eq!(entries(&app), n, "nothing saved");
    assert_eq!(audit_actions(&app).len(), audit_n, "nothing audited");

    // The same refusals in English.
    let r = app
        .post(
            "/admin/calendar?lang=en",
            &[
                ("date", "2027-10-02"),
                ("kind", "holiday"),
                ("name", "National Day"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("2027-10-02 is a Saturday and is off anyway"),
        "{body}"
    );
    let r = app
        .post(
            "/admin/calendar?lang=en",
            &[("date", "2026-10-10"), ("kind", "workday"), ("name", "x")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("is already recorded as"), "{body}");
    assert_eq!(entries(&app), n);
}

#[actix_web::test]
async fn only_administrators_change_the_calendar() {
    let app = spawn_app().await;
    let n = entries(&app);
    for role in [Role::Owner, Role::Agency, Role::Regulator] {
        let c = clone_app(&app);
        c.signed_in(role, &format!("{}@example.com", role.as_str()))
            .await;
        assert_eq!(c.get("/admin/calendar").await.status().as_u16(), 403);
        let (s, _) = add(&c, "2027-10-01", "holiday", "国庆节").await;
        assert_eq!(s, 403, "{role:?}");
        let r = c.post("/admin/calendar/2026-10-01/remove", &[]).await;
        assert_eq!(r.status().as_u16(), 403, "{role:?}");
        // Everyone may read the public calendar.
        assert_eq!(c.get("/calendar").await.status().as_u16(), 200);
    }
    let visitor = clone_app(&app);
    let (s, _) = add(&visitor, "2027-10-01", "holiday", "国庆节").await;
    assert_eq!(s, 303, "sent to log in");
    assert_eq!(entries(&app), n, "nothing saved or removed");
    // Without a CSRF token even an administrator is refused.
    app.signed_in(Role::Admin, "admin@example.com").await;
    let r = app
        .post_no_csrf(
            "/admin/calendar",
            &[
                ("date", "2027-10-01"),
                ("kind", "holiday"),
                ("name", "国庆节"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(entries(&app), n);
}
