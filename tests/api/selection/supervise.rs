//! Selection oversight (issue 5): collusion signals and overdue objections for regulators,
//! and `zhongjie verify-draw` in its offline (`--file`) and database modes.

use chrono::Duration;
use sha2::{Digest, Sha256};
use zhongjie::auth::Role;
use zhongjie::db;
use zhongjie::domain::draw::{Proof, Seed};

use crate::fixtures::{
    AgencyBuilder, AnnouncementBuilder, ItemBuilder, ObjectionBuilder, OpeningBuilder,
    ProjectBuilder, QuoteBuilder,
};
use crate::helpers::*;

/// The seed 00 01 … 1f of the draw module's known vectors.
fn fixed_seed() -> Seed {
    let mut b = [0u8; 32];
    for (i, x) in b.iter_mut().enumerate() {
        *x = i as u8;
    }
    Seed::from_bytes(b)
}

fn fixed_proof() -> Proof {
    let commitments: Vec<String> = (1..=3)
        .map(|i| hex::encode(Sha256::digest(format!("quote-{i}").as_bytes())))
        .collect();
    Proof::draw(&fixed_seed(), &commitments, &[30, 7, 12]).unwrap()
}

/// A catalogue item, project and announcement opened an hour ago with a result row whose
/// outcome is `outcome` (JSON); returns the announcement id.
fn opened_announcement(
    app: &TestApp,
    owner: i64,
    seed_commitment: &str,
    outcome: Option<String>,
) -> i64 {
    let now = db::now();
    let dept = zhongjie::accounts::store::department::all(&mut app.conn()).unwrap()[0].id;
    let code = hex::encode(zhongjie::auth::token::random_bytes::<4>());
    let item = ItemBuilder::new(&code, "环境影响评价")
        .industry("environment")
        .approval("环评审批")
        .legal_basis("")
        .insert(app, dept);
    let name = format!("仁和区污水处理厂扩建工程{code}");
    let id = AnnouncementBuilder::new(owner, item)
        .new_project(
            ProjectBuilder::new(owner, &name, &code)
                .region("pzh_renhe")
                .investment_fen(500_000_000),
        )
        .scope("编制环境影响报告书")
        .time_limit(30)
        .mode("random_draw")
        .deadline(now - Duration::hours(2))
        .complaint_phone("0812-3336000")
        .status("publicity")
        .seed_commitment(seed_commitment)
        .published_at(Some(now - Duration::days(10)))
        .insert(app);
    OpeningBuilder::new(id)
        .opened_at(now - Duration::hours(1))
        .opened_by("system")
        .seed_revealed(fixed_seed().to_hex())
        .outcome(outcome)
        .insert(app);
    id
}

fn quote(app: &TestApp, ann: i64, agency: i64, fen: i64, minutes_ago: i64, addr: &str) {
    QuoteBuilder::new(ann, agency)
        .placeholder("sealed", "0".repeat(64))
        .submitted_at(db::now() - Duration::minutes(minutes_ago))
        .client_addr(addr)
        .opened_amount(fen)
        .insert(app);
}

/// An agency with this name whose profile and account share `phone`.
async fn agency(app: &TestApp, email: &str, name: &str, phone: &str) -> i64 {
    AgencyBuilder::new(email)
        .name(name)
        .phone(phone)
        .account_phone(phone)
        .insert(app)
        .await
}

