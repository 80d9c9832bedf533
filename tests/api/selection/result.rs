//! Opening, result, objections and award (issue 5 items 5–8): announcements and sealed quotes
//! are planted directly (sealed under the test sealing key exactly as the quote form seals
//! them); everything after the deadline goes through the running server.

use chrono::Duration;
use diesel::prelude::*;
use zhongjie::db::schema::{
    announcement_results, announcements, audit_log, awards, credit_records, quote_openings, quotes,
};
use zhongjie::domain::draw::Proof;
use zhongjie::domain::money::Money;
use zhongjie::domain::seal;

use crate::fixtures::{EnergyReview, QuoteBuilder};
use crate::helpers::*;

pub(crate) fn register(app: &TestApp, id: i64, agency: i64) {
    crate::fixtures::register(app, id, agency);
}

/// A sealed quote as the quote form stores it; returns its commitment.
pub(crate) fn quote(app: &TestApp, id: i64, agency: i64, yuan: &str) -> String {
    register(app, id, agency);
    QuoteBuilder::new(id, agency).sealed_yuan(yuan).insert(app)
}

pub(crate) fn pass_deadline(app: &TestApp, id: i64) {
    diesel::update(announcements::table.find(id))
        .set(announcements::deadline.eq(zhongjie::db::now() - Duration::seconds(1)))
        .execute(&mut *app.conn())
        .unwrap();
}

pub(crate) fn status_of(app: &TestApp, id: i64) -> String {
    announcements::table
        .find(id)
        .select(announcements::status)
        .first(&mut *app.conn())
        .unwrap()
}

pub(crate) fn result_row(app: &TestApp, id: i64) -> (Option<i64>, Option<i64>, Option<String>) {
    announcement_results::table
        .find(id)
        .select((
            announcement_results::winner_id,
            announcement_results::winner_amount_fen,
            announcement_results::outcome,
        ))
        .first(&mut *app.conn())
        .unwrap()
}

/// Ends publicity (as if three working days had passed).
/// A random-draw announcement every agency of `w` registered for, its deadline passed (not
/// yet opened); returns its id and draw seed.
fn due_random_draw(app: &TestApp, w: &EnergyReview) -> (i64, zhongjie::domain::draw::Seed) {
    let (id, seed) = w.announce(app, "random_draw");
    for (a, _) in &w.agencies {
        register(app, id, *a);
    }
    pass_deadline(app, id);
    (id, seed)
}

fn end_publicity(app: &TestApp, id: i64) {
    let today = zhongjie::db::today();
    diesel::update(announcement_results::table.find(id))
        .set((
            announcement_results::publicity_ends.eq(today - Duration::days(1)),
            announcement_results::confirm_by.eq(today + Duration::days(2)),
        ))
        .execute(&mut *app.conn())
        .unwrap();
}

