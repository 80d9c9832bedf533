//! The home page's latest announcements and results, and the recipient's language: a signed-in
//! user's language switch is kept on the account, and what the platform writes to them (mail
//! and message centre) is in that language, whoever caused it.

use chrono::Duration;
use diesel::prelude::*;
use zhongjie::db::schema::{announcements, messages, outbox, users};
use zhongjie::db::today;

use crate::accounts::auth::clone_app;
use crate::contracts::fulfilment::signed_contract;
use crate::fixtures::AwardBuilder;
use crate::helpers::*;
use crate::home::workbench::{announcement, opened};

#[actix_web::test]
async fn home_lists_open_announcements_results_in_publicity_and_latest_results() {
    let app = spawn_app().await;
    let k = signed_contract(&app, 1, 20, 3).await;
    let (o, item) = (k.owner_id, k.item_id);
    let open = announcement(&app, o, item, "published", 10);
    // Past its deadline, waiting for the opening: no longer open for quotes.
    let closing = announcement(&app, o, item, "published", 10);
    diesel::update(announcements::table.find(closing))
        .set(announcements::deadline.eq(zhongjie::db::now() - Duration::minutes(1)))
        .execute(&mut *app.conn())
        .unwrap();
    let draft = announcement(&app, o, item, "draft", 10);
    let publicity = announcement(&app, o, item, "publicity", -5);
    opened(&app, publicity, None, Some(today() + Duration::days(4)));
    let won = announcement(&app, o, item, "awarded", -9);
    opened(&app, won, Some(k.agency_id), None);
    AwardBuilder::new(won, k.agency_id)
        .amount(4_512_300)
        .confirmed_at(zhongjie::db::now() - Duration::hours(3))
        .insert(&app);
    let agency_name: String = users::table
        .find(k.agency_id)
        .select(users::org_name)
        .first(&mut *app.conn())
        .unwrap();

    let visitor = clone_app(&app);
    let (s, html) = visitor.get_text("/").await;
    assert_eq!(s, 200);
    let section = |id: &str| -> String {
        let i = html
            .find(id)
            .unwrap_or_else(|| panic!("{id} on the home page"));
        let rest = &html[i..];
        rest[..rest.find("</section>").unwrap_or(rest.len())].to_string()
    };
    let link = |a: i64| format!("href=\"/announcements/{a}\"");
    let open_list = section("id=\"latest-open-title\"");
    assert!(open_list.contains(&link(open)), "{open_list}");
    assert!(!open_list.contains(&link(closing)), "{open_list}");
    assert!(!html.contains(&link(draft)));
    let publicity_list = section("id=\"latest-publicity-title\"");
    assert!(
        publicity_list.contains(&link(publicity)),
        "{publicity_list}"
    );
    // The end of the publicity (three days before the confirmation deadline here).
    assert!(publicity_list.contains(&(today() + Duration::days(1)).to_string()));
    let results = section("id=\"latest-results-title\"");
    assert!(results.contains(&link(won)), "{results}");
    assert!(results.contains(&agency_name));
    assert!(results.contains("¥45,123.00"), "{results}");
    // And in English.
    let (_, en) = visitor.get_text("/?lang=en").await;
    assert!(en.contains("Latest results") && en.contains(&link(won)));
}

#[actix_web::test]
async fn home_mail_and_messages_follow_the_recipients_language() {
    let app = spawn_app().await;
    let k = signed_contract(&app, 1, 20, 3).await;
    let locale = |id: i64| -> String {
        users::table
            .find(id)
            .select(users::locale)
            .first(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(locale(k.agency_id), "zh-CN");

    // The agency switches to English: the choice is kept on its account.
    let (s, _) = k.agency.get_text("/my?lang=en").await;
    assert_eq!(s, 200);
    assert_eq!(locale(k.agency_id), "en");
    // A visitor's switch touches no account; the owner stays in Chinese.
    let (s, _) = clone_app(&app).get_text("/?lang=en").await;
    assert_eq!(s, 200);
    assert_eq!(locale(k.owner_id), "zh-CN");

    // The owner, reading in Chinese, records a payment: the agency is told in English.
    let r = k
        .owner
        .post(
            &format!("/contracts/{}/payments", k.id),
            &[("paid_on", &today().to_string()), ("amount", "1000")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let subject = format!("Contract {}: payment recorded", k.id);
    let mail: Vec<(String, String)> = outbox::table
        .filter(outbox::user_id.eq(k.agency_id))
        .select((outbox::subject, outbox::body))
        .load(&mut *app.conn())
        .unwrap();
    assert!(
        mail.iter()
            .any(|(s, b)| s == &subject && b.contains("payment")),
        "{mail:?}"
    );
    let inbox: Vec<String> = messages::table
        .filter(messages::user_id.eq(k.agency_id))
        .select(messages::subject)
        .load(&mut *app.conn())
        .unwrap();
    assert!(inbox.contains(&subject), "{inbox:?}");
    let (_, page) = k.agency.get_text("/messages").await;
    assert!(page.contains(&subject));

    // A password reset asked for from a Chinese page is still mailed in English.
    let visitor = clone_app(&app);
    let r = visitor
        .post("/password/forgot", &[("email", "agency1@example.com")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let last: String = outbox::table
        .filter(outbox::user_id.eq(k.agency_id))
        .order(outbox::id.desc())
        .select(outbox::subject)
        .first(&mut *app.conn())
        .unwrap();
    assert!(last.is_ascii(), "an English subject: {last}");

    // Switching back is kept as well.
    k.agency.get_text("/?lang=zh-CN").await;
    assert_eq!(locale(k.agency_id), "zh-CN");
}
