//! The agency's side of selection (SPEC §3, §6): eligibility refusals naming their rule,
//! registration, sealed quotes with receipts, bad amounts, the deadline, revision,
//! withdrawal, re-confirmation, roles — and that no amount leaks anywhere before opening.
//! Announcements are inserted directly (the owner's pages are built elsewhere).

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::{
    agencies, agency_items, announcements, audit_log, catalogue_items, quote_openings,
    quote_receipts, quotes, registrations,
};
use zhongjie::domain::money::Money;
use zhongjie::domain::seal;
use zhongjie::domain::workdays::china_date;

use crate::accounts::auth::clone_app;
use crate::fixtures::{Surveying, avoid};
use crate::helpers::*;

fn today() -> NaiveDate {
    china_date(Utc::now())
}

async fn post_text(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = app.post(path, form).await;
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// Posts a quote; a quote that is taken answers 303 to its receipt's own address, which
/// this follows (a GET) to return the receipt page. Refusals come back as they are.
async fn quote_post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = app.post(path, form).await;
    let s = r.status().as_u16();
    if s != 303 {
        return (s, r.text().await.unwrap_or_default());
    }
    let to = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(to.contains("/receipts/"), "to the receipt: {to}");
    let (g, body) = app.get_text(&to).await;
    assert_eq!(g, 200, "{to}");
    (s, body)
}

fn quote_row(app: &TestApp, a: i64, agency: i64) -> (String, String, i32, i32, String) {
    quotes::table
        .filter(quotes::announcement_id.eq(a))
        .filter(quotes::agency_id.eq(agency))
        .select((
            quotes::status,
            quotes::sealed,
            quotes::revision,
            quotes::announcement_version,
            quotes::commitment,
        ))
        .first(&mut *app.conn())
        .unwrap()
}

fn receipt_kinds(app: &TestApp, a: i64, agency: i64) -> Vec<String> {
    quote_receipts::table
        .filter(quote_receipts::announcement_id.eq(a))
        .filter(quote_receipts::agency_id.eq(agency))
        .order(quote_receipts::id)
        .select(quote_receipts::kind)
        .load(&mut *app.conn())
        .unwrap()
}

/// The 64-hex receipt code on a receipt page.
fn commitment_in(html: &str) -> String {
    let i = html
        .find("id=\"commitment\">")
        .expect("commitment on the page")
        + 16;
    html[i..i + 64].to_string()
}

#[actix_web::test]
async fn bidding_eligibility_refusals_name_each_failed_rule() {
    let app = spawn_app().await;
    let w = Surveying::insert(&app).await;
    let a = w.announce(&app, "lowest_price", Some(2_000_000));

    // Without the required qualification.
    let (_, uncertified) = w.agency(&app, "nocert@example.com", false).await;
    let (s, body) = post_text(&uncertified, &format!("/announcements/{a}/register"), &[]).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("data-rule=\"qualification\""), "{body}");
    assert!(body.contains("资质要求"));
    assert!(
        body.contains("测绘资质"),
        "the qualification is named: {body}"
    );

    // Affiliated with the approval department.
    let (aff, affiliated) = w.agency(&app, "aff@example.com", true).await;
    diesel::update(agencies::table.find(aff))
        .set((
            agencies::affiliated.eq(true),
            agencies::affiliated_department_id.eq(Some(w.dept)),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    let (s, body) = post_text(&affiliated, &format!("/announcements/{a}/register"), &[]).await;
    assert_eq!(s, 422);
    assert!(body.contains("data-rule=\"affiliation\""), "{body}");
    assert!(body.contains("审批部门所属事业单位"));

    // On the owner's list of avoided units.
    let (avo, avoided) = w.agency(&app, "avoid@example.com", true).await;
    avoid(&app, a, avo);
    let (s, body) = post_text(&avoided, &format!("/announcements/{a}/register"), &[]).await;
    assert_eq!(s, 422);
    assert!(body.contains("data-rule=\"avoided\""));
    assert!(body.contains("回避单位"));

    // Blacklisted.
    let (bl, blacklisted) = w.agency(&app, "black@example.com", true).await;
    let reg = app.create_user(Role::Regulator, "reg@example.com").await;
    zhongjie::db::write_tx(&mut app.conn(), |c| {
        zhongjie::credit::store::sanctions::create_listing(
            c,
            &zhongjie::credit::store::sanctions::NewListing {
                agency_id: bl,
                department_id: w.dept,
                reason: "出具虚假测绘成果",
                legal_basis: "《四川省社会信用条例》",
                starts_on: today() - Duration::days(1),
                ends_on: today() + Duration::days(300),
                by: reg,
            },
        )
    })
    .unwrap();
    let (s, body) = post_text(&blacklisted, &format!("/announcements/{a}/register"), &[]).await;
    assert_eq!(s, 422);
    assert!(body.contains("data-rule=\"sanctions\""), "{body}");

    // A suspended account.
    let (sus, suspended) = w.agency(&app, "sus@example.com", true).await;
    diesel::update(agencies::table.find(sus))
        .set(agencies::status.eq("suspended"))
        .execute(&mut *app.conn())
        .unwrap();
    let (s, body) = post_text(&suspended, &format!("/announcements/{a}/register"), &[]).await;
    assert_eq!(s, 422);
    assert!(body.contains("data-rule=\"active\""));

    // Nobody refused got registered; the bid page names the rule as well.
    let n: i64 = registrations::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 0);
    let (s, body) = uncertified
        .get_text(&format!("/announcements/{a}/bid"))
        .await;
    assert_eq!(s, 200);
    assert!(body.contains("data-rule=\"qualification\""));

    // The function others call agrees.
    let ann = zhongjie::selection::store::announcement::find(&mut app.conn(), a)
        .unwrap()
        .unwrap();
    let r = zhongjie::selection::store::bidding::eligibility(&mut app.conn(), &ann, avo, today())
        .unwrap();
    assert_eq!(
        r.unwrap_err().iter().map(|r| r.rule()).collect::<Vec<_>>(),
        ["avoided"]
    );
}