#[actix_web::test]
async fn regulator_sees_collusion_signals_and_overdue_objections() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, "owner@sv.test").await;
    let a1 = agency(&app, "a1@sv.test", "攀枝花甲方环评有限公司", "13911112222").await;
    let a2 = agency(&app, "a2@sv.test", "攀枝花乙方环评有限公司", "13911112222").await;
    let a3 = agency(&app, "a3@sv.test", "攀枝花丙方环评有限公司", "13833334444").await;
    let _reg = app.signed_in(Role::Regulator, "reg@sv.test").await;
    let ann = opened_announcement(&app, owner, &fixed_seed().commitment(), None);
    quote(&app, ann, a1, 12_345_600, 300, "198.51.100.1");
    quote(&app, ann, a2, 9_900_000, 50, "203.0.113.9");
    quote(&app, ann, a3, 9_900_000, 45, "203.0.113.9");
    // An objection due yesterday and still unanswered; one answered in time.
    let today = zhongjie::db::today();
    ObjectionBuilder::new(ann, a3, "报价评审有误", today - Duration::days(1))
        .filed_at(db::now() - Duration::days(5))
        .insert(&app);
    ObjectionBuilder::new(ann, a3, "报价评审有误", today - Duration::days(2))
        .filed_at(db::now() - Duration::days(5))
        .answered(db::now(), "经复核，评审无误。", false)
        .insert(&app);

    let (status, page) = app.get_text("/regulate/selection").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(&format!("/regulate/selection/{ann}")),
        "{page}"
    );
    assert!(page.contains("联系电话相同"), "{page}");
    assert!(page.contains("139****2222"), "masked phone: {page}");
    assert!(!page.contains("13911112222"), "never the full phone");
    assert!(page.contains("报价完全相同"));
    assert!(page.contains("99,000.00"), "the identical amount");
    assert!(page.contains("同一网络地址短时间内报价"));
    assert!(page.contains("203.0.113.9"));
    assert!(
        !page.contains("198.51.100.1"),
        "a lone address is no signal"
    );
    assert!(page.contains("攀枝花甲方环评有限公司") && page.contains("攀枝花丙方环评有限公司"));
    // Overdue objections: the unanswered one only.
    assert!(page.contains("逾期未答复的异议"));
    assert_eq!(page.matches("class=\"overdue\"").count(), 1, "{page}");
    assert!(page.contains(&format!("/announcements/{ann}")));

    let (status, detail) = app.get_text(&format!("/regulate/selection/{ann}")).await;
    assert_eq!(status, 200);
    assert_eq!(detail.matches("class=\"signal\"").count(), 3, "{detail}");
    assert_eq!(
        app.get(&format!("/regulate/selection/{}", ann + 1000))
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.get("/regulate/selection/x").await.status().as_u16(),
        404
    );

    // Owners and agencies may not look; a visitor is sent to sign in.
    for (role, email) in [(Role::Owner, "o2@sv.test"), (Role::Agency, "a4@sv.test")] {
        let other = crate::accounts::auth::clone_app(&app);
        other.signed_in(role, email).await;
        assert_eq!(
            other.get("/regulate/selection").await.status().as_u16(),
            403,
            "{email}"
        );
        assert_eq!(
            other
                .get(&format!("/regulate/selection/{ann}"))
                .await
                .status()
                .as_u16(),
            403
        );
    }
    let visitor = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = visitor
        .get(app.url("/regulate/selection"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let loc = r.headers()["location"].to_str().unwrap();
    assert!(loc.starts_with("/login"), "{loc}");
}

fn run_cli(args: &[&str], database_url: Option<&str>) -> (i32, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_zhongjie"));
    cmd.args(args).env_remove("DATABASE_URL");
    if let Some(u) = database_url {
        // The tests' configuration uses the sealing key 07 07 … (PostgreSQL requires one).
        cmd.env("DATABASE_URL", u)
            .env("ZJ_SEALING_KEY", hex::encode([7u8; 32]));
    }
    let out = cmd.output().expect("run zhongjie");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn supervise_verify_draw_file_mode() {
    let dir = tempfile::tempdir().unwrap();
    let proof = fixed_proof();
    let good = dir.path().join("proof.json");
    std::fs::write(&good, serde_json::to_string_pretty(&proof).unwrap()).unwrap();
    let commitment = fixed_seed().commitment();

    let (code, out) = run_cli(&["verify-draw", "--file", good.to_str().unwrap()], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("✓ winner 12"), "{out}");
    assert!(out.contains("✓ ranking 12, 7, 30"), "{out}");
    let (code, out) = run_cli(
        &[
            "verify-draw",
            "--file",
            good.to_str().unwrap(),
            "--commitment",
            &commitment,
        ],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("is the one published"), "{out}");
    let (code, out) = run_cli(
        &[
            "verify-draw",
            "--file",
            good.to_str().unwrap(),
            "--commitment",
            &"ab".repeat(32),
        ],
        None,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("✗ seed commitment"), "{out}");

    // A winner changed by hand fails at the winner step, after the earlier steps passed.
    let mut bad = proof.clone();
    bad.winner = 7;
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&tampered, serde_json::to_string(&bad).unwrap()).unwrap();
    let (code, out) = run_cli(&["verify-draw", "--file", tampered.to_str().unwrap()], None);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("✓ draw input"), "{out}");
    assert!(out.contains("✗ winner"), "{out}");

    // The same through the library function.
    let json = serde_json::to_string(&proof).unwrap();
    assert!(zhongjie::cli::verify_proof_json(&json, Some(&commitment)).is_ok());
    let mut bad = proof.clone();
    bad.commitments[0] = "0".repeat(64);
    let (_, failure) =
        zhongjie::cli::verify_proof_json(&serde_json::to_string(&bad).unwrap(), None).unwrap_err();
    assert!(failure.starts_with("draw input"), "{failure}");
    assert!(zhongjie::cli::verify_proof_json("{}", None).is_err());
}

