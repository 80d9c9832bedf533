//! Issue 15's complaint walk-through in a real browser (`ZJ_BROWSER_TEST=1`): a visitor files
//! a complaint with evidence, confirms the mailed link, the 政务服务管理局 accepts and answers
//! it, the visitor asks for a review, another officer decides it, and the outcome appears on
//! the public page without the visitor.

use diesel::prelude::*;
use zhongjie::db::schema::complaints;

use crate::helpers::*;
use crate::platform::webdriver::{Driver, enabled};

async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
}

fn state(app: &TestApp, id: i64) -> String {
    complaints::table
        .find(id)
        .select(complaints::state)
        .first(&mut *app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_visitor_complaint_is_confirmed_answered_reviewed_and_published_in_a_real_browser() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || zhongjie::demo::load(&mut pool.get().unwrap(), &cfg))
        .await
        .unwrap()
        .unwrap();
    let owner: i64 = {
        use zhongjie::db::schema::users;
        users::table
            .filter(users::email.eq("owner2@demo.zhongjie.cn"))
            .select(users::id)
            .first(&mut *app.conn())
            .unwrap()
    };
    let d = Driver::start().await;
    let base = app.address.clone();
    let visitor = "visitor-browser@example.org";

    // The visitor files with evidence.
    d.clear_cookies().await;
    d.goto(&format!("{base}/complaints/new?against=owner&id={owner}"))
        .await;
    let pdf = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(
        pdf.path(),
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    )
    .unwrap();
    d.set_value("select[name=grounds]", "late_payment").await;
    d.type_into(
        "textarea[name=facts]",
        "验收合格已 50 个工作日，服务费仍未支付。",
    )
    .await;
    d.type_into("textarea[name=request]", "督促业主付款。")
        .await;
    d.type_into("input[name=name]", "浏览器访客").await;
    d.type_into("input[name=email]", visitor).await;
    d.type_into("input[name=phone]", "13811112222").await;
    d.type_into("input[name=document]", &pdf.path().display().to_string())
        .await;
    let url = d
        .submit_and_wait(
            "form[action='/complaints/new'] button[type=submit]",
            "/complaints/new",
        )
        .await;
    assert!(
        url.ends_with("/complaints/sent"),
        "{url}\n{}",
        d.source().await
    );

    // The mailed link files it.
    let mail = app
        .outbox_bodies()
        .into_iter()
        .find(|(to, _)| to == visitor)
        .expect("confirmation mail")
        .1;
    let token = token_in(&mail, "token=").expect("token");
    d.goto(&format!("{base}/complaints/confirm?token={token}"))
        .await;
    let track = d.url().await;
    assert!(track.contains("/complaints/track/"), "{track}");
    let (id, no): (i64, String) = complaints::table
        .filter(complaints::visitor_email.eq(visitor))
        .select((complaints::id, complaints::tracking_no))
        .first(&mut *app.conn())
        .unwrap();
    assert!(d.source().await.contains(&no));

    // The 政务服务管理局 accepts and answers.
    d.login(
        &base,
        "zhengwu@demo.zhongjie.cn",
        zhongjie::demo::DEMO_PASSWORD,
    )
    .await;
    d.goto(&format!("{base}/supervision/complaints/{id}")).await;
    d.click(&format!(
        "form[action='/supervision/complaints/{id}/accept'] button[type=submit]"
    ))
    .await;
    settle().await;
    assert_eq!(state(&app, id), "accepted");
    d.goto(&format!("{base}/supervision/complaints/{id}")).await;
    d.set_value("select[name=outcome]", "upheld").await;
    d.type_into(
        "textarea[name=reasons]",
        "经核实，业主逾期付款属实，已责令限期支付。",
    )
    .await;
    d.click(&format!(
        "form[action='/supervision/complaints/{id}/answer'] button[type=submit]"
    ))
    .await;
    settle().await;
    assert_eq!(state(&app, id), "answered", "{}", d.source().await);

    // The visitor asks for a review through the secret link.
    d.clear_cookies().await;
    d.goto(&track).await;
    d.type_into("textarea[name=reason]", "请复核付款期限的计算。")
        .await;
    d.click("form[action$='/review'] button[type=submit]").await;
    settle().await;
    assert_eq!(state(&app, id), "review_requested");

    // Another officer decides the review.
    d.login(
        &base,
        "zhengwu2@demo.zhongjie.cn",
        zhongjie::demo::DEMO_PASSWORD,
    )
    .await;
    d.goto(&format!("{base}/supervision/complaints/{id}")).await;
    d.set_value("select[name=rv_outcome]", "upheld").await;
    d.type_into("textarea[name=rv_reasons]", "复核维持原答复。")
        .await;
    d.click(&format!(
        "form[action='/supervision/complaints/{id}/review'] button[type=submit]"
    ))
    .await;
    settle().await;
    assert_eq!(state(&app, id), "reviewed", "{}", d.source().await);

    // Published, without the visitor.
    d.clear_cookies().await;
    d.goto(&format!("{base}/complaints/outcomes")).await;
    let page = d.source().await;
    assert!(page.contains(&no), "published");
    for s in ["浏览器访客", visitor, "13811112222"] {
        assert!(!page.contains(s), "{s} on the public page");
    }
}
