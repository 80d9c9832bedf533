//! Two real `zhongjie serve` processes on one database: a session made on one works on the
//! other, and each queued mail is sent exactly once. (On PostgreSQL this is the scale-out
//! deployment; on SQLite it shows two processes on one file coexist.)

use std::process::{Child, Command, Stdio};

use zhongjie::auth::Role;

use crate::helpers::*;
use crate::platform::smtp;

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db_url: &str, smtp_url: &str, dir: &std::path::Path) -> (Proc, String) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_zhongjie"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", db_url)
        .env("SMTP_URL", smtp_url)
        // The test databases are sealed with the test key; another is refused at start-up.
        .env("ZJ_SEALING_KEY", hex::encode([7u8; 32]))
        .env("ZJ_DATA_DIR", dir)
        .env("ZJ_JOB_POLL_MS", "50")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start zhongjie serve");
    (Proc(child), format!("http://127.0.0.1:{port}"))
}

async fn wait_healthy(base: &str) {
    let c = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = c.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{base} did not become healthy");
}

#[actix_web::test]
async fn two_serve_processes_share_sessions_and_send_each_mail_once() {
    let (smtp_url, inbox) = smtp::start();
    // An in-process app only to create the database and a user; it runs no mail sender.
    let app = spawn_web_only().await;
    app.create_user(Role::Agency, "a@example.com").await;
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let (_p1, base1) = serve(&app.config.database_url, &smtp_url, d1.path());
    let (_p2, base2) = serve(&app.config.database_url, &smtp_url, d2.path());
    wait_healthy(&base1).await;
    wait_healthy(&base2).await;

    // Log in on instance 1.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let c1 = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    let page = c1
        .get(format!("{base1}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&page).unwrap();
    let r = c1
        .post(format!("{base1}/login"))
        .form(&[
            ("email", "a@example.com"),
            ("password", PASSWORD),
            ("next", "/my"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    use reqwest::cookie::CookieStore;
    let cookies = jar
        .cookies(&base1.parse().unwrap())
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    // Use the session on instance 2 (cookies are per host, not per port).
    let c2 = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = c2
        .get(format!("{base2}/my"))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        200,
        "session from instance 1 accepted by instance 2"
    );
    // Logging out on instance 2 ends it on instance 1 too.
    let page = c2
        .get(format!("{base2}/my"))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&page).unwrap();
    let r = c2
        .post(format!("{base2}/logout"))
        .header("cookie", &cookies)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        c1.get(format!("{base1}/my"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303
    );

    // 40 queued mails, two senders racing for them.
    {
        let mut c = app.conn();
        for i in 0..40 {
            zhongjie::mail::store::enqueue(
                &mut c,
                None,
                &format!("m{i}@example.com"),
                &format!("通知{i}"),
                "正文",
            )
            .unwrap();
        }
    }
    for _ in 0..200 {
        if inbox.all().len() >= 40 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let got = inbox.all();
    let mut rcpts: Vec<String> = got.iter().flat_map(|(r, _)| r.clone()).collect();
    let total = rcpts.len();
    rcpts.sort();
    rcpts.dedup();
    assert_eq!(
        (total, rcpts.len()),
        (40, 40),
        "every mail sent exactly once"
    );
}
