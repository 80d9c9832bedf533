//! Registration, verification, login, logout, password change and reset, with bad input.

use zhongjie::auth::Role;

use crate::helpers::*;

const GOOD_USCC: &str = "91350100M000100Y43";

fn register_form<'a>(email: &'a str, uscc: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("role", "agency"),
        ("org_name", "四川蜀环环境科技有限公司"),
        ("uscc", uscc),
        ("contact_name", "黄海涛"),
        ("phone", "13808120101"),
        ("email", email),
        ("password", PASSWORD),
        ("password2", PASSWORD),
    ]
}

#[actix_web::test]
async fn registration_verification_and_login_work_end_to_end() {
    let app = spawn_app().await;
    let r = app
        .post("/register", &register_form("huang@example.com", GOOD_USCC))
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/my");
    // Signed in straight away, told to verify.
    let (s, body) = app.get_text("/my").await;
    assert_eq!(s, 200);
    assert!(body.contains("四川蜀环环境科技有限公司"));
    assert!(
        body.contains("/verify-email/resend"),
        "unverified accounts are offered a new link"
    );

    // The verification mail went to a file (no SMTP configured) and to the message centre.
    let mails = app.eml_files(1).await;
    assert_eq!(mails.len(), 1, "one verification mail");
    let outbox = app.outbox_bodies();
    let token = token_in(&outbox[0].1, "token=").expect("link in mail");
    let (s, body) = app.get_text("/messages").await;
    assert_eq!(s, 200);
    assert!(
        body.contains("邮箱"),
        "the mail is in the message centre: {body}"
    );

    let (s, _) = app.get_text(&format!("/verify-email?token={token}")).await;
    assert_eq!(s, 200);
    let (_, body) = app.get_text("/my").await;
    assert!(!body.contains("/verify-email/resend"));
    // The link works once.
    let (s, body) = app.get_text(&format!("/verify-email?token={token}")).await;
    assert_eq!(s, 400);
    assert!(body.contains("已使用"), "{body}");

    // Log out, log back in.
    let r = app.post("/logout", &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.get("/my").await.status().as_u16(), 303);
    let r = app.login("huang@example.com", PASSWORD).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.get("/my").await.status().as_u16(), 200);
}

#[actix_web::test]
async fn bad_registration_input_is_refused_beside_the_field_and_input_kept() {
    let app = spawn_app().await;
    // A flipped check character.
    let r = app
        .post(
            "/register",
            &register_form("a@example.com", "91350100M000100Y44"),
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("校验位"), "checksum message shown");
    assert!(
        body.contains("四川蜀环环境科技有限公司"),
        "other input kept"
    );
    assert!(!body.contains(PASSWORD), "password never echoed");

    // Every other kind of bad field.
    let cases: Vec<(&str, &str, &str)> = vec![
        ("email", "not-an-email", "邮箱格式"),
        ("phone", "12345", "电话号码格式"),
        ("org_name", "", "必填"),
        ("uscc", "123", "18 位"),
        ("password", "12345678", "过于常见"),
        ("password", "short", "不能少于"),
        ("role", "admin", ""),
    ];
    for (field, value, expect) in cases {
        let mut f = register_form("b@example.com", GOOD_USCC);
        for kv in f.iter_mut() {
            if kv.0 == field {
                kv.1 = value;
            }
            if field == "password" && kv.0 == "password2" {
                kv.1 = value;
            }
        }
        let r = app.post("/register", &f).await;
        assert_eq!(r.status().as_u16(), 422, "{field}={value}");
        let body = r.text().await.unwrap();
        assert!(body.contains(expect), "{field}: expected {expect}");
    }
    // Over-long field.
    let long = "长".repeat(500);
    let mut f = register_form("c@example.com", GOOD_USCC);
    f[1].1 = &long;
    let r = app.post("/register", &f).await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("最多"));
    // Mismatched confirmation.
    let mut f = register_form("d@example.com", GOOD_USCC);
    f[7].1 = "Something-Else-2026";
    assert_eq!(app.post("/register", &f).await.status().as_u16(), 422);
    // Nothing was saved by any of these.
    use diesel::prelude::*;
    let n: i64 = zhongjie::db::schema::users::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 0);
}

