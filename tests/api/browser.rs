//! A real browser: headless Chromium (Debian's `chromium` + `chromium-driver`) driven over
//! the WebDriver protocol logs in as every demo role and sees its workbench. Runs when
//! `ZJ_BROWSER_TEST=1` (CI sets it after installing Chromium); skipped otherwise.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::webdriver::{Driver, enabled};

#[actix_web::test]
async fn every_demo_role_logs_in_through_a_real_browser() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let pool = app.pool.clone();
    actix_web::web::block(move || zhongjie::demo::load(&mut pool.get().unwrap()))
        .await
        .unwrap()
        .unwrap();
    let d = Driver::start().await;
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    let _ = std::fs::create_dir_all(&shots);
    for l in zhongjie::demo::LOGINS {
        d.clear_cookies().await;
        d.goto(&app.url("/login")).await;
        d.type_into("input[name=email]", l.email).await;
        d.type_into("input[name=password]", zhongjie::demo::DEMO_PASSWORD)
            .await;
        d.click("form[action='/login'] button[type=submit]").await;
        // A click does not wait for the navigation it starts: poll until the page changes.
        let mut url = d.url().await;
        for _ in 0..100 {
            if !url.ends_with("/login") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            url = d.url().await;
        }
        if !url.ends_with("/my") {
            let html = d.source().await;
            let notice: String = html
                .split("<main")
                .nth(1)
                .unwrap_or(&html)
                .chars()
                .take(3000)
                .collect();
            panic!("{}: landed on {url}\n{notice}", l.email);
        }
        let html = d.source().await;
        assert!(
            html.contains(l.org),
            "{}: workbench shows the organisation",
            l.email
        );
        d.screenshot(&shots.join(format!("{}.png", l.email))).await;
    }
    eprintln!("browser screenshots in {}", shots.display());
}

/// Issue 3's walk-through: an agency registers, uploads a certificate, the regulator of the
/// qualification's department approves it in the browser, and the public finds the agency by
/// a two-character search and a filter, and downloads the list.
#[actix_web::test]
async fn an_agency_joins_and_its_certificate_is_reviewed_through_a_real_browser() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let pool = app.pool.clone();
    actix_web::web::block(move || zhongjie::demo::load(&mut pool.get().unwrap()))
        .await
        .unwrap()
        .unwrap();
    let d = Driver::start().await;
    let base = app.address.clone();
    let uscc = zhongjie::domain::uscc::generate(987_654)
        .as_str()
        .to_string();

    // Register an agency whose name contains 环评.
    d.clear_cookies().await;
    d.goto(&format!("{base}/register?role=agency")).await;
    for (name, value) in [
        ("org_name", "攀西环评测绘技术有限公司"),
        ("uscc", uscc.as_str()),
        ("contact_name", "罗晓峰"),
        ("phone", "13881234567"),
        ("email", "luo@example.com"),
        ("password", PASSWORD),
        ("password2", PASSWORD),
    ] {
        d.type_into(&format!("input[name={name}]"), value).await;
    }
    let url = d
        .submit_and_wait("form[action='/register'] button[type=submit]", "/register")
        .await;
    assert!(url.ends_with("/my"), "registered: {url}");

    // Upload a surveying certificate with a real PDF scan.
    let pdf = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(
        pdf.path(),
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    )
    .unwrap();
    d.goto(&format!("{base}/agency/certificates/new")).await;
    d.set_value("select[name=qual_type]", "surveying_mapping")
        .await;
    d.set_value("select[name=level]", "2").await;
    d.type_into("input[name=number]", "乙测资字51500123").await;
    d.type_into("input[name=issuer]", "四川省自然资源厅").await;
    d.set_value("input[name=valid_from]", "2025-01-01").await;
    d.set_value("input[name=valid_to]", "2029-12-31").await;
    d.type_into("input[name=scan]", &pdf.path().display().to_string())
        .await;
    let url = d
        .submit_and_wait(
            "form[action='/agency/certificates/new'] button[type=submit]",
            "/certificates/new",
        )
        .await;
    assert!(
        !url.contains("/new"),
        "certificate submitted: {url}\n{}",
        d.source().await
    );

    // The regulator of 自然资源和规划局 approves it.
    d.login(
        &base,
        "ziranziyuan@demo.zhongjie.cn",
        zhongjie::demo::DEMO_PASSWORD,
    )
    .await;
    d.goto(&format!("{base}/review/certificates")).await;
    let queue = d.source().await;
    assert!(
        queue.contains("乙测资字51500123"),
        "in the regulator's queue"
    );
    // Open this certificate (the queue also holds the demo's pending ones).
    let cert_id: i64 = {
        use diesel::prelude::*;
        use zhongjie::db::schema::agency_certificates as ac;
        ac::table
            .filter(ac::number.eq("乙测资字51500123"))
            .select(ac::id)
            .first(&mut *app.conn())
            .unwrap()
    };
    assert!(queue.contains(&format!("/review/certificates/{cert_id}")));
    d.click(&format!("a[href='/review/certificates/{cert_id}']"))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let here = d.url().await;
    let url = d
        .submit_and_wait("button[name=decision][value=approve]", &here)
        .await;
    assert!(url.contains("/review/certificates"), "{url}");
    {
        use diesel::prelude::*;
        use zhongjie::db::schema::agency_certificates as ac;
        let status: String = ac::table
            .filter(ac::number.eq("乙测资字51500123"))
            .select(ac::status)
            .first(&mut *app.conn())
            .unwrap();
        assert_eq!(status, "approved", "{}", d.source().await);
    }

    // The public finds it by a two-character search and by the qualification filter.
    d.clear_cookies().await;
    d.goto(&format!("{base}/agencies?q=环评")).await;
    assert!(
        d.source().await.contains("攀西环评测绘技术有限公司"),
        "two-character search"
    );
    d.goto(&format!("{base}/agencies?qual=surveying_mapping&level=2"))
        .await;
    assert!(
        d.source().await.contains("攀西环评测绘技术有限公司"),
        "qualification filter"
    );
    // And downloads the list as CSV.
    let csv = reqwest::get(format!("{base}/agencies?q=环评&format=csv"))
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.text()
            .await
            .unwrap()
            .contains("攀西环评测绘技术有限公司")
    );
}