#[actix_web::test]
async fn bidding_register_quote_and_the_receipt_recomputes() {
    let app = spawn_app().await;
    let w = Surveying::insert(&app).await;
    let a = w.announce(&app, "lowest_price", Some(2_000_000));
    let (me, b) = w.agency(&app, "ag@example.com", true).await;

    // Listed among the open announcements; not yet registered.
    let (s, body) = b.get_text("/agency/announcements").await;
    assert_eq!(s, 200);
    assert!(body.contains(&format!("/announcements/{a}/bid")));
    assert!(body.contains("未报名"));

    // Quoting before registering is refused.
    let (s, body) = post_text(
        &b,
        &format!("/announcements/{a}/quote"),
        &[("amount", "12000")],
    )
    .await;
    assert_eq!(s, 409);
    assert!(body.contains("尚未报名"));

    // Registration; a second click is a friendly note, not an error.
    let r = b.post(&format!("/announcements/{a}/register"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let r = b.post(&format!("/announcements/{a}/register"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, body) = b.get_text(&format!("/announcements/{a}/bid")).await;
    assert!(body.contains("已报名本公告"), "flash: {body}");
    let n: i64 = registrations::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 1);

    // The quote: a receipt page with the commitment and the server time.
    let (s, body) = quote_post(
        &b,
        &format!("/announcements/{a}/quote"),
        &[("amount", "12,000.50"), ("note", "含外业")],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let commitment = commitment_in(&body);
    assert!(body.contains("SHA-256"));
    let (status, sealed, revision, version, stored) = quote_row(&app, a, me);
    assert_eq!((status.as_str(), revision, version), ("active", 1, 1));
    assert_eq!(stored, commitment);
    // Nothing in clear: no amount, nonce or note is written before the opening.
    let clear: i64 = quotes::table
        .inner_join(quote_openings::table)
        .filter(quotes::announcement_id.eq(a))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(clear, 0);
    // The box opens with the sealing key, and the commitment recomputes from it.
    let opened = seal::open_quote(&app.config.sealing_key, a, me, &sealed).unwrap();
    assert_eq!(opened.amount_fen, 1_200_050);
    assert_eq!(opened.note, "含外业");
    assert_eq!(
        seal::commitment(a, me, Money::from_fen(opened.amount_fen), &opened.nonce),
        commitment
    );
    assert_eq!(receipt_kinds(&app, a, me), ["submitted"]);
    assert_eq!(
        zhongjie::selection::store::bidding::count_quotes(&mut app.conn(), a).unwrap(),
        1
    );

    // Audited with the commitment, never the amount or nonce.
    let states: Vec<(String, String)> = audit_log::table
        .filter(audit_log::object_type.eq("announcement"))
        .filter(audit_log::object_id.eq(a.to_string()))
        .order(audit_log::id)
        .select((audit_log::action, audit_log::detail))
        .load(&mut *app.conn())
        .unwrap();
    let actions: Vec<&str> = states.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["selection.register", "selection.quote"]);
    assert!(!states[1].1.contains("1200050") && !states[1].1.contains(&opened.nonce));

    // The receipt mail carries the commitment, not the amount.
    let mails = app.outbox_bodies();
    let mail = mails
        .iter()
        .find(|(to, _)| to == "ag@example.com")
        .expect("receipt mail");
    assert!(mail.1.contains(&commitment));
    assert!(!mail.1.contains("12000") && !mail.1.contains("12,000"));

    // The list now says quoted; the bid page shows the receipt but no amount.
    let (_, body) = b.get_text("/agency/announcements").await;
    assert!(body.contains("已报价"));
    let (_, body) = b.get_text(&format!("/announcements/{a}/bid")).await;
    assert!(body.contains(&commitment));
    assert!(!body.contains("12,000.50") && !body.contains("12000.5"));
}

#[actix_web::test]
async fn bidding_bad_amounts_are_422_beside_the_field() {
    let app = spawn_app().await;
    let w = Surveying::insert(&app).await;
    let a = w.announce(&app, "lowest_price", Some(2_000_000));
    let (me, b) = w.agency(&app, "ag@example.com", true).await;
    assert_eq!(
        b.post(&format!("/announcements/{a}/register"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    let path = format!("/announcements/{a}/quote");
    for (amount, expect) in [
        ("一万元", "金额"),
        ("abc", "金额"),
        ("-100", ""),
        ("99999999999999999999", ""),
        ("100.123", ""),
        ("", ""),
        ("0", "大于零"),
        // Above the cap of ¥20,000.00.
        ("20000.01", "最高限价"),
        // Below the government range ¥1,000–¥50,000.
        ("999.99", "政府定价范围"),
    ] {
        let (s, body) = post_text(&b, &path, &[("amount", amount)]).await;
        assert_eq!(s, 422, "{amount}: {body}");
        assert!(
            body.contains("field-error") || body.contains("aria-invalid"),
            "{amount}: {body}"
        );
        assert!(body.contains(expect), "{amount}: {expect}");
    }
    // Every refusal left nothing behind.
    let n: i64 = quotes::table
        .filter(quotes::agency_id.eq(me))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 0);
    // A mode without quotes takes none.
    let draw = w.announce(&app, "random_draw", None);
    assert_eq!(
        b.post(&format!("/announcements/{draw}/register"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    let (s, _) = post_text(
        &b,
        &format!("/announcements/{draw}/quote"),
        &[("amount", "5000")],
    )
    .await;
    assert_eq!(s, 409);
}

#[actix_web::test]
async fn bidding_after_the_deadline_nothing_is_accepted() {
    let app = spawn_app().await;
    let w = Surveying::insert(&app).await;
    let a = w.announce(&app, "lowest_price", Some(2_000_000));
    let (me, b) = w.agency(&app, "ag@example.com", true).await;
    let (late_id, late) = w.agency(&app, "late@example.com", true).await;
    b.post(&format!("/announcements/{a}/register"), &[]).await;
    let (s, _) = quote_post(
        &b,
        &format!("/announcements/{a}/quote"),
        &[("amount", "15000")],
    )
    .await;
    assert_eq!(s, 303);
    diesel::update(announcements::table.find(a))
        .set(announcements::deadline.eq(zhongjie::db::now() - Duration::seconds(1)))
        .execute(&mut *app.conn())
        .unwrap();
    let (s, body) = post_text(
        &b,
        &format!("/announcements/{a}/quote"),
        &[("amount", "14000")],
    )
    .await;
    assert_eq!(s, 409);
    assert!(body.contains("报价截止时间已过"));
    let (s, _) = post_text(&b, &format!("/announcements/{a}/withdraw"), &[]).await;
    assert_eq!(s, 409);
    let (s, _) = post_text(&late, &format!("/announcements/{a}/register"), &[]).await;
    assert_eq!(s, 409);
    // Unchanged: one active quote, first revision; the late agency is not registered.
    let (status, _, revision, _, _) = quote_row(&app, a, me);
    assert_eq!((status.as_str(), revision), ("active", 1));
    let n: i64 = registrations::table
        .filter(registrations::agency_id.eq(late_id))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 0);
    // No longer in the open list, still among my participations.
    let (_, body) = b.get_text("/agency/announcements").await;
    assert!(body.contains("正在报名的公告"));
    assert!(body.contains(&format!("/announcements/{a}/bid")));
    let (_, body) = late.get_text("/agency/announcements").await;
    assert!(!body.contains(&format!("/announcements/{a}/bid")));
}

/// A quote received before the deadline is taken even when its write has to wait past the
/// deadline (here behind the opening's own lock), stamped with the time it was received; one
/// received after the deadline is refused however quickly it is served.
#[actix_web::test]
async fn bidding_a_quote_received_before_the_deadline_is_not_lost_to_the_queue() {
    let app = spawn_web_only().await;
    let w = Surveying::insert(&app).await;
    let a = w.announce(&app, "lowest_price", Some(2_000_000));
    let (me, b) = w.agency(&app, "ag@example.com", true).await;
    let (_, late) = w.agency(&app, "late@example.com", true).await;
    b.post(&format!("/announcements/{a}/register"), &[]).await;
    late.post(&format!("/announcements/{a}/register"), &[])
        .await;
    let deadline = zhongjie::db::now() + Duration::milliseconds(1500);
    diesel::update(announcements::table.find(a))
        .set(announcements::deadline.eq(deadline))
        .execute(&mut *app.conn())
        .unwrap();
    // Hold what the opening holds (the writer's turn on SQLite, the opening lock on
    // PostgreSQL) until 400 ms after the deadline.
    let pool = app.pool.clone();
    let (held, is_held) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let mut c = pool.get().unwrap();
        zhongjie::db::write_tx(&mut c, |c| {
            zhongjie::selection::store::bidding::hold_for_opening(c, a)?;
            held.send(()).unwrap();
            let wait = deadline + Duration::milliseconds(400) - zhongjie::db::now();
            std::thread::sleep(wait.to_std().unwrap_or_default());
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    });
    is_held.recv().unwrap();
    assert!(zhongjie::db::now() < deadline - Duration::milliseconds(500));
    let (s, body) = post_text(
        &b,
        &format!("/announcements/{a}/quote"),
        &[("amount", "15000")],
    )
    .await;
    let answered = zhongjie::db::now();
    holder.join().unwrap();
    assert!(
        answered > deadline,
        "the write did not wait past the deadline"
    );
    assert_eq!(s, 303, "{body}");
    let at: chrono::NaiveDateTime = quotes::table
        .filter(quotes::announcement_id.eq(a))
        .filter(quotes::agency_id.eq(me))
        .select(quotes::submitted_at)
        .first(&mut *app.conn())
        .unwrap();
    assert!(at < deadline, "stamped {at}, deadline {deadline}");
    // Received after the deadline: refused, nothing stored.
    let (s, _) = post_text(
        &late,
        &format!("/announcements/{a}/quote"),
        &[("amount", "14000")],
    )
    .await;
    assert_eq!(s, 409);
    let n: i64 = quotes::table
        .filter(quotes::announcement_id.eq(a))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 1);
}

#[actix_web::test]
async fn bidding_revise_withdraw_and_reconfirm_after_a_material_edit() {
    let app = spawn_app().await;
    let w = Surveying::insert(&app).await;
    let a = w.announce(&app, "reasonable_price", Some(2_000_000));
    let (me, b) = w.agency(&app, "ag@example.com", true).await;
    b.post(&format!("/announcements/{a}/register"), &[]).await;
    let quote = format!("/announcements/{a}/quote");
    let (s, first) = quote_post(&b, &quote, &[("amount", "15000")]).await;
    assert_eq!(s, 303);
    // The same form again (a replay) just revises.
    let (s, _) = quote_post(&b, &quote, &[("amount", "15000")]).await;
    assert_eq!(s, 303);
    let (s, third) = quote_post(&b, &quote, &[("amount", "14500")]).await;
    assert_eq!(s, 303);
    assert_ne!(commitment_in(&first), commitment_in(&third));
    let (_, sealed, revision, _, commitment) = quote_row(&app, a, me);
    assert_eq!(revision, 3);
    assert_eq!(commitment, commitment_in(&third));
    let opened = seal::open_quote(&app.config.sealing_key, a, me, &sealed).unwrap();
    assert_eq!(opened.amount_fen, 1_450_000);
    assert_eq!(
        receipt_kinds(&app, a, me),
        ["submitted", "revised", "revised"]
    );

    // A material edit: the quote no longer counts until re-confirmed.
    diesel::update(announcements::table.find(a))
        .set(announcements::version.eq(2))
        .execute(&mut *app.conn())
        .unwrap();
    let (_, body) = b.get_text(&format!("/announcements/{a}/bid")).await;
    assert!(body.contains("/reconfirm"), "{body}");
    assert!(body.contains("重新确认"));
    let r = b.post(&format!("/announcements/{a}/reconfirm"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, _, _, version, same) = quote_row(&app, a, me);
    assert_eq!((version, same.as_str()), (2, commitment.as_str()));
    let (_, body) = b.get_text(&format!("/announcements/{a}/bid")).await;
    assert!(!body.contains("action=\"/announcements/{a}/reconfirm\""));
    // Nothing left to re-confirm.
    let (s, _) = post_text(&b, &format!("/announcements/{a}/reconfirm"), &[]).await;
    assert_eq!(s, 409);

    // Withdraw.
    let r = b.post(&format!("/announcements/{a}/withdraw"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let (status, ..) = quote_row(&app, a, me);
    assert_eq!(status, "withdrawn");
    assert_eq!(
        zhongjie::selection::store::bidding::count_quotes(&mut app.conn(), a).unwrap(),
        0
    );
    let (s, _) = post_text(&b, &format!("/announcements/{a}/withdraw"), &[]).await;
    assert_eq!(s, 409);
    assert_eq!(
        receipt_kinds(&app, a, me),
        [
            "submitted",
            "revised",
            "revised",
            "reconfirmed",
            "withdrawn"
        ]
    );
    // And quote again before the deadline.
    let (s, _) = quote_post(&b, &quote, &[("amount", "16000")]).await;
    assert_eq!(s, 303);
    assert_eq!(quote_row(&app, a, me).0, "active");
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::object_type.eq("announcement"))
        .filter(audit_log::object_id.eq(a.to_string()))
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(
        actions,
        [
            "selection.register",
            "selection.quote",
            "selection.revise",
            "selection.revise",
            "selection.reconfirm",
            "selection.withdraw",
            "selection.revise"
        ]
    );
}

#[actix_web::test]
async fn bidding_only_the_agency_itself_takes_part() {
    let app = spawn_app().await;
    let w = Surveying::insert(&app).await;
    let a = w.announce(&app, "lowest_price", Some(2_000_000));
    let (me, b) = w.agency(&app, "ag@example.com", true).await;
    let (_, other) = w.agency(&app, "other@example.com", true).await;
    b.post(&format!("/announcements/{a}/register"), &[]).await;
    let (s, _) = quote_post(
        &b,
        &format!("/announcements/{a}/quote"),
        &[("amount", "15000")],
    )
    .await;
    assert_eq!(s, 303);

    let regulator = clone_app(&app);
    regulator
        .signed_in(Role::Regulator, "reg@example.com")
        .await;
    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;
    for who in [&w.owner_app, &regulator, &admin] {
        for path in [
            "/agency/announcements".to_string(),
            format!("/announcements/{a}/bid"),
        ] {
            assert_eq!(who.get(&path).await.status().as_u16(), 403, "{path}");
        }
        for verb in ["register", "quote", "withdraw", "reconfirm"] {
            let (s, _) = post_text(
                who,
                &format!("/announcements/{a}/{verb}"),
                &[("amount", "1000")],
            )
            .await;
            assert_eq!(s, 403, "{verb}");
        }
    }
    // A visitor is sent to sign in.
    let visitor = clone_app(&app);
    let r = visitor.get(&format!("/announcements/{a}/bid")).await;
    assert_ne!(r.status().as_u16(), 200);
    // Another agency's withdraw acts on its own (absent) quote only.
    let (s, _) = post_text(&other, &format!("/announcements/{a}/withdraw"), &[]).await;
    assert_eq!(s, 409);
    assert_eq!(quote_row(&app, a, me).0, "active");
    // Unknown and draft announcements are 404.
    assert_eq!(
        b.get("/announcements/999999/bid").await.status().as_u16(),
        404
    );
    diesel::update(announcements::table.find(a))
        .set(announcements::status.eq("draft"))
        .execute(&mut *app.conn())
        .unwrap();
    assert_eq!(
        b.get(&format!("/announcements/{a}/bid"))
            .await
            .status()
            .as_u16(),
        404
    );
}

/// Every file under `dir`, bytes.
fn all_files(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                all_files(&p, out);
            } else if let Ok(b) = std::fs::read(&p) {
                out.push((p.display().to_string(), b));
            }
        }
    }
}

#[actix_web::test]
async fn bidding_a_sealed_amount_appears_nowhere_before_the_opening() {
    const SENTINELS: [&str; 4] = ["7654321", "765432189", "7,654,321", "7654321.89"];
    let app = spawn_app().await;
    let w = Surveying::insert(&app).await;
    // Cap and government range wide enough for the sentinel.
    diesel::update(catalogue_items::table.find(w.item))
        .set(catalogue_items::price_max_fen.eq(Some(900_000_000i64)))
        .execute(&mut *app.conn())
        .unwrap();
    let a = w.announce(&app, "lowest_price", Some(800_000_000));
    let (me, b) = w.agency(&app, "ag@example.com", true).await;
    let (_, other) = w.agency(&app, "other@example.com", true).await;
    b.post(&format!("/announcements/{a}/register"), &[]).await;
    let (s, receipt) = quote_post(
        &b,
        &format!("/announcements/{a}/quote"),
        &[("amount", "7654321.89")],
    )
    .await;
    assert_eq!(s, 303, "{receipt}");
    let sealed = quote_row(&app, a, me).1;
    assert_eq!(
        seal::open_quote(&app.config.sealing_key, a, me, &sealed)
            .unwrap()
            .amount_fen,
        765_432_189
    );
    let mut pages = vec![("receipt".to_string(), receipt)];

    let regulator = clone_app(&app);
    regulator
        .signed_in(Role::Regulator, "reg@example.com")
        .await;
    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;
    let visitor = clone_app(&app);
    let paths = [
        "/".to_string(),
        "/announcements".to_string(),
        format!("/announcements/{a}"),
        format!("/announcements/{a}/bid"),
        format!("/announcements/{a}/result"),
        "/agency/announcements".to_string(),
        "/owner/projects".to_string(),
        "/owner/announcements".to_string(),
        format!("/owner/announcements/{a}"),
        "/supervise".to_string(),
        "/admin/audit".to_string(),
        "/audit".to_string(),
        "/messages".to_string(),
        "/my".to_string(),
    ];
    for (who, client) in [
        ("visitor", &visitor),
        ("owner", &w.owner_app),
        ("agency", &b),
        ("other agency", &other),
        ("regulator", &regulator),
        ("admin", &admin),
    ] {
        for p in &paths {
            let (_, body) = client.get_text(p).await;
            pages.push((format!("{who} {p}"), body));
        }
    }
    for (what, body) in &pages {
        for s in SENTINELS {
            assert!(!body.contains(s), "{s} on {what}");
        }
    }
    // Mail (queued and written), the audit trail, and every byte the instance keeps on disk
    // (the SQLite file and its journal, mail files, logs if any).
    for (_, body) in app.outbox_bodies() {
        for s in SENTINELS {
            assert!(!body.contains(s), "{s} in a mail");
        }
    }
    let states: Vec<String> = audit_log::table
        .select(audit_log::detail)
        .load(&mut *app.conn())
        .unwrap();
    for st in states {
        for s in SENTINELS {
            assert!(!st.contains(s), "{s} in the audit trail");
        }
    }
    // On PostgreSQL the data is not in the test's directory: read every row of the tables a
    // quote touches as text instead.
    if is_postgres() {
        #[derive(QueryableByName)]
        struct V {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        for t in [
            "quotes",
            "quote_receipts",
            "registrations",
            "announcements",
            "outbox",
            "audit_log",
        ] {
            let rows: Vec<V> = diesel::sql_query(format!("SELECT CAST(t AS TEXT) AS v FROM {t} t"))
                .load(&mut *app.conn())
                .unwrap();
            assert!(!rows.is_empty() || t == "registrations", "{t}");
            for r in rows {
                for s in SENTINELS {
                    assert!(!r.v.contains(s), "{s} in {t}");
                }
            }
        }
    }
    // The log lines of every in-process instance (the application at TRACE): the quote's
    // request is there, its amount is not.
    let logs = captured_logs();
    assert!(
        logs.contains(&format!("/announcements/{a}/quote")),
        "the quote request is not in the captured log"
    );
    for s in SENTINELS {
        assert!(!logs.contains(s), "{s} in the logs");
    }
    let mut files = Vec::new();
    all_files(app._dir.path(), &mut files);
    assert!(is_postgres() || files.iter().any(|(n, _)| n.ends_with("test.db")));
    for (name, bytes) in files {
        for s in SENTINELS {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "{s} in {name}"
            );
        }
    }
}

/// The `Location` of a 303.
fn location_of(r: &reqwest::Response) -> String {
    assert_eq!(r.status().as_u16(), 303, "a POST answers with a redirect");
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// GETs `to` twice (the page, then a reload) and returns the second body.
async fn get_and_reload(b: &TestApp, to: &str) -> String {
    let (s, _) = b.get_text(to).await;
    assert_eq!(s, 200, "{to}");
    let (s, body) = b.get_text(to).await;
    assert_eq!(s, 200, "reload of {to}");
    body
}

#[actix_web::test]
async fn bidding_each_step_redirects_and_a_reload_writes_nothing() {
    let app = spawn_app().await;
    let w = Surveying::insert(&app).await;
    let a = w.announce(&app, "lowest_price", Some(2_000_000));
    let (me, b) = w.agency(&app, "ag@example.com", true).await;
    let writes = |app: &TestApp| -> (usize, i64) {
        let n: i64 = registrations::table
            .count()
            .get_result(&mut *app.conn())
            .unwrap();
        (receipt_kinds(app, a, me).len(), n)
    };

    let r = b.post(&format!("/announcements/{a}/register"), &[]).await;
    let to = location_of(&r);
    assert_eq!(to, format!("/announcements/{a}/bid"));
    get_and_reload(&b, &to).await;
    assert_eq!(writes(&app), (0, 1));

    // The quote: its receipt has an address of its own; reading it twice quotes nothing.
    let r = b
        .post(&format!("/announcements/{a}/quote"), &[("amount", "15000")])
        .await;
    let to = location_of(&r);
    assert_eq!(to, format!("/agency/announcements/{a}/receipts/1"));
    let receipt = get_and_reload(&b, &to).await;
    let (_, _, revision, _, commitment) = quote_row(&app, a, me);
    assert_eq!(revision, 1, "a reload re-submitted the quote");
    assert_eq!(commitment_in(&receipt), commitment);
    assert!(receipt.contains("递交次数"), "{receipt}");
    assert_eq!(writes(&app), (1, 1));

    // A revision gets the next address; the first receipt still reads as it was.
    let r = b
        .post(&format!("/announcements/{a}/quote"), &[("amount", "14000")])
        .await;
    let to = location_of(&r);
    assert_eq!(to, format!("/agency/announcements/{a}/receipts/2"));
    let second = get_and_reload(&b, &to).await;
    assert_eq!(quote_row(&app, a, me).2, 2);
    assert_ne!(commitment_in(&second), commitment);
    let (_, first) = b
        .get_text(&format!("/agency/announcements/{a}/receipts/1"))
        .await;
    assert_eq!(commitment_in(&first), commitment);
    // The bid page's list of receipts links each submission to its receipt.
    let (_, page) = b.get_text(&format!("/announcements/{a}/bid")).await;
    for n in [1, 2] {
        assert!(page.contains(&format!("href=\"/agency/announcements/{a}/receipts/{n}\"")));
    }
    assert_eq!(writes(&app), (2, 1));

    // Re-confirmation and withdrawal go back to the bid page.
    diesel::update(announcements::table.find(a))
        .set(announcements::version.eq(2))
        .execute(&mut *app.conn())
        .unwrap();
    let r = b.post(&format!("/announcements/{a}/reconfirm"), &[]).await;
    get_and_reload(&b, &location_of(&r)).await;
    let r = b.post(&format!("/announcements/{a}/withdraw"), &[]).await;
    let to = location_of(&r);
    assert_eq!(to, format!("/announcements/{a}/bid"));
    get_and_reload(&b, &to).await;
    assert_eq!(
        receipt_kinds(&app, a, me),
        ["submitted", "revised", "reconfirmed", "withdrawn"]
    );
    assert_eq!(quote_row(&app, a, me).2, 2);

    // Receipts are the agency's own: another agency, a visitor, a receipt not there.
    let (_, other) = w.agency(&app, "other@example.com", true).await;
    let mine = format!("/agency/announcements/{a}/receipts/1");
    assert_eq!(other.get(&mine).await.status().as_u16(), 404);
    assert_eq!(w.owner_app.get(&mine).await.status().as_u16(), 403);
    let visitor = clone_app(&app);
    assert_eq!(visitor.get(&mine).await.status().as_u16(), 303);
    for missing in ["3", "0", "x"] {
        let path = format!("/agency/announcements/{a}/receipts/{missing}");
        assert_eq!(b.get(&path).await.status().as_u16(), 404, "{path}");
    }
}

#[actix_web::test]
async fn bidding_a_blacklisted_agency_is_offered_no_revise_or_withdraw() {
    let app = spawn_app().await;
    let w = Surveying::insert(&app).await;
    let a = w.announce(&app, "reasonable_price", Some(2_000_000));
    let (me, b) = w.agency(&app, "ag@example.com", true).await;
    b.post(&format!("/announcements/{a}/register"), &[]).await;
    let (s, _) = quote_post(
        &b,
        &format!("/announcements/{a}/quote"),
        &[("amount", "15000")],
    )
    .await;
    assert_eq!(s, 303);
    // Before: eligible, the forms are there.
    let (_, page) = b.get_text(&format!("/announcements/{a}/bid")).await;
    assert!(page.contains(&format!("action=\"/announcements/{a}/withdraw\"")));
    assert!(page.contains(&format!("action=\"/announcements/{a}/quote\"")));

    // Then listed on the blacklist, and a material change asks for re-confirmation.
    let reg = app.create_user(Role::Regulator, "reg@example.com").await;
    zhongjie::db::write_tx(&mut app.conn(), |c| {
        zhongjie::credit::store::sanctions::create_listing(
            c,
            &zhongjie::credit::store::sanctions::NewListing {
                agency_id: me,
                department_id: w.dept,
                reason: "出具虚假测绘成果",
                legal_basis: "《四川省社会信用条例》",
                starts_on: today() - Duration::days(1),
                ends_on: today() + Duration::days(300),
                by: reg,
            },
        )
    })
    .unwrap();
    diesel::update(announcements::table.find(a))
        .set(announcements::version.eq(2))
        .execute(&mut *app.conn())
        .unwrap();

    // A refused revision answers with the bid page: the refusal, and no form to act on.
    let (s, page) = post_text(
        &b,
        &format!("/announcements/{a}/quote"),
        &[("amount", "14000")],
    )
    .await;
    assert_eq!(s, 422, "{page}");
    assert!(page.contains("data-rule=\"sanctions\""), "{page}");
    for step in ["quote", "withdraw", "reconfirm", "register"] {
        assert!(
            !page.contains(&format!("action=\"/announcements/{a}/{step}\"")),
            "{step} offered to a blacklisted agency"
        );
    }
    assert!(page.contains("不能报名、报价，也不能修改、撤回或重新确认"));
    let (_, page) = b.get_text(&format!("/announcements/{a}/bid")).await;
    assert!(!page.contains(&format!("action=\"/announcements/{a}/withdraw\"")));

    // And the writes the page no longer offers are refused by the same rule.
    for step in ["withdraw", "reconfirm"] {
        let (s, _) = post_text(&b, &format!("/announcements/{a}/{step}"), &[]).await;
        assert_eq!(s, 422, "{step}");
    }
    let (status, _, revision, version, _) = quote_row(&app, a, me);
    assert_eq!((status.as_str(), revision, version), ("active", 1, 1));
}

#[actix_web::test]
async fn bidding_sealed_boxes_have_one_length_whatever_the_amount_and_note() {
    let app = spawn_app().await;
    let w = Surveying::insert(&app).await;
    let a = w.announce(&app, "lowest_price", Some(5_000_000));
    // 6 and 7 digits in fen (the item's government range is ¥1,000–¥50,000), with and
    // without a note.
    let bids = [
        ("small@example.com", "1000.01", ""),
        ("large@example.com", "49999.99", ""),
        (
            "noted@example.com",
            "10000",
            "含税；外业及内业成果各两份，工期二十个工作日",
        ),
    ];
    let mut ids = Vec::new();
    for (email, amount, note) in bids {
        let (id, b) = w.agency(&app, email, true).await;
        let r = b.post(&format!("/announcements/{a}/register"), &[]).await;
        assert_eq!(r.status().as_u16(), 303);
        let (s, body) = quote_post(
            &b,
            &format!("/announcements/{a}/quote"),
            &[("amount", amount), ("note", note)],
        )
        .await;
        assert_eq!(s, 303, "{body}");
        ids.push(id);
    }
    let lengths: Vec<usize> = ids
        .iter()
        .map(|id| quote_row(&app, a, *id).1.len())
        .collect();
    assert_eq!(
        lengths,
        [seal::SEALED_QUOTE_HEX_LEN; 3],
        "every stored box has one length"
    );
    // And each still opens to what was quoted.
    let opened = seal::open_quote(
        &app.config.sealing_key,
        a,
        ids[2],
        &quote_row(&app, a, ids[2]).1,
    )
    .unwrap();
    assert_eq!(opened.amount_fen, 1_000_000);
    assert!(opened.note.starts_with("含税"));
}

/// The agency removes its offer of the world's item through its profile page.
async fn withdraw_offer(app: &TestApp, b: &TestApp, w: &Surveying, agency: i64) {
    let offer: i64 = agency_items::table
        .filter(agency_items::agency_id.eq(agency))
        .filter(agency_items::item_id.eq(w.item))
        .select(agency_items::id)
        .first(&mut *app.conn())
        .unwrap();
    let r = b.post(&format!("/agency/items/{offer}/remove"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
}

#[actix_web::test]
async fn bidding_only_for_an_item_the_agency_offers_at_registration_quote_and_opening() {
    let app = spawn_app().await;
    let w = Surveying::insert(&app).await;
    let a = w.announce(&app, "lowest_price", Some(2_000_000));

    // An agency that does not offer the item: registration is refused, naming the rule.
    let (never, nb) = w.agency(&app, "never@example.com", true).await;
    withdraw_offer(&app, &nb, &w, never).await;
    let (s, body) = post_text(&nb, &format!("/announcements/{a}/register"), &[]).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("data-rule=\"offered\""), "{body}");
    assert!(
        body.contains("只能报名、报价本机构提供的服务事项"),
        "{body}"
    );
    let (_, body) = nb
        .get_text(&format!("/announcements/{a}/bid?lang=en"))
        .await;
    assert!(body.contains("registers and quotes only for the items it offers"));

    // Three agencies quote; a fourth registers and quotes, then withdraws its offer.
    for (i, email) in ["q1@example.com", "q2@example.com", "q3@example.com"]
        .iter()
        .enumerate()
    {
        let (_, b) = w.agency(&app, email, true).await;
        assert_eq!(
            b.post(&format!("/announcements/{a}/register"), &[])
                .await
                .status()
                .as_u16(),
            303
        );
        let amount = format!("{}", 15_000 + i * 100);
        let (s, _) = quote_post(
            &b,
            &format!("/announcements/{a}/quote"),
            &[("amount", &amount)],
        )
        .await;
        assert_eq!(s, 303);
    }
    let (left, lb) = w.agency(&app, "left@example.com", true).await;
    assert_eq!(
        lb.post(&format!("/announcements/{a}/register"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    let (s, _) = quote_post(
        &lb,
        &format!("/announcements/{a}/quote"),
        &[("amount", "15050")],
    )
    .await;
    assert_eq!(s, 303);
    withdraw_offer(&app, &lb, &w, left).await;
    // Quoting (a revision) is refused now.
    let (s, body) = quote_post(
        &lb,
        &format!("/announcements/{a}/quote"),
        &[("amount", "15060")],
    )
    .await;
    assert_eq!(s, 422, "{body}");
    assert_eq!(quote_row(&app, a, left).2, 1, "the revision was not stored");

    // At opening its quote is excluded under the same rule; the others are valid.
    let seed = zhongjie::domain::draw::Seed::generate().unwrap();
    diesel::update(announcements::table.find(a))
        .set((
            announcements::deadline.eq(zhongjie::db::now() - Duration::seconds(1)),
            announcements::seed_commitment.eq(Some(seed.commitment())),
            announcements::seed_sealed.eq(Some(
                seal::seal_seed(&app.config.sealing_key, a, &seed.to_hex()).unwrap(),
            )),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    zhongjie::selection::steps::opening::open_if_due(
        &mut app.conn(),
        &app.config.sealing_key,
        a,
        "test",
    )
    .unwrap();
    let outcome: Option<String> = zhongjie::db::schema::announcement_results::table
        .find(a)
        .select(zhongjie::db::schema::announcement_results::outcome)
        .first(&mut *app.conn())
        .unwrap();
    let outcome: serde_json::Value = serde_json::from_str(&outcome.unwrap()).unwrap();
    let excluded = outcome["excluded"].as_array().unwrap();
    assert_eq!(excluded.len(), 1, "{outcome}");
    assert_eq!(excluded[0]["agency_id"], left);
    assert!(
        excluded[0]["reason"]
            .to_string()
            .contains("selection.elig.not_offered"),
        "{outcome}"
    );
    assert_eq!(outcome["ranking"].as_array().unwrap().len(), 3);
}

/// Issue 17 (3): the statements one quote request costs, on each backend (session lookup,
/// the pool's checks, the announcement and eligibility reads, the write, the receipt, the
/// audit entry and the transaction's own statements). Held so it only goes down.
#[actix_web::test]
async fn bidding_one_quote_request_costs_few_statements() {
    // No background jobs: their statements would count against the request's.
    let app = spawn_web_only().await;
    let w = Surveying::insert(&app).await;
    let a = w.announce(&app, "lowest_price", Some(2_000_000));
    let (_, b) = w.agency(&app, "count@example.com", true).await;
    let r = b.post(&format!("/announcements/{a}/register"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let mut counts = Vec::new();
    for amount in ["12000", "11500"] {
        // The form's token is read first (a page load of its own, not counted).
        let token = b.csrf().await;
        let before = app.pool.statements();
        let r = b
            .post_no_csrf(
                &format!("/announcements/{a}/quote"),
                &[("amount", amount), ("csrf", &token)],
            )
            .await;
        assert_eq!(r.status().as_u16(), 303);
        counts.push(app.pool.statements() - before);
    }
    let backend = if app.config.database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "statements per quote request on {backend}: first {}, revision {}",
        counts[0], counts[1]
    );
    let held = QUOTE_STATEMENTS_HELD;
    for n in counts {
        assert!(
            n <= held,
            "a quote request sent {n} statements (held at {held})"
        );
    }
}

/// The most statements one quote request may send. Measured 19 on SQLite and on
/// PostgreSQL (29–31 before `bid::quote_facts` folded the checks' reads, 23–25 before the
/// write became one upsert returning its row and the chain's head a read without `LIMIT`,
/// 23 before the agency's row carried whether it has any sanction record and whether the
/// owner avoids it, so a clean agency's sanctions and the avoided list are not read).
/// On SQLite the write runs in a batch that shares its commit (`db::run_grouped`): its own
/// savepoint and release count here, and the batch's `BEGIN`/`COMMIT`, shared by every quote
/// of the batch under load, count whole for this lone one. The test server rereads the
/// platform clock on every connection loan, three of them (a production server once per
/// 100 ms), and a connection idle for two seconds is pinged first. Issue 17 aims at 12.
const QUOTE_STATEMENTS_HELD: u64 = 19;

/// A registered agency that becomes ineligible before quoting is refused its quote, rule by
/// rule: avoided by the owner, blacklisted, banned, and with a senior manager banned in
/// another agency's ban. The quote's check knows from the agency's row whether it has any
/// sanction record or is avoided and reads the records only then (issue 17: fewer
/// statements), so each of these is checked here on the quote itself.
#[actix_web::test]
async fn bidding_a_registered_agency_that_becomes_ineligible_cannot_quote() {
    let app = spawn_app().await;
    let w = Surveying::insert(&app).await;
    let a = w.announce(&app, "lowest_price", Some(2_000_000));
    let reg = app.create_user(Role::Regulator, "reg@example.com").await;
    let mut agencies = Vec::new();
    for who in ["clean", "avoided", "listed", "banned", "manager", "other"] {
        let (id, b) = w.agency(&app, &format!("{who}@example.com"), true).await;
        let r = b.post(&format!("/announcements/{a}/register"), &[]).await;
        assert_eq!(r.status().as_u16(), 303, "{who} registers");
        agencies.push((id, b));
    }
    let [clean, avoided, listed, banned, manager, other] = &agencies[..] else {
        unreachable!()
    };
    let from = today() - Duration::days(1);
    let to = today() + Duration::days(300);
    avoid(&app, a, avoided.0);
    let person = zhongjie::domain::idcard::generate(7_117)
        .as_str()
        .to_string();
    {
        let mut c = app.conn();
        zhongjie::library::store::agency::add_manager(
            &mut c,
            manager.0,
            "李受限",
            &person,
            "副总经理",
        )
        .unwrap();
        zhongjie::db::write_tx(&mut c, |c| {
            use zhongjie::credit::store::sanctions::{self as s, NewBan, NewListing};
            s::create_listing(
                c,
                &NewListing {
                    agency_id: listed.0,
                    department_id: w.dept,
                    reason: "出具虚假测绘成果",
                    legal_basis: "《四川省社会信用条例》",
                    starts_on: from,
                    ends_on: to,
                    by: reg,
                },
            )?;
            let mut ban = |agency_id: i64, persons: Vec<(String, String)>| {
                s::create_ban(
                    c,
                    &NewBan {
                        agency_id,
                        department_id: w.dept,
                        reason: "严重违法违规",
                        legal_basis: "《中介服务管理办法》第二十条",
                        starts_on: from,
                        ends_on: to,
                        by: reg,
                        persons,
                    },
                )
            };
            ban(banned.0, vec![])?;
            // The manager's ban is another agency's: the person is named in it.
            ban(other.0, vec![("李受限".into(), person.clone())])
        })
        .unwrap();
    }
    let quote = format!("/announcements/{a}/quote");
    for (who, (_, b), rule) in [
        ("avoided", avoided, "avoided"),
        ("listed", listed, "sanctions"),
        ("banned", banned, "sanctions"),
        ("manager", manager, "sanctions"),
    ] {
        let (s, body) = post_text(b, &quote, &[("amount", "12000")]).await;
        assert_eq!(s, 422, "{who} is refused");
        assert!(
            body.contains(&format!("data-rule=\"{rule}\"")),
            "{who}: the rule {rule} is named: {body}"
        );
    }
    let (s, receipt) = quote_post(&clean.1, &quote, &[("amount", "12000")]).await;
    assert_eq!(s, 303, "the agency without a record quotes");
    assert!(receipt.contains("报价回执"), "{receipt}");
    let stored: Vec<i64> = quotes::table
        .filter(quotes::announcement_id.eq(a))
        .select(quotes::agency_id)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(
        stored,
        vec![clean.0],
        "only the eligible agency's quote is stored"
    );
}