pub(crate) async fn wait_for<F: Fn() -> bool>(f: F) -> bool {
    for _ in 0..100 {
        if f() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

#[actix_web::test]
async fn lowest_price_opens_by_itself_publishes_commitments_and_one_award_under_100_concurrent_confirms()
 {
    let app = spawn_app().await;
    let w = EnergyReview::with_agencies(3).insert(&app).await;
    let (id, _) = w.announce(&app, "lowest_price");
    let c0 = quote(&app, id, w.agencies[0].0, "150000.00");
    quote(&app, id, w.agencies[1].0, "120000.50");
    quote(&app, id, w.agencies[2].0, "130000.00");
    // Nothing is in clear before the deadline.
    let clear: i64 = quote_openings::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(clear, 0);
    pass_deadline(&app, id);
    // The background job opens it without anyone visiting.
    assert!(
        wait_for(|| status_of(&app, id) == "publicity").await,
        "opened by the job"
    );
    let (winner, amount, outcome) = result_row(&app, id);
    assert_eq!(winner, Some(w.agencies[1].0));
    assert_eq!(amount, Some(12_000_050));
    assert!(outcome.unwrap().contains("\"ranking\""));
    // Amounts and nonces are now public, and each commitment recomputes.
    let (amt, nonce): (Option<i64>, Option<String>) = quotes::table
        .inner_join(quote_openings::table)
        .filter(quotes::commitment.eq(&c0))
        .select((
            quote_openings::amount_fen.nullable(),
            quote_openings::nonce.nullable(),
        ))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(
        seal::commitment(
            id,
            w.agencies[0].0,
            Money::from_fen(amt.unwrap()),
            &nonce.unwrap()
        ),
        c0
    );
    // Confirming during publicity is refused.
    let winner_app = &w.agencies[1].1;
    let r = winner_app
        .post(&format!("/announcements/{id}/confirm"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 409);
    // A loser cannot confirm.
    end_publicity(&app, id);
    let r = w.agencies[0]
        .1
        .post(&format!("/announcements/{id}/confirm"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 422);
    // 100 concurrent confirmations: exactly one award.
    let token = winner_app.csrf().await;
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let client = winner_app.client.clone();
        let url = winner_app.url(&format!("/announcements/{id}/confirm"));
        let token = token.clone();
        tasks.push(actix_web::rt::spawn(async move {
            client
                .post(url)
                .form(&[("csrf", token.as_str())])
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    let mut ok = 0;
    let mut conflict = 0;
    for t in tasks {
        match t.await.unwrap() {
            303 => ok += 1,
            409 => conflict += 1,
            s => panic!("unexpected status {s}"),
        }
    }
    assert_eq!((ok, conflict), (1, 99));
    let n: i64 = awards::table
        .filter(awards::announcement_id.eq(id))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(status_of(&app, id), "awarded");
    // The winner and the others are told.
    let mails = app.outbox_bodies();
    assert!(
        mails
            .iter()
            .any(|(to, b)| to == "agency1@example.com" && b.contains("已确认为公告"))
    );
    assert!(
        mails
            .iter()
            .any(|(to, b)| to == "agency0@example.com" && b.contains("贵机构未中选"))
    );
}

#[actix_web::test]
async fn opening_is_exactly_once_with_two_instances() {
    let app = spawn_app().await;
    let sibling = spawn_sibling(&app, None).await;
    let w = EnergyReview::with_agencies(3).insert(&app).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let (id, _) = w.announce(&app, "random_draw");
        for (a, _) in &w.agencies {
            register(&app, id, *a);
        }
        ids.push(id);
    }
    for &id in &ids {
        pass_deadline(&app, id);
    }
    // Both instances race for them (their jobs, and page visits on both).
    let mut visits = Vec::new();
    for &id in &ids {
        for a in [&app, &sibling] {
            let client = a.client.clone();
            let url = a.url(&format!("/announcements/{id}/proof.json"));
            visits.push(actix_web::rt::spawn(async move {
                client.get(url).send().await.map(|r| r.status().as_u16())
            }));
        }
    }
    for v in visits {
        assert_eq!(v.await.unwrap().unwrap(), 200);
    }
    for &id in &ids {
        assert_eq!(status_of(&app, id), "publicity");
        let opened: i64 = audit_log::table
            .filter(audit_log::action.eq("selection.opened"))
            .filter(audit_log::object_id.eq(id.to_string()))
            .count()
            .get_result(&mut *app.conn())
            .unwrap();
        assert_eq!(opened, 1, "announcement {id} opened once");
    }
}

#[actix_web::test]
async fn random_draw_proof_verifies_against_the_published_commitment() {
    let app = spawn_app().await;
    let w = EnergyReview::with_agencies(4).insert(&app).await;
    let (id, seed) = due_random_draw(&app, &w);
    let r = app.get(&format!("/announcements/{id}/proof.json")).await;
    assert_eq!(r.status().as_u16(), 200);
    let proofs: Vec<Proof> = r.json().await.unwrap();
    assert_eq!(proofs.len(), 1);
    let p = &proofs[0];
    assert_eq!(p.seed, seed.to_hex(), "the seed is revealed at the draw");
    // The public page shows the result with the proof and its verify button.
    let (status, html) = app.get_text(&format!("/announcements/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("验证摇号"), "verify button on the page");
    assert!(html.contains(&seed.to_hex()), "revealed seed on the page");
    assert!(html.contains("/static/js/verify-draw.js"));
    assert!(
        html.contains("到达截止时间自动开标"),
        "the opening is on the timeline"
    );
    p.verify_published(&seed.commitment()).unwrap();
    let mut cands: Vec<i64> = w.agencies.iter().map(|a| a.0).collect();
    cands.sort_unstable();
    assert_eq!(p.candidates, cands);
    assert_eq!(result_row(&app, id).0, Some(p.winner));
    // A tampered proof does not verify.
    let mut bad = p.clone();
    bad.winner = *cands.iter().find(|&&c| c != p.winner).unwrap();
    assert!(bad.verify_published(&seed.commitment()).is_err());
}

#[actix_web::test]
async fn too_few_quotes_fail_the_round_and_the_owner_reruns_it() {
    let app = spawn_web_only().await;
    let w = EnergyReview::with_agencies(2).insert(&app).await;
    let (id, _) = w.announce(&app, "lowest_price");
    quote(&app, id, w.agencies[0].0, "100000");
    quote(&app, id, w.agencies[1].0, "110000");
    pass_deadline(&app, id);
    assert_eq!(
        app.get(&format!("/announcements/{id}/proof.json"))
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(status_of(&app, id), "failed");
    assert_eq!(result_row(&app, id).0, None);
    // Only the owner may re-run it; the new round is a draft counting the failure.
    let r = w.agencies[0]
        .1
        .post(&format!("/owner/announcements/{id}/rerun"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 403);
    let r = w
        .owner
        .post(&format!("/owner/announcements/{id}/rerun"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (status, failures, prev): (String, i32, Option<i64>) = announcements::table
        .filter(announcements::previous_id.eq(Some(id)))
        .select((
            announcements::status,
            announcements::earlier_failures,
            announcements::previous_id,
        ))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((status.as_str(), failures, prev), ("draft", 1, Some(id)));
    // Twice is refused.
    let r = w
        .owner
        .post(&format!("/owner/announcements/{id}/rerun"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 409);
}

#[actix_web::test]
async fn an_upheld_objection_annuls_the_result() {
    let app = spawn_web_only().await;
    let w = EnergyReview::with_agencies(4).insert(&app).await;
    let (id, _) = w.announce(&app, "lowest_price");
    for (i, (a, _)) in w.agencies.iter().take(3).enumerate() {
        quote(&app, id, *a, &format!("{}", 100_000 + i * 1_000));
    }
    pass_deadline(&app, id);
    app.get(&format!("/announcements/{id}/proof.json")).await;
    assert_eq!(status_of(&app, id), "publicity");
    // Empty grounds are refused; a non-participant cannot object.
    let loser = &w.agencies[2].1;
    let r = loser
        .post(
            &format!("/announcements/{id}/objections"),
            &[("text", "  ")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let r = w.agencies[3]
        .1
        .post(
            &format!("/announcements/{id}/objections"),
            &[("text", "评审不公")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let r = loser
        .post(
            &format!("/announcements/{id}/objections"),
            &[("text", "中选机构报价明显低于成本")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let oid: i64 = zhongjie::db::schema::objections::table
        .select(zhongjie::db::schema::objections::id)
        .first(&mut *app.conn())
        .unwrap();
    // While it is open the winner cannot confirm, even after publicity.
    end_publicity(&app, id);
    let r = w.agencies[0]
        .1
        .post(&format!("/announcements/{id}/confirm"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 409);
    // Another owner cannot answer; the owner upholds it.
    let r = w.agencies[0]
        .1
        .post(
            &format!("/owner/objections/{oid}/answer"),
            &[("text", "x"), ("upheld", "yes")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
    let r = w
        .owner
        .post(
            &format!("/owner/objections/{oid}/answer"),
            &[
                ("text", "经核查质疑成立，重新组织选取。"),
                ("upheld", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(status_of(&app, id), "annulled");
    let r = w
        .owner
        .post(
            &format!("/owner/objections/{oid}/answer"),
            &[("text", "again")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
}

#[actix_web::test]
async fn a_winner_who_does_not_confirm_forfeits_and_the_next_ranked_takes_over() {
    let app = spawn_app().await;
    let w = EnergyReview::with_agencies(3).insert(&app).await;
    let (id, _) = w.announce(&app, "lowest_price");
    quote(&app, id, w.agencies[0].0, "100000");
    quote(&app, id, w.agencies[1].0, "101000");
    quote(&app, id, w.agencies[2].0, "102000");
    pass_deadline(&app, id);
    assert!(wait_for(|| status_of(&app, id) == "publicity").await);
    let today = zhongjie::db::today();
    diesel::update(announcement_results::table.find(id))
        .set((
            announcement_results::publicity_ends.eq(today - Duration::days(5)),
            announcement_results::confirm_by.eq(today - Duration::days(1)),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    let next = w.agencies[1].0;
    assert!(
        wait_for(|| result_row(&app, id).0 == Some(next)).await,
        "next-ranked takes over"
    );
    let forfeits: i64 = credit_records::table
        .filter(credit_records::agency_id.eq(w.agencies[0].0))
        .filter(credit_records::kind.eq("forfeit"))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(forfeits, 1);
    // The next-ranked can confirm.
    let r = w.agencies[1]
        .1
        .post(&format!("/announcements/{id}/confirm"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(status_of(&app, id), "awarded");
}

#[actix_web::test]
async fn an_abnormally_low_quote_wins_only_after_its_justification_is_accepted() {
    let app = spawn_web_only().await;
    let w = EnergyReview::with_agencies(4).insert(&app).await;
    let (id, _) = w.announce(&app, "lowest_price");
    quote(&app, id, w.agencies[0].0, "100000");
    quote(&app, id, w.agencies[1].0, "100000");
    quote(&app, id, w.agencies[2].0, "100000");
    quote(&app, id, w.agencies[3].0, "50000");
    pass_deadline(&app, id);
    app.get(&format!("/announcements/{id}/proof.json")).await;
    assert_eq!(status_of(&app, id), "justifying");
    let low = &w.agencies[3].1;
    // Only the flagged agency justifies, once.
    let r = w.agencies[0]
        .1
        .post(
            &format!("/announcements/{id}/justify"),
            &[("text", "成本说明")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let r = low
        .post(
            &format!("/announcements/{id}/justify"),
            &[("text", "本机构已有同区域基础数据，人工成本低。")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = low
        .post(
            &format!("/announcements/{id}/justify"),
            &[("text", "again")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let agency = w.agencies[3].0;
    let r = w
        .owner
        .post(
            &format!("/owner/announcements/{id}/justifications/{agency}"),
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(status_of(&app, id), "publicity");
    assert_eq!(result_row(&app, id).0, Some(agency));
}

#[actix_web::test]
async fn after_the_deadline_nothing_stale_and_a_second_opening_changes_nothing() {
    let app = spawn_web_only().await;
    let w = EnergyReview::with_agencies(3).insert(&app).await;
    let (id, _) = due_random_draw(&app, &w);
    // No job runs here: the visit itself opens it.
    assert_eq!(status_of(&app, id), "published");
    app.get(&format!("/announcements/{id}/proof.json")).await;
    assert_eq!(status_of(&app, id), "publicity");
    let before = result_row(&app, id);
    let mut c = app.conn();
    let again = zhongjie::selection::steps::opening::open_if_due(
        &mut c,
        &app.config.sealing_key,
        id,
        "other",
    )
    .unwrap();
    assert!(!again);
    drop(c);
    assert_eq!(result_row(&app, id), before);
}

#[actix_web::test]
async fn reasonable_price_and_weighted_scoring_publish_their_workings() {
    let app = spawn_web_only().await;
    let w = EnergyReview::with_agencies(5).insert(&app).await;
    let (rp, _) = w.announce(&app, "reasonable_price");
    let (ws, _) = w.announce(&app, "weighted_scoring");
    for (i, amount) in ["100000", "104000", "98000", "150000", "99000"]
        .iter()
        .enumerate()
    {
        quote(&app, rp, w.agencies[i].0, amount);
        quote(&app, ws, w.agencies[i].0, amount);
    }
    pass_deadline(&app, rp);
    pass_deadline(&app, ws);
    for id in [rp, ws] {
        assert_eq!(
            app.get(&format!("/announcements/{id}/proof.json"))
                .await
                .status()
                .as_u16(),
            200
        );
        assert_eq!(status_of(&app, id), "publicity", "announcement {id}");
    }
    // Reasonable price: 150,000 is outside ±10% of the benchmark and cannot be drawn.
    let (winner, _, outcome) = result_row(&app, rp);
    let outcome = outcome.unwrap();
    assert!(outcome.contains("\"benchmark\""));
    assert_ne!(winner, Some(w.agencies[3].0));
    assert!(outcome.contains("outside_band"));
    // Weighted scoring: the score table is stored and the lowest price scores 100.
    let (_, _, outcome) = result_row(&app, ws);
    let v: serde_json::Value = serde_json::from_str(&outcome.unwrap()).unwrap();
    let rows = v["detail"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    let lowest = rows
        .iter()
        .find(|r| r["agency_id"].as_i64() == Some(w.agencies[2].0))
        .unwrap();
    assert_eq!(lowest["price_x100"].as_i64(), Some(10_000));
}

#[actix_web::test]
async fn direct_selection_waits_for_the_owner_and_needs_no_fiscal_funds() {
    let app = spawn_web_only().await;
    let w = EnergyReview::with_agencies(2)
        .fiscal(false)
        .insert(&app)
        .await;
    let (id, _) = w.announce(&app, "direct");
    register(&app, id, w.agencies[0].0);
    register(&app, id, w.agencies[1].0);
    pass_deadline(&app, id);
    app.get(&format!("/announcements/{id}/proof.json")).await;
    assert_eq!(status_of(&app, id), "choosing");
    // Not a registrant: refused with the reason.
    let r = w
        .owner
        .post(
            &format!("/owner/announcements/{id}/choose"),
            &[("agency", "999999")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let r = w
        .owner
        .post(
            &format!("/owner/announcements/{id}/choose"),
            &[("agency", "abc")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let chosen = w.agencies[1].0.to_string();
    let r = w
        .owner
        .post(
            &format!("/owner/announcements/{id}/choose"),
            &[("agency", &chosen)],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(status_of(&app, id), "publicity");
    assert_eq!(result_row(&app, id).0, Some(w.agencies[1].0));
}

/// A real `zhongjie serve` process on the test database, with the test sealing key.
struct Serve(std::process::Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve_process(app: &TestApp, dir: &std::path::Path) -> (Serve, String) {
    let port = free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_zhongjie"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &app.config.database_url)
        .env("ZJ_SEALING_KEY", hex::encode(app.config.sealing_key))
        .env("ZJ_DATA_DIR", dir)
        .env("ZJ_JOB_POLL_MS", "20")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start zhongjie serve");
    (Serve(child), format!("http://127.0.0.1:{port}"))
}

#[actix_web::test]
async fn two_serve_processes_open_each_announcement_exactly_once() {
    let app = spawn_web_only().await;
    let w = EnergyReview::with_agencies(3).insert(&app).await;
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let (_p1, b1) = serve_process(&app, d1.path());
    let (_p2, b2) = serve_process(&app, d2.path());
    let client = reqwest::Client::new();
    for base in [&b1, &b2] {
        let mut up = false;
        for _ in 0..200 {
            if client
                .get(format!("{base}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                up = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(up, "{base} healthy");
    }
    let mut ids = Vec::new();
    for i in 0..10 {
        let (id, _) = w.announce(&app, "lowest_price");
        for (j, (a, _)) in w.agencies.iter().enumerate() {
            quote(&app, id, *a, &format!("{}", 100_000 + i * 10 + j));
        }
        ids.push(id);
    }
    // All become due at once; both processes' jobs race for them.
    for &id in &ids {
        pass_deadline(&app, id);
    }
    assert!(
        wait_for(|| ids.iter().all(|&id| status_of(&app, id) == "publicity")).await,
        "every announcement opened by the processes"
    );
    let mut openers = std::collections::HashSet::new();
    for &id in &ids {
        let opened: i64 = audit_log::table
            .filter(audit_log::action.eq("selection.opened"))
            .filter(audit_log::object_id.eq(id.to_string()))
            .count()
            .get_result(&mut *app.conn())
            .unwrap();
        assert_eq!(opened, 1, "announcement {id} opened exactly once");
        let by: String = announcement_results::table
            .find(id)
            .select(announcement_results::opened_by)
            .first(&mut *app.conn())
            .unwrap();
        openers.insert(by);
        assert_eq!(result_row(&app, id).0, Some(w.agencies[0].0));
    }
    assert!(!openers.is_empty());
}

/// Renames the project without an audit entry: only a page rendered afresh shows it.
fn rename_quietly(app: &TestApp, project: i64, name: &str) {
    use zhongjie::db::schema::projects;
    diesel::update(projects::table.find(project))
        .set(projects::name.eq(name))
        .execute(&mut *app.conn())
        .unwrap();
}

/// Issue 17: an announcement's page is kept per signed-in user under the audit stamp. The
/// owner and each agency see their own forms and links; another browser of the same agency
/// is served the kept content with its own form token; a deadline that passed without any
/// audited change opens the announcement instead of serving the page kept while it was open;
/// an audited step shows at once.
#[actix_web::test]
async fn the_announcement_page_is_kept_per_user_with_each_browsers_own_token() {
    // No background jobs: the page itself opens the announcement once its deadline passed.
    let app = spawn_web_only().await;
    let w = EnergyReview::with_agencies(3).insert(&app).await;
    let (id, _) = w.announce(&app, "lowest_price");
    quote(&app, id, w.agencies[0].0, "150000.00");
    quote(&app, id, w.agencies[1].0, "120000.50");
    quote(&app, id, w.agencies[2].0, "130000.00");
    // A deadline two seconds away (set before anything is rendered), so that it passes for
    // real while the page is kept.
    let deadline = zhongjie::db::now() + Duration::seconds(2);
    diesel::update(announcements::table.find(id))
        .set(announcements::deadline.eq(deadline))
        .execute(&mut *app.conn())
        .unwrap();
    let page = format!("/announcements/{id}");
    let bid = format!("/announcements/{id}/bid");
    let change = format!("/owner/announcements/{id}/change");

    let (s, owner_open) = w.owner.get_text(&page).await;
    assert_eq!(s, 200);
    assert!(owner_open.contains(&change) && !owner_open.contains(&bid));
    let agency = &w.agencies[0].1;
    let (_, agency_open) = agency.get_text(&page).await;
    assert!(agency_open.contains(&bid) && !agency_open.contains(&change));
    // `app` itself never signed in: a visitor.
    let (_, anonymous) = app.get_text(&page).await;
    assert!(!anonymous.contains(&bid) && !anonymous.contains(&change));

    // Kept: a change without an audit entry is not read again.
    rename_quietly(&app, w.project, "改名未审计的项目");
    let (_, again) = w.owner.get_text(&page).await;
    assert!(again.contains("钒钛产业园区道路工程") && !again.contains("改名未审计的项目"));

    // The deadline passes with no audited change: the page opens the announcement rather
    // than serve what it kept while quotes were taken.
    while zhongjie::db::now() <= deadline {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (_, opened) = w.owner.get_text(&page).await;
    assert_eq!(status_of(&app, id), "publicity");
    assert!(!opened.contains(&change), "no change after the deadline");
    assert!(opened.contains("120,000.50") || opened.contains("120000.50"));
    assert!(opened.contains("改名未审计的项目"), "rendered afresh");

    // The losing agency may object: its form carries its own token. (Its second browser
    // signs in first: signing in is audited.)
    let second = crate::accounts::auth::clone_app(&app);
    let r = second.login("agency0@example.com", PASSWORD).await;
    assert_eq!(r.status().as_u16(), 303);
    let objections = format!("action=\"/announcements/{id}/objections\"");
    let (_, first) = agency.get_text(&page).await;
    assert!(first.contains(&objections));
    let mine = agency.csrf().await;
    assert!(csrf_tokens_in(&first).iter().all(|t| *t == mine));
    // Its second browser: the kept content (a quiet rename is not shown) with that
    // browser's own token in every form.
    rename_quietly(&app, w.project, "再次改名未审计");
    let (_, kept) = second.get_text(&page).await;
    assert!(kept.contains(&objections));
    assert!(
        !kept.contains("再次改名未审计"),
        "served from the kept content"
    );
    let theirs = second.csrf().await;
    assert_ne!(theirs, mine);
    let tokens = csrf_tokens_in(&kept);
    assert!(tokens.len() >= 2 && tokens.iter().all(|t| *t == theirs));
    // The token works: the objection is taken.
    let r = second
        .post(
            &format!("/announcements/{id}/objections"),
            &[("text", "报价明显低于成本")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);

    // Another agency's page carries its own token; the owner sees no agency's form.
    let winner = &w.agencies[1].1;
    let (_, theirs_page) = winner.get_text(&page).await;
    let winners = winner.csrf().await;
    assert!(csrf_tokens_in(&theirs_page).iter().all(|t| *t == winners));
    let (_, owner_after) = w.owner.get_text(&page).await;
    assert!(!owner_after.contains(&objections));
    // The objection was audited: everybody's page shows it.
    assert!(owner_after.contains("报价明显低于成本"));
    assert!(owner_after.contains("再次改名未审计"));
    let (_, visitor_after) = app.get_text(&page).await;
    assert!(visitor_after.contains("报价明显低于成本"));
}

/// The bidders and the owner are told of an opening in a transaction of its own, after the
/// opening commits (a thousand bidders' mail is not written while the opening holds the
/// announcement), and exactly once: an instance that stopped in between leaves the notice
/// to the background pass, and a second notice writes nothing.
#[actix_web::test]
async fn the_bidders_are_told_of_an_opening_once_after_it_commits() {
    use zhongjie::db::schema::outbox;
    use zhongjie::selection::steps::opening;
    let app = spawn_web_only().await;
    let w = EnergyReview::with_agencies(3).insert(&app).await;
    let (id, _) = due_random_draw(&app, &w);
    let subject = format!("【中介服务网上超市】公告 {id} 已开标");
    let told = |app: &TestApp| -> i64 {
        outbox::table
            .filter(outbox::subject.eq(&subject))
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    let told_at = |app: &TestApp| -> Option<chrono::NaiveDateTime> {
        announcement_results::table
            .find(id)
            .select(announcement_results::told_at)
            .first(&mut *app.conn())
            .unwrap()
    };
    let key = app.config.sealing_key;
    // The opening commits alone, as if its instance stopped right after.
    assert!(opening::open_only_if_due(&mut app.conn(), &key, id, "stopped").unwrap());
    assert_eq!(status_of(&app, id), "publicity");
    assert_eq!(told(&app), 0, "nobody told inside the opening");
    assert_eq!(told_at(&app), None);
    // The background pass tells the three bidders and the owner.
    opening::open_due(&mut app.conn(), &key, "job").unwrap();
    assert_eq!(told(&app), 4);
    assert!(told_at(&app).is_some());
    let bodies = app.outbox_bodies();
    assert!(
        bodies
            .iter()
            .any(|(to, b)| to == "owner@example.com" && b.contains("当前状态")),
        "the owner is told the status"
    );
    // Once: a second notice, another pass, or a visit writes nothing more.
    assert!(!opening::tell_opened(&mut app.conn(), id).unwrap());
    opening::open_due(&mut app.conn(), &key, "job").unwrap();
    app.get(&format!("/announcements/{id}")).await;
    assert_eq!(told(&app), 4);
    // The notice is audited, once, and named on the announcement's timeline.
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("selection.told"))
        .filter(audit_log::object_id.eq(id.to_string()))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(audited, 1);
    let (_, page) = app.get_text(&format!("/announcements/{id}")).await;
    assert!(page.contains("开标结果已通知全部参与机构和业主"), "{page}");
}

/// Migration 000023 moves the opened amounts out of `quotes` into `quote_openings`: an
/// opening made before it (the amounts back in `quotes`, as its `down` leaves them) reads the
/// same after it.
#[actix_web::test]
async fn the_opened_amounts_survive_their_move_to_their_own_table() {
    use diesel::sql_types::BigInt;
    use diesel_migrations::MigrationHarness;
    use zhongjie::db::DbConnection;

    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    let app = spawn_web_only().await;
    let w = EnergyReview::with_agencies(3).insert(&app).await;
    let (id, _) = w.announce(&app, "lowest_price");
    for (i, fen) in ["150000.00", "120000.50", "130000.00"].iter().enumerate() {
        quote(&app, id, w.agencies[i].0, fen);
    }
    pass_deadline(&app, id);
    assert!(
        zhongjie::selection::steps::opening::open_if_due(
            &mut app.conn(),
            &app.config.sealing_key,
            id,
            "test"
        )
        .unwrap()
    );
    let read = |app: &TestApp| -> Vec<(i64, i64, String)> {
        quotes::table
            .inner_join(quote_openings::table)
            .filter(quotes::announcement_id.eq(id))
            .order(quotes::agency_id)
            .select((
                quotes::agency_id,
                quote_openings::amount_fen,
                quote_openings::nonce,
            ))
            .load(&mut *app.conn())
            .unwrap()
    };
    let opened = read(&app);
    assert_eq!(opened.len(), 3);
    assert_eq!(opened[1].1, 12_000_050);

    // Back to before 000023: the amounts and nonces are in `quotes` again.
    let mut c = app.conn();
    loop {
        let v = match &mut *c {
            DbConnection::Pg(pg) => pg.revert_last_migration(zhongjie::db::PG_MIGRATIONS),
            DbConnection::Sqlite(s) => s.revert_last_migration(zhongjie::db::SQLITE_MIGRATIONS),
        }
        .unwrap()
        .to_string()
        .replace('-', "");
        if v.starts_with("20261204000023") {
            break;
        }
        assert!(v.as_str() > "20261204000023", "000023 reverted");
    }
    let old = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM quotes WHERE amount_fen IS NOT NULL AND nonce IS NOT NULL",
    )
    .get_result::<N>(&mut *c)
    .unwrap();
    assert_eq!(old.n, 3, "in quotes before the move");
    zhongjie::db::migrate(&mut c).unwrap();
    drop(c);
    assert_eq!(read(&app), opened, "the same after it");
}
