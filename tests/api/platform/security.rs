//! Headers on every response, cookies, request-size limits, and malformed input that must
//! never produce a 500.

use zhongjie::auth::Role;

use crate::accounts::auth::clone_app;
use crate::helpers::*;

fn assert_headers(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    let csp = h
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap_or(""))
        .unwrap_or("");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: CSP {csp}");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{what}: CSP {csp}"
    );
    assert_eq!(
        h.get("x-content-type-options").map(|v| v.as_bytes()),
        Some(&b"nosniff"[..]),
        "{what}"
    );
    assert!(h.contains_key("referrer-policy"), "{what}");
    assert!(!h.contains_key("server"), "{what}: no version banner");
    assert!(!h.contains_key("x-powered-by"), "{what}");
}

#[actix_web::test]
async fn security_headers_on_every_kind_of_response() {
    let app = spawn_app().await;
    let big = "x".repeat(200 * 1024);
    let mut checks = vec![
        ("200", app.get("/").await),
        ("static", app.get("/static/css/app.css").await),
        ("404", app.get("/nope").await),
        ("303", app.get("/my").await),
        ("400", app.get("/verify-email?token=x").await),
        ("403 csrf", app.post_no_csrf("/login", &[]).await),
        ("422", app.post("/login", &[]).await),
        (
            "413",
            app.client
                .post(app.url("/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("email={big}"))
                .send()
                .await
                .unwrap(),
        ),
        ("healthz", app.get("/healthz").await),
    ];
    app.signed_in(Role::Owner, "o@example.com").await;
    checks.push(("403 role", app.get("/admin/audit").await));
    for (what, r) in &checks {
        assert_headers(r, what);
        assert!(
            !r.headers().contains_key("strict-transport-security"),
            "no HSTS over plain HTTP"
        );
    }
    let r = checks
        .iter()
        .find(|(w, _)| *w == "413")
        .map(|(_, r)| r.status().as_u16());
    assert_eq!(r, Some(413));
}

#[actix_web::test]
async fn error_pages_are_inside_the_layout_with_a_reference() {
    let app = spawn_app().await;
    let (s, body) = app.get_text("/no/such/page").await;
    assert_eq!(s, 404);
    assert!(
        body.contains("<html") && body.contains("/static/css/app.css"),
        "inside the layout"
    );
    assert!(
        body.contains("lang=en") || body.contains("English"),
        "language switch on error pages"
    );
    let r = app.post_no_csrf("/login", &[]).await;
    assert_eq!(r.status().as_u16(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("<html"));
}

#[actix_web::test]
async fn https_deployments_get_hsts_and_secure_cookies() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let url = fresh_database_url(dir.path());
    let _guard = DbGuard { url: url.clone() };
    let mut cfg = test_config(dir.path(), url, None);
    cfg.public_url = "https://zhongjie.example.gov.cn".into();
    let pool = zhongjie::startup::open_database(&cfg).unwrap();
    let app = zhongjie::startup::Application::build(cfg, pool).unwrap();
    let port = app.port();
    actix_web::rt::spawn(app.run_until_stopped());
    let r = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/login"))
        .send()
        .await
        .unwrap();
    let hsts = r
        .headers()
        .get("strict-transport-security")
        .map(|v| v.to_str().unwrap().to_string());
    assert!(hsts.unwrap_or_default().contains("max-age="));
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        cookie.contains("zj_csrf=") && cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

#[actix_web::test]
async fn session_cookie_flags() {
    let app = spawn_app().await;
    app.create_user(Role::Owner, "o@example.com").await;
    let r = app.login("o@example.com", PASSWORD).await;
    let set: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let s = set
        .iter()
        .find(|c| c.starts_with("zj_session="))
        .expect("session cookie");
    assert!(
        s.contains("HttpOnly") && s.contains("SameSite=Lax") && s.contains("Path=/"),
        "{s}"
    );
    assert!(!s.contains("Secure"), "plain HTTP in tests");
}

#[actix_web::test]
async fn malformed_input_never_gets_a_500() {
    let app = spawn_app().await;
    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;
    let posts = [
        "/login",
        "/register",
        "/password/forgot",
        "/password/reset",
        "/account/password",
        "/admin/users/new",
        "/admin/departments",
        "/admin/settings",
        "/admin/users/1/status",
        "/admin/users/abc/status",
        "/logout",
    ];
    let long = "长".repeat(20_000);
    for who in [&app, &admin] {
        let token = who.csrf().await;
        let bodies: Vec<(&str, String)> = vec![
            (
                "application/x-www-form-urlencoded",
                format!("csrf={token}&email=%ZZ%&password=%"),
            ),
            (
                "application/x-www-form-urlencoded",
                format!("csrf={token}&email=a&email=b&role[]=x"),
            ),
            (
                "application/x-www-form-urlencoded",
                format!("csrf={token}&email=%00%01%02&org_name=%E9%95"),
            ),
            (
                "application/x-www-form-urlencoded",
                format!("csrf={token}&org_name={long}&uscc={long}&email={long}"),
            ),
            (
                "application/json",
                format!("{{\"csrf\":\"{token}\",\"email\":1}}"),
            ),
            ("text/plain", "hello".into()),
            ("multipart/form-data; boundary=x", "--x--".into()),
        ];
        for path in posts {
            for (ctype, body) in &bodies {
                let r = who
                    .client
                    .post(who.url(path))
                    .header("content-type", *ctype)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let s = r.status().as_u16();
                assert!((300..500).contains(&s), "{path} {ctype}: got {s}");
            }
        }
        for path in [
            "/messages/99999999999999999999",
            "/messages/-1",
            "/admin/audit?before=abc",
            "/admin/users?role=%ZZ",
            "/register?role=%00",
            "/verify-email?token=%ZZ",
            "/%ZZ",
            "/static/../Cargo.toml",
        ] {
            let s = who.get(path).await.status().as_u16();
            assert!((200..500).contains(&s), "{path}: got {s}");
        }
    }
}

#[actix_web::test]
async fn healthz_reports_database_readiness() {
    let app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["database"], "ok");
}

#[test]
fn unreachable_or_unknown_databases_give_one_line_errors_with_masked_passwords() {
    let e = zhongjie::db::connect("postgres://zj:s3cret@127.0.0.1:1/zhongjie", 1)
        .err()
        .unwrap();
    assert!(e.contains("postgres://zj:***@127.0.0.1:1/zhongjie"), "{e}");
    assert!(!e.contains("s3cret") && !e.contains('\n'), "{e}");
    let e = zhongjie::db::connect("mysql://root:pw@localhost/db", 1)
        .err()
        .unwrap();
    assert!(e.contains("unsupported") && !e.contains(":pw@"), "{e}");
    // The binary prints the same one line and exits non-zero, no panic.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhongjie"))
        .arg("migrate")
        .env("DATABASE_URL", "postgres://zj:s3cret@127.0.0.1:1/zhongjie")
        .env("ZJ_SEALING_KEY", "11".repeat(32))
        .env("ZJ_DATA_DIR", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("postgres://zj:***@127.0.0.1:1/zhongjie")
            && !err.contains("panicked")
            && !err.contains("s3cret"),
        "{err}"
    );
}

#[test]
fn postgres_without_a_sealing_key_refuses_to_start() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhongjie"))
        .arg("migrate")
        .env("DATABASE_URL", "postgres://127.0.0.1:1/x")
        .env_remove("ZJ_SEALING_KEY")
        .env("ZJ_DATA_DIR", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ZJ_SEALING_KEY"));
}

#[actix_web::test]
async fn a_server_error_is_a_page_with_a_reference_and_no_details() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app().await;
    {
        let mut c = app.conn();
        let sql = if is_postgres() {
            "DROP TABLE departments CASCADE"
        } else {
            "DROP TABLE departments"
        };
        c.batch_execute(sql).unwrap();
    }
    let r = app.get("/").await;
    assert_eq!(r.status().as_u16(), 500);
    assert_headers(&r, "500");
    let body = r.text().await.unwrap();
    assert!(
        body.contains("<html") && body.contains("/static/css/app.css"),
        "inside the layout"
    );
    assert!(
        !body.to_lowercase().contains("departments"),
        "no internals on the page"
    );
    // The reference shown is the request id: 12 hex characters.
    let has_ref = body
        .split(|c: char| !c.is_ascii_hexdigit())
        .any(|w| w.len() == 12);
    assert!(has_ref, "a reference id is shown");
}

#[test]
fn every_command_has_help() {
    for cmd in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["create-admin", "--help"],
        vec!["demo", "--help"],
        vec!["verify-audit", "--help"],
        vec!["backup", "--help"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhongjie"))
            .args(&cmd)
            .output()
            .unwrap();
        assert!(out.status.success(), "{cmd:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{cmd:?}"
        );
    }
}

#[actix_web::test]
async fn create_admin_command_checks_the_password_and_duplicates() {
    let app = spawn_app().await;
    let run = |pw: &str, email: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_zhongjie"))
            .args(["create-admin", "--email", email, "--name", "王建国"])
            .env("DATABASE_URL", &app.config.database_url)
            // The key the database is sealed with: any other is refused at start-up.
            .env("ZJ_SEALING_KEY", hex::encode(app.config.sealing_key))
            .env("ZJ_DATA_DIR", app.config.data_dir.as_os_str())
            .env("ZJ_ADMIN_PASSWORD", pw)
            .output()
            .unwrap()
    };
    let weak = run("12345678", "boss@example.gov.cn");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password refused"));
    let ok = run("Guanli-Yuan-Mima-2026", "boss@example.gov.cn");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let dup = run("Guanli-Yuan-Mima-2026", "boss@example.gov.cn");
    assert!(!dup.status.success());
    let admin = clone_app(&app);
    assert_eq!(
        admin
            .login("boss@example.gov.cn", "Guanli-Yuan-Mima-2026")
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(admin.get("/admin/audit").await.status().as_u16(), 200);
}

/// HEAD works where GET does: the static files answer 200 without a body, an unknown static
/// file 404, and no HEAD request ends in a 500.
#[actix_web::test]
async fn head_requests_answer_like_get_without_a_body() {
    let app = crate::helpers::spawn_web_only().await;
    for (path, want) in [
        ("/static/js/app.js", 200),
        ("/static/css/app.css", 200),
        ("/static/js/nope.js", 404),
        ("/", 200),
        ("/no-such-page", 404),
    ] {
        let r = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), want, "HEAD {path}");
        assert!(r.bytes().await.unwrap().is_empty(), "HEAD {path}: no body");
    }
    let r = app.client.head(app.url("/healthz")).send().await.unwrap();
    assert!(r.status().as_u16() < 500, "HEAD /healthz: {}", r.status());
}
