//! Mail through a real SMTP server, the transactional outbox, and several instances.

use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::outbox;

use crate::helpers::*;
use crate::platform::smtp;

async fn wait_for(inbox: &smtp::Received, n: usize) -> Vec<(Vec<String>, String)> {
    for _ in 0..100 {
        let all = inbox.all();
        if all.len() >= n {
            // Give a duplicate, if any, the chance to arrive.
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
            return inbox.all();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    inbox.all()
}

#[actix_web::test]
async fn mail_goes_through_smtp_and_into_the_message_centre() {
    let (url, inbox) = smtp::start();
    let app = spawn_app_with(Some(url)).await;
    let r = app
        .post(
            "/register",
            &[
                ("role", "owner"),
                ("org_name", "米易县人民医院"),
                ("uscc", "91110000802100433B"),
                ("contact_name", "周敏"),
                ("phone", "13908120003"),
                ("email", "zhou@example.com"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let got = wait_for(&inbox, 1).await;
    assert_eq!(got.len(), 1);
    let (rcpt, data) = &got[0];
    assert_eq!(rcpt, &vec!["zhou@example.com".to_string()]);
    assert!(data.contains("Subject:"), "{data}");
    let text = mail_text(data);
    assert!(
        token_in(&text, "verify-email?token=").is_some(),
        "link in the message: {text}"
    );
    assert!(text.contains("周敏"), "greets the contact person");
    let status: String = outbox::table
        .select(outbox::status)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(status, "sent");
    let (_, body) = app.get_text("/messages").await;
    assert!(
        body.contains("/messages/"),
        "the mail is listed in the message centre"
    );
}

#[actix_web::test]
async fn a_rolled_back_change_sends_nothing() {
    let app = spawn_app().await;
    let mut c = app.conn();
    let r: Result<(), diesel::result::Error> = zhongjie::db::write_tx(&mut c, |c| {
        zhongjie::mail::store::enqueue(c, None, "x@example.com", "s", "b")?;
        Err(diesel::result::Error::RollbackTransaction)
    });
    assert!(r.is_err());
    let n: i64 = outbox::table.count().get_result(&mut *c).unwrap();
    assert_eq!(n, 0);
}

#[actix_web::test]
async fn failed_sends_are_retried_with_back_off() {
    // An SMTP address where nothing listens.
    let port = free_port();
    let app = spawn_app_with(Some(format!("smtp://127.0.0.1:{port}"))).await;
    zhongjie::mail::store::enqueue(&mut app.conn(), None, "x@example.com", "s", "b").unwrap();
    let mut row = None;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let r: (String, i32, chrono::NaiveDateTime, Option<String>) = outbox::table
            .select((
                outbox::status,
                outbox::attempts,
                outbox::next_attempt_at,
                outbox::last_error,
            ))
            .first(&mut *app.conn())
            .unwrap();
        if r.1 > 0 {
            row = Some(r);
            break;
        }
    }
    let (status, attempts, next, err) = row.expect("an attempt was made");
    assert_eq!(status, "pending");
    assert_eq!(attempts, 1);
    assert!(
        next > zhongjie::db::now() + chrono::Duration::seconds(30),
        "backs off"
    );
    assert!(err.is_some());
}

#[actix_web::test]
async fn two_instances_share_sessions_and_send_each_mail_once() {
    let (url, inbox) = smtp::start();
    let a = spawn_app_with(Some(url.clone())).await;
    if !is_postgres() {
        // Two instances on one SQLite file work too, but the deployment this proves is PostgreSQL.
    }
    let b = spawn_sibling(&a, Some(url)).await;
    // Sign in on A, use the same cookie on B.
    a.signed_in(Role::Owner, "o@example.com").await;
    let url_a: reqwest::Url = a.address.parse().unwrap();
    use reqwest::cookie::CookieStore;
    let cookie = a.jar.cookies(&url_a).unwrap().to_str().unwrap().to_string();
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(b.url("/my"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "the session made on A works on B");

    // Queue 60 mails; both instances' workers race for them.
    {
        let mut c = a.conn();
        for i in 0..60 {
            zhongjie::mail::store::enqueue(
                &mut c,
                None,
                &format!("r{i}@example.com"),
                &format!("第{i}封"),
                "正文",
            )
            .unwrap();
        }
    }
    let got = wait_for(&inbox, 60).await;
    let mut rcpts: Vec<String> = got.iter().flat_map(|(r, _)| r.clone()).collect();
    rcpts.sort();
    let n = rcpts.len();
    rcpts.dedup();
    assert_eq!(n, 60, "each mail sent exactly once (got {n})");
    assert_eq!(rcpts.len(), 60);
    let claimed: Vec<Option<String>> = outbox::table
        .select(outbox::claimed_by)
        .load(&mut *a.conn())
        .unwrap();
    assert!(claimed.iter().all(|c| c.is_some()));
}