#[actix_web::test]
async fn supervise_verify_draw_database_mode() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Owner, "owner@vd.test").await;
    app.create_user(Role::Regulator, "reg@vd.test").await; // makes a department
    let proof = fixed_proof();
    let outcome = serde_json::json!({
        "verdict": {"kind": "selected"},
        "ranking": proof.ranking,
        "excluded": [],
        "draws": [{"first_rank": 0, "proof": proof}],
    });
    let commitment = fixed_seed().commitment();
    let good = opened_announcement(&app, owner, &commitment, Some(outcome.to_string()));
    let none = opened_announcement(
        &app,
        owner,
        &commitment,
        Some(serde_json::json!({"draws": []}).to_string()),
    );
    // Published with another commitment: the revealed seed does not match it.
    let forged = opened_announcement(&app, owner, &"0".repeat(64), Some(outcome.to_string()));
    let url = app.config.database_url.clone();
    let (code, out) = run_cli(&["verify-draw", &good.to_string()], Some(&url));
    assert_eq!(code, 0, "{out}");
    for step in [
        "✓ seed commitment",
        "✓ draw for rank 1: draw input",
        "✓ draw for rank 1: winner 12",
        "✓ draw for rank 1: ranking 12, 7, 30",
    ] {
        assert!(out.contains(step), "{step}: {out}");
    }
    let (code, out) = run_cli(&["verify-draw", &none.to_string()], Some(&url));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no draw in this result"), "{out}");
    let (code, out) = run_cli(&["verify-draw", &forged.to_string()], Some(&url));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("✗ seed commitment"), "{out}");
    let (code, out) = run_cli(&["verify-draw", "999999"], Some(&url));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no published result"), "{out}");

    // The pure helper: a proof whose seed is not the revealed one fails.
    let other = Seed::from_bytes([9u8; 32]);
    let mut o = outcome.clone();
    o["draws"][0]["proof"]["seed"] = serde_json::json!(other.to_hex());
    let (_, failure) =
        zhongjie::cli::verify_proofs(&commitment, &fixed_seed().to_hex(), &o).unwrap_err();
    assert!(failure.contains("not the revealed seed"), "{failure}");
    let lines =
        zhongjie::cli::verify_proofs(&commitment, &fixed_seed().to_hex(), &outcome).unwrap();
    assert_eq!(lines.len(), 5, "{lines:?}");
}