#[actix_web::test]
async fn english_messages_when_english_is_chosen() {
    let app = spawn_app().await;
    app.get("/?lang=en").await;
    let r = app
        .post(
            "/register",
            &register_form("a@example.com", "91350100M000100Y44"),
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("lang=\"en\""));
    assert!(
        body.to_lowercase().contains("check"),
        "English checksum message"
    );
}

#[actix_web::test]
async fn duplicate_registrations_are_refused() {
    let app = spawn_app().await;
    assert_eq!(
        app.post("/register", &register_form("dup@example.com", GOOD_USCC))
            .await
            .status()
            .as_u16(),
        303
    );
    let other_app = clone_app(&app);
    // Same e-mail.
    let r = other_app
        .post(
            "/register",
            &register_form("dup@example.com", "91110000802100433B"),
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("已被注册"));
    // Same credit code for the same role.
    let r = other_app
        .post("/register", &register_form("dup2@example.com", GOOD_USCC))
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("统一社会信用代码"));
}

pub fn clone_app(app: &TestApp) -> TestApp {
    let (client, jar) = app.new_client();
    TestApp {
        address: app.address.clone(),
        port: app.port,
        pool: app.pool.clone(),
        config: app.config.clone(),
        client,
        jar,
        _dir: app_dir(app),
        _db: app._db.clone(),
    }
}

fn app_dir(app: &TestApp) -> std::sync::Arc<tempfile::TempDir> {
    app.dir()
}

