//! Issue 15's inspection walk-through in a real browser (`ZJ_BROWSER_TEST=1`): the regulator
//! publishes and draws its task on the task page, a visitor verifies the draw with the page's
//! 验证 button, a drawn inspector records a problem in the result form, and the agency's
//! credit report shows the record.

use diesel::prelude::*;
use zhongjie::db::schema::{inspection_assignments, inspection_targets};

use super::tasks::{add_to_pool, create_task, last_task, world};
use crate::helpers::*;
use crate::platform::webdriver::{Driver, enabled};

/// Submits the form whose action ends with `action` (its confirm dialog is the page's
/// script's; `submit()` goes straight to the server) and waits for the next page.
async fn submit_form(d: &Driver, action: &str) {
    let before = d.source().await;
    d.execute(
        "document.querySelector(\"form[action$='\" + arguments[0] + \"']\").submit();",
        serde_json::json!([action]),
    )
    .await;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if d.source().await != before {
            break;
        }
    }
}

#[actix_web::test]
async fn a_task_is_published_drawn_verified_and_its_problem_reaches_the_credit_report() {
    if !enabled() {
        return;
    }
    let w = world(20, 3).await;
    add_to_pool(&w).await;
    let (s, _) = create_task(&w, "5", "2").await;
    assert_eq!(s, 303);
    let id = last_task(&w.app);
    let d = Driver::start().await;
    let base = w.app.url("");
    let base = base.trim_end_matches('/');
    // The regulator publishes and draws on the task page.
    d.login(base, "boss@zrzyj.example.com", PASSWORD).await;
    d.goto(&w.app.url(&format!("/inspections/{id}"))).await;
    submit_form(&d, "/publish").await;
    assert!(d.source().await.contains("任务已发布"), "published flash");
    submit_form(&d, "/draw").await;
    assert!(d.source().await.contains("摇号完成"), "drawn flash");
    // Anyone verifies the draw in the page.
    d.clear_cookies().await;
    d.goto(&w.app.url(&format!("/inspections/{id}"))).await;
    d.click("#agency-draw button.verify-draw").await;
    let mut v = serde_json::Value::Null;
    for _ in 0..50 {
        v = d
            .execute(
                "const b = document.querySelector('#agency-draw'); \
                 return [b.getAttribute('data-verified'), b.querySelector('output').textContent];",
                serde_json::json!([]),
            )
            .await;
        if !v[0].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(v[0], "ok", "{v}");
    assert!(v[1].as_str().unwrap_or("").starts_with("✓ 验证通过"), "{v}");
    // A drawn inspector records a problem in the result form.
    let (tid, agency): (i64, i64) = inspection_targets::table
        .filter(inspection_targets::task_id.eq(id))
        .select((inspection_targets::id, inspection_targets::agency_id))
        .first(&mut *w.app.conn())
        .unwrap();
    let uid: i64 = inspection_assignments::table
        .filter(inspection_assignments::target_id.eq(tid))
        .order(inspection_assignments::draw_pos)
        .select(inspection_assignments::user_id)
        .first(&mut *w.app.conn())
        .unwrap();
    let n = w
        .inspectors
        .iter()
        .position(|(u, _)| *u == uid)
        .expect("a pool inspector");
    d.login(base, &format!("insp{n}@zrzyj.example.com"), PASSWORD)
        .await;
    d.goto(&w.app.url(&format!("/inspections/targets/{tid}")))
        .await;
    d.set_value("select[name=outcome]", "rectify").await;
    d.type_into("textarea[name=findings]", "业务档案缺少现场调查记录")
        .await;
    let due = (zhongjie::db::today() + chrono::Duration::days(30)).to_string();
    d.set_value("input[name=rectify_by]", &due).await;
    submit_form(&d, "/result").await;
    assert!(d.source().await.contains("业务档案缺少现场调查记录"));
    // The agency's credit report shows it.
    d.goto(&w.app.url(&format!("/credit/agencies/{agency}")))
        .await;
    let report = d.source().await;
    assert!(
        report.contains("双随机抽查任务"),
        "the credit report shows the record"
    );
}
