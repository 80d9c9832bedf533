//! What a new user saw wrongly: one way of writing money.

use diesel::prelude::*;
use zhongjie::db::schema::users;

use crate::helpers::*;
use crate::selection_result as sel;

// ---------------------------------------------------------------- money

#[actix_web::test]
async fn money_reads_one_way_on_the_result_page_and_in_mail() {
    let app = spawn_web_only().await;
    let w = sel::world(&app, 5, true).await;
    // Reasonable price: the highest and lowest are left out of the benchmark, which is then
    // 123,456.78; its ±10% band is 111,111.102 to 135,802.458 exactly.
    let (rp, _) = sel::announce(&app, &w, "reasonable_price");
    for (i, amount) in ["123456.78", "123456.78", "123456.78", "100000", "150000"]
        .iter()
        .enumerate()
    {
        sel::quote(&app, rp, w.agencies[i].0, amount);
    }
    sel::pass_deadline(&app, rp);
    app.get(&format!("/announcements/{rp}/proof.json")).await;
    assert_eq!(sel::status_of(&app, rp), "publicity");
    let (_, page) = app.get_text(&format!("/announcements/{rp}")).await;
    assert!(page.contains("¥123,456.78"), "benchmark and quotes");
    assert!(page.contains("¥100,000.00") && page.contains("¥150,000.00"));
    // The band in whole fen inside it, never the rule's four decimals.
    assert!(page.contains("¥111,111.11 至 ¥135,802.45"), "{page}");
    assert!(!page.contains("111111.1020") && !page.contains("135802.4580"));
    assert!(page.contains("中选价 ¥123,456.78"));
    let (_, en) = app.get_text(&format!("/announcements/{rp}?lang=en")).await;
    assert!(en.contains("¥111,111.11 to ¥135,802.45"));

    // A mail naming an amount: the abnormally low quote's request for a justification.
    let (lp, _) = sel::announce(&app, &w, "lowest_price");
    for (i, amount) in ["100000", "100000", "100000", "50000.5"].iter().enumerate() {
        sel::quote(&app, lp, w.agencies[i].0, amount);
    }
    sel::pass_deadline(&app, lp);
    app.get(&format!("/announcements/{lp}/proof.json")).await;
    assert_eq!(sel::status_of(&app, lp), "justifying");
    let low_email: String = users::table
        .find(w.agencies[3].0)
        .select(users::email)
        .first(&mut *app.conn())
        .unwrap();
    let mails = app.outbox_bodies();
    let (_, body) = mails
        .iter()
        .find(|(to, b)| *to == low_email && b.contains("异常低价"))
        .expect("the justification request");
    assert!(body.contains("¥50,000.50"), "{body}");
    assert!(!body.contains("¥¥"));
}