/// `static/js/verify-draw.js` in a real browser: the known vector (seed 00 01 … 1f) verifies,
/// a proof with its winner changed fails at the winner step, one whose published commitment
/// differs fails at the seed step. The page is a file with the script inlined, as the result
/// page's markup would have it.
#[actix_web::test]
async fn the_draw_verifier_script_recomputes_a_proof_in_a_real_browser() {
    if !enabled() {
        return;
    }
    use sha2::{Digest, Sha256};
    let mut b = [0u8; 32];
    for (i, x) in b.iter_mut().enumerate() {
        *x = i as u8;
    }
    let seed = zhongjie::domain::draw::Seed::from_bytes(b);
    let commitments: Vec<String> = (1..=3)
        .map(|i| hex::encode(Sha256::digest(format!("quote-{i}").as_bytes())))
        .collect();
    let good = zhongjie::domain::draw::Proof::draw(&seed, &commitments, &[30, 7, 12]).unwrap();
    let mut tampered = good.clone();
    tampered.winner = 7;
    let attr = |p: &zhongjie::domain::draw::Proof| {
        serde_json::to_string(p)
            .unwrap()
            .replace('&', "&amp;")
            .replace('\'', "&#39;")
    };
    let block = |id: &str, proof: &str, published: &str| {
        format!(
            "<div class=\"draw-proof\" id=\"{id}\" data-proof='{proof}' \
             data-published-commitment=\"{published}\" data-ok=\"✓ 摇号验证通过\" \
             data-fail=\"✗ 验证未通过：{{step}}\">\
             <button type=\"button\" class=\"verify-draw\">验证摇号</button>\
             <output class=\"verify-result\"></output></div>"
        )
    };
    let published = seed.commitment();
    let page = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>draw</title></head><body>{}{}{}<script>{}</script></body></html>",
        block("good", &attr(&good), &published),
        block("tampered", &attr(&tampered), &published),
        block("other", &attr(&good), &"ab".repeat(32)),
        include_str!("../../static/js/verify-draw.js"),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("draw.html");
    std::fs::write(&file, page).unwrap();

    let d = Driver::start().await;
    d.goto(&format!("file://{}", file.display())).await;
    for id in ["good", "tampered", "other"] {
        d.click(&format!("#{id} button.verify-draw")).await;
    }
    let read = "return [...document.querySelectorAll('.draw-proof')].map(b => \
                [b.id, b.getAttribute('data-verified'), b.querySelector('output').textContent]);";
    let mut v = Value::Null;
    for _ in 0..50 {
        v = d
            .cmd(
                reqwest::Method::POST,
                "/execute/sync",
                json!({"script": read, "args": []}),
            )
            .await["value"]
            .clone();
        if v.as_array()
            .is_some_and(|a| a.iter().all(|r| !r[1].is_null()))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(v[0][1], "ok", "{v}");
    assert_eq!(v[0][2], "✓ 摇号验证通过", "{v}");
    assert_eq!(v[1][1], "winner", "{v}");
    assert!(
        v[1][2].as_str().unwrap().starts_with("✗ 验证未通过："),
        "{v}"
    );
    assert_eq!(v[2][1], "seed", "{v}");
    // The script's own SHA-256 (used where crypto.subtle is missing) on a two-block message.
    let h = d
        .cmd(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": "const m = new TextEncoder().encode('a'.repeat(100)); \
                   return [...window.zhongjieVerifyDraw.sha256(m)].map(b => b.toString(16).padStart(2, '0')).join('');",
                   "args": []}),
        )
        .await;
    assert_eq!(
        h["value"].as_str().unwrap(),
        hex::encode(Sha256::digest("a".repeat(100).as_bytes()))
    );
}