#[actix_web::test]
async fn wrong_password_and_forged_tokens() {
    let app = spawn_app().await;
    app.create_user(Role::Owner, "o@example.com").await;
    let r = app.login("o@example.com", "Wrong-Password-123").await;
    assert_eq!(r.status().as_u16(), 401);
    assert!(
        r.text().await.unwrap().contains("o@example.com"),
        "e-mail kept in the form"
    );
    let r = app.login("nobody@example.com", PASSWORD).await;
    assert_eq!(r.status().as_u16(), 401, "unknown account looks the same");

    for path in [
        "/verify-email?token=abc",
        "/verify-email?token=",
        &format!("/verify-email?token={}", "a".repeat(64)),
        "/password/reset?token=zz",
        &format!("/password/reset?token={}", "0".repeat(64)),
    ] {
        let (s, body) = app.get_text(path).await;
        assert_eq!(s, 400, "{path}");
        assert!(
            body.contains("无效") || body.contains("过期"),
            "{path}: {body}"
        );
    }
    let r = app
        .post(
            "/password/reset",
            &[
                ("token", &"f".repeat(64)),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 400);
}

#[actix_web::test]
async fn password_reset_by_mail_ends_every_session() {
    let app = spawn_app().await;
    app.signed_in(Role::Owner, "o@example.com").await;
    let r = app
        .post("/password/forgot", &[("email", "o@example.com")])
        .await;
    // Signed-in users are sent to their workbench; ask from a fresh browser.
    assert_eq!(r.status().as_u16(), 303);
    let guest = clone_app(&app);
    let r = guest
        .post("/password/forgot", &[("email", "o@example.com")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    // Unknown addresses get the same answer.
    let r = guest
        .post("/password/forgot", &[("email", "ghost@example.com")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let outbox = app.outbox_bodies();
    assert_eq!(outbox.len(), 1);
    let token = token_in(&outbox[0].1, "token=").unwrap();
    let (s, _) = guest
        .get_text(&format!("/password/reset?token={token}"))
        .await;
    assert_eq!(s, 200);
    let r = guest
        .post(
            "/password/reset",
            &[
                ("token", &token),
                ("password", "Xin-Mima-Anquan-88"),
                ("password2", "Xin-Mima-Anquan-88"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    // The first browser's session is gone.
    assert_eq!(app.get("/my").await.status().as_u16(), 303);
    assert_eq!(
        guest
            .login("o@example.com", PASSWORD)
            .await
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        guest
            .login("o@example.com", "Xin-Mima-Anquan-88")
            .await
            .status()
            .as_u16(),
        303
    );
    // The link is single-use.
    let (s, _) = guest
        .get_text(&format!("/password/reset?token={token}"))
        .await;
    assert_eq!(s, 400);
}

#[actix_web::test]
async fn password_change_keeps_this_session_and_ends_the_others() {
    let app = spawn_app().await;
    app.signed_in(Role::Agency, "a@example.com").await;
    let other = clone_app(&app);
    assert_eq!(
        other
            .login("a@example.com", PASSWORD)
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(other.get("/my").await.status().as_u16(), 200);

    let r = app
        .post(
            "/account/password",
            &[
                ("current", "wrong"),
                ("password", "Xin-Mima-Anquan-88"),
                ("password2", "Xin-Mima-Anquan-88"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("当前密码"));
    let r = app
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("password", "Xin-Mima-Anquan-88"),
                ("password2", "Xin-Mima-Anquan-88"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        app.get("/my").await.status().as_u16(),
        200,
        "this session stays"
    );
    assert_eq!(
        other.get("/my").await.status().as_u16(),
        303,
        "the other session ended"
    );
}

#[actix_web::test]
async fn login_is_throttled_per_account() {
    let app = spawn_app().await;
    app.create_user(Role::Owner, "t@example.com").await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(
            app.login("t@example.com", "Wrong-Password-123")
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(&statuses[..5], &[401; 5]);
    assert_eq!(statuses[6], 429, "{statuses:?}");
    // Even the right password waits during the pause.
    let r = app.login("t@example.com", PASSWORD).await;
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("秒后"));
}

#[actix_web::test]
async fn sessions_expire_when_idle() {
    use diesel::prelude::*;
    use zhongjie::db::schema::sessions;
    let app = spawn_app().await;
    app.signed_in(Role::Owner, "o@example.com").await;
    assert_eq!(app.get("/my").await.status().as_u16(), 200);
    let old = zhongjie::db::now() - chrono::Duration::hours(2);
    diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(old))
        .execute(&mut *app.conn())
        .unwrap();
    assert_eq!(app.get("/my").await.status().as_u16(), 303);
    let n: i64 = sessions::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 0, "expired session deleted");
}

#[actix_web::test]
async fn session_ids_are_stored_hashed_and_renewed_at_login() {
    use diesel::prelude::*;
    use zhongjie::db::schema::sessions;
    let app = spawn_app().await;
    app.signed_in(Role::Owner, "o@example.com").await;
    let url = app.address.parse().unwrap();
    use reqwest::cookie::CookieStore;
    let cookies = app.jar.cookies(&url).unwrap();
    let cookie = cookies
        .to_str()
        .unwrap()
        .split("; ")
        .find(|c| c.starts_with("zj_session="))
        .unwrap()
        .to_string();
    let token = cookie.trim_start_matches("zj_session=").to_string();
    assert_eq!(token.len(), 64);
    let stored: Vec<String> = sessions::table
        .select(sessions::id_hash)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert_eq!(stored[0], zhongjie::auth::token::hash_token(&token));
}

#[actix_web::test]
async fn expired_links_are_refused_with_a_clear_message() {
    use diesel::prelude::*;
    use zhongjie::db::schema::user_tokens;
    let app = spawn_app().await;
    app.create_user(Role::Owner, "o@example.com").await;
    let guest = clone_app(&app);
    guest
        .post("/password/forgot", &[("email", "o@example.com")])
        .await;
    let token = token_in(&app.outbox_bodies()[0].1, "token=").unwrap();
    let past = zhongjie::db::now() - chrono::Duration::minutes(1);
    diesel::update(user_tokens::table)
        .set(user_tokens::expires_at.eq(past))
        .execute(&mut *app.conn())
        .unwrap();
    let (s, body) = guest
        .get_text(&format!("/password/reset?token={token}"))
        .await;
    assert_eq!(s, 400);
    assert!(body.contains("过期"), "{body}");
    let r = guest
        .post(
            "/password/reset",
            &[
                ("token", &token),
                ("password", "Xin-Mima-Anquan-88"),
                ("password2", "Xin-Mima-Anquan-88"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        guest
            .login("o@example.com", PASSWORD)
            .await
            .status()
            .as_u16(),
        303,
        "password unchanged"
    );
}
