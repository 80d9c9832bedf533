//! Issue 17: a signed-in GET of a kept page costs no database statement — this instance's
//! reading of the session under the audit stamp stands for it — and the reading ends as soon
//! as the session changes: at once after a write on this instance, within the stamp window
//! after one on another instance. The other tests run with a zero window (every request reads
//! the stamp, and so the session).

use std::sync::Arc;

use reqwest::cookie::CookieStore;

use zhongjie::auth::Role;

use super::auth::clone_app;
use crate::helpers::*;

/// An instance whose stamp reading is shared for `ms` milliseconds, as in production
/// (`ZJ_PAGE_STAMP_MS`), on a fresh database or on `of`'s.
async fn spawn_windowed(ms: u64, of: Option<&TestApp>) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let url = match of {
        Some(a) => a.config.database_url.clone(),
        None => fresh_database_url(dir.path()),
    };
    let mut cfg = test_config(dir.path(), url, None);
    cfg.run_jobs = false;
    cfg.page_stamp_ms = ms;
    start(cfg, dir).await
}

fn signed_in(body: &str) -> bool {
    body.contains("action=\"/logout\"")
}

/// The browser of `app`'s client is no longer signed in: its workbench sends it to the login
/// page and a public page shows the visitor's menu.
async fn signed_out(app: &TestApp, why: &str) {
    let r = app.get("/my").await;
    assert_eq!(r.status().as_u16(), 303, "{why}");
    let (_, body) = app.get_text("/credit").await;
    assert!(!signed_in(&body), "{why}");
}

#[actix_web::test]
async fn a_kept_page_for_a_signed_in_user_reads_nothing_and_forms_still_read_the_session() {
    let app = spawn_windowed(30_000, None).await;
    app.signed_in(Role::Owner, "o@example.com").await;
    for _ in 0..2 {
        let (s, body) = app.get_text("/credit").await;
        assert_eq!(s, 200);
        assert!(signed_in(&body));
    }
    // A request may find the settings' one-second reading just ended (a slow machine) and
    // read them with the session: the next one does not.
    let mut costs = Vec::new();
    for _ in 0..3 {
        let before = app.pool.statements();
        let (s, body) = app.get_text("/credit").await;
        assert_eq!(s, 200);
        assert!(signed_in(&body), "still the owner's page");
        costs.push(app.pool.statements() - before);
        if costs.last() == Some(&0) {
            break;
        }
    }
    assert_eq!(
        costs.last(),
        Some(&0),
        "a kept page and a kept session: no statement ({costs:?})"
    );
    // A form is checked against the session as it is now: one read at least.
    let before = app.pool.statements();
    let r = app.post("/logout", &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(app.pool.statements() - before > 0);
    let (_, body) = app.get_text("/credit").await;
    assert!(!signed_in(&body), "signed out");
}

#[actix_web::test]
async fn a_write_on_this_instance_ends_other_readings_at_once() {
    // A window far longer than the test: only the write can end the reading.
    let app = spawn_windowed(60_000, None).await;
    let uid = app.signed_in(Role::Owner, "o@example.com").await;
    let (_, body) = app.get_text("/my").await;
    assert!(signed_in(&body));
    let (_, body) = app.get_text("/credit").await;
    assert!(signed_in(&body), "the owner's session is kept here now");

    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;
    let r = admin
        .post(
            &format!("/admin/users/{uid}/status"),
            &[("status", "disabled")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);

    signed_out(&app, "a disabled account's session ended").await;
}

#[actix_web::test]
async fn a_session_ended_on_another_instance_ends_here_within_the_window() {
    let a = spawn_windowed(300, None).await;
    let b = spawn_windowed(300, Some(&a)).await;
    a.signed_in(Role::Owner, "o@example.com").await;
    let (_, body) = a.get_text("/credit").await;
    assert!(signed_in(&body));
    let (_, body) = a.get_text("/credit").await;
    assert!(signed_in(&body), "kept on instance a");

    // The same browser, through the load balancer to instance b: it signs out there.
    let cookies = a
        .jar
        .cookies(&a.address.parse().unwrap())
        .expect("cookies")
        .to_str()
        .unwrap()
        .to_string();
    let b_url: reqwest::Url = b.address.parse().unwrap();
    for c in cookies.split("; ") {
        b.jar.add_cookie_str(&format!("{c}; Path=/"), &b_url);
    }
    let (_, body) = b.get_text("/credit").await;
    assert!(signed_in(&body), "the session is shared");
    let r = b.post("/logout", &[]).await;
    assert_eq!(r.status().as_u16(), 303);

    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    signed_out(&a, "the sign-out on b holds on a after the window").await;
}

#[actix_web::test]
async fn reading_a_message_updates_the_unread_count_here_at_once() {
    let app = spawn_windowed(60_000, None).await;
    let uid = app.create_user(Role::Owner, "o@example.com").await;
    let pool = app.pool.clone();
    let mid = actix_web::web::block(move || {
        use diesel::prelude::*;
        use zhongjie::db::schema::messages;
        let mut c = pool.get().unwrap();
        zhongjie::mail::notify::mail_user(
            &mut c,
            uid,
            "opened",
            &[("id", "1".into()), ("status", "awarded".into())],
        )
        .unwrap();
        messages::table
            .filter(messages::user_id.eq(uid))
            .select(messages::id)
            .first::<i64>(&mut *c)
            .unwrap()
    })
    .await
    .unwrap();
    let r = app.login("o@example.com", PASSWORD).await;
    assert_eq!(r.status().as_u16(), 303);
    let badge = "<span class=\"badge\">1<";
    for _ in 0..2 {
        let (_, body) = app.get_text("/credit").await;
        assert!(body.contains(badge), "one unread message");
    }
    let (s, _) = app.get_text(&format!("/messages/{mid}")).await;
    assert_eq!(s, 200);
    let (_, body) = app.get_text("/credit").await;
    assert!(signed_in(&body));
    assert!(!body.contains(badge), "read: no badge on the next page");
}
