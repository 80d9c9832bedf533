//! The sealing key and the database belong together: start-up records which key seals the
//! database (its fingerprint) and refuses a missing or different key with one line; `backup`
//! writes the key beside the copy, and a restore into a fresh folder opens every quote
//! acknowledged before the backup.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::config::{SealingKeySource, load_sealing_key};
use zhongjie::db::Backend;
use zhongjie::db::schema::{
    announcement_results, announcements, quote_openings, quotes, sealing_key,
};
use zhongjie::domain::seal;
use zhongjie::startup::open_database;

use crate::fixtures::{
    AgencyBuilder, AnnouncementBuilder, ItemBuilder, ProjectBuilder, department,
};
use crate::helpers::*;

fn backend() -> Backend {
    if is_postgres() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

fn stored_fingerprint(c: &mut zhongjie::db::DbConnection) -> Option<String> {
    sealing_key::table
        .select(sealing_key::fingerprint)
        .first(c)
        .optional()
        .unwrap()
}

/// A department's item (no qualification needed), and a published lowest-price announcement
/// on it with a sealed seed, deadline in ten days; returns (item, announcement).
async fn sealed_announcement(app: &TestApp) -> (i64, i64) {
    let dept = department(app, "zrzyj", "攀枝花市自然资源和规划局", "NR");
    let item = ItemBuilder::new("ZRZY-021", "建设用地勘测定界")
        .keywords("勘测定界")
        .industry("land")
        .approval("建设用地审批")
        .legal_basis("《中华人民共和国土地管理法》")
        .time_limit(15)
        .insert(app, dept);
    let owner = app.create_user(Role::Owner, "owner@example.com").await;
    let project = ProjectBuilder::new(owner, "米易县工业园区道路工程", "2026-510421-48-01-000321")
        .fiscal(true)
        .insert(app);
    let seed = zhongjie::domain::draw::Seed::generate().unwrap();
    let id = AnnouncementBuilder::new(owner, item)
        .project(project)
        .scope("项目用地勘测定界")
        .time_limit(12)
        .cap(Some(5_000_000))
        .sealed_seed(&seed)
        .insert(app);
    (item, id)
}

#[actix_web::test]
async fn sealing_key_start_up_records_the_key_and_refuses_a_missing_or_different_one() {
    let app = spawn_app().await;
    let key_a = app.config.sealing_key;
    let fp_a = seal::key_fingerprint(&key_a);
    assert_eq!(
        stored_fingerprint(&mut app.conn()).as_deref(),
        Some(fp_a.as_str()),
        "the first start records the key's fingerprint"
    );
    let (_, ann) = sealed_announcement(&app).await;

    // Another key: refused with one line naming both fingerprints and ZJ_SEALING_KEY.
    let other = tempfile::tempdir().unwrap();
    let mut cfg = test_config(other.path(), app.config.database_url.clone(), None);
    cfg.sealing_key = [9; 32];
    let err = open_database(&cfg).expect_err("a different key is refused");
    assert!(!err.contains('\n'), "one line: {err}");
    assert!(
        err.contains(&fp_a) && err.contains(&seal::key_fingerprint(&[9; 32])),
        "{err}"
    );
    assert!(err.contains("ZJ_SEALING_KEY"), "{err}");

    // No key at all (SQLite: no key file in the data folder, so one would be generated;
    // PostgreSQL: ZJ_SEALING_KEY unset): refused, naming the fingerprint, and no key file is
    // written.
    let (k, src) = load_sealing_key(other.path(), None, backend()).unwrap();
    cfg.sealing_key = k;
    cfg.sealing_key_source = src;
    let err = open_database(&cfg).expect_err("a missing key is refused");
    assert!(!err.contains('\n') && err.contains(&fp_a), "{err}");
    assert!(err.contains("ZJ_SEALING_KEY"), "{err}");
    if !is_postgres() {
        let key_path = other.path().join("sealing.key");
        assert!(err.contains(&key_path.display().to_string()), "{err}");
        assert!(
            !key_path.exists(),
            "no new key is made for a sealed database"
        );
    }

    // A database sealed before fingerprints were recorded: the key that opens its sealed seed
    // is recorded; another key is refused and nothing is recorded.
    diesel::delete(sealing_key::table)
        .execute(&mut *app.conn())
        .unwrap();
    let mut wrong = test_config(other.path(), app.config.database_url.clone(), None);
    wrong.sealing_key = [9; 32];
    let err = open_database(&wrong).expect_err("a key that opens nothing");
    assert!(
        err.contains("1 sealed draw seed") && err.contains("opens none of them"),
        "{err}"
    );
    assert_eq!(stored_fingerprint(&mut app.conn()), None);
    let right = test_config(other.path(), app.config.database_url.clone(), None);
    open_database(&right).expect("the key that sealed the seed");
    assert_eq!(stored_fingerprint(&mut app.conn()), Some(fp_a.clone()));
    // The application runs on: the seed still opens with the recorded key.
    let boxed: Option<String> = announcements::table
        .find(ann)
        .select(announcements::seed_sealed)
        .first(&mut *app.conn())
        .unwrap();
    assert!(seal::open_seed(&key_a, ann, &boxed.unwrap()).is_ok());
}

#[actix_web::test]
async fn sealing_key_a_new_key_only_for_a_database_that_never_sealed_anything() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(dir.path());
    let _guard = DbGuard { url: url.clone() };
    let mut cfg = test_config(dir.path(), url.clone(), None);
    if is_postgres() {
        // PostgreSQL never makes a key: without ZJ_SEALING_KEY it refuses, naming it.
        let (k, src) = load_sealing_key(dir.path(), None, Backend::Postgres).unwrap();
        assert_eq!(src, SealingKeySource::Missing);
        cfg.sealing_key = k;
        cfg.sealing_key_source = src;
        let err = open_database(&cfg).expect_err("no key on PostgreSQL");
        assert!(err.contains("ZJ_SEALING_KEY is required"), "{err}");
        let (k, src) =
            load_sealing_key(dir.path(), Some(&"ab".repeat(32)), Backend::Postgres).unwrap();
        cfg.sealing_key = k;
        cfg.sealing_key_source = src;
        let pool = open_database(&cfg).unwrap();
        assert_eq!(
            stored_fingerprint(&mut pool.get().unwrap()),
            Some(seal::key_fingerprint(&[0xab; 32]))
        );
        return;
    }
    let key_path = dir.path().join("sealing.key");
    let (k, src) = load_sealing_key(dir.path(), None, Backend::Sqlite).unwrap();
    assert_eq!(src, SealingKeySource::New(key_path.clone()));
    assert!(!key_path.exists(), "not written before start-up decides");
    cfg.sealing_key = k;
    cfg.sealing_key_source = src;
    let pool = open_database(&cfg).unwrap();
    // Written, owner-only, and recorded.
    let text = std::fs::read_to_string(&key_path).unwrap();
    assert_eq!(zhongjie::config::parse_key(&text), Some(k));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(
        stored_fingerprint(&mut pool.get().unwrap()),
        Some(seal::key_fingerprint(&k))
    );
    // The next start reads the file and goes on.
    let (k2, src2) = load_sealing_key(dir.path(), None, Backend::Sqlite).unwrap();
    assert_eq!((k2, src2), (k, SealingKeySource::File(key_path)));
    cfg.sealing_key_source = SealingKeySource::File(dir.path().join("sealing.key"));
    open_database(&cfg).unwrap();
}

/// The receipt code on a receipt page.
fn commitment_in(html: &str) -> Option<String> {
    let i = html.find("id=\"commitment\">")? + 16;
    html.get(i..i + 64).map(str::to_string)
}

#[actix_web::test]
async fn sealing_key_backup_under_load_restores_and_opens_every_acknowledged_quote() {
    let app = spawn_app().await;
    let (item, ann) = sealed_announcement(&app).await;

    // Sixteen agencies offering the item, registered, each signed in on its own browser.
    let mut bidders = Vec::new();
    for i in 0..16 {
        let (id, b) = AgencyBuilder::new(&format!("bidder{i}@example.com"))
            .items(&[item])
            .signed_in(&app)
            .await;
        let r = b.post(&format!("/announcements/{ann}/register"), &[]).await;
        assert_eq!(r.status().as_u16(), 303);
        bidders.push((id, b));
    }

    // Every quote acknowledged (200 with a receipt) is noted with its amount and receipt.
    // The first eight quote at once; the other eight start the moment the backup starts.
    let acked: Arc<Mutex<Vec<(i64, i64, String)>>> = Arc::default();
    // Held until the backup starts; the second eight wait for it.
    let gate = Arc::new(tokio::sync::RwLock::new(()));
    let held = gate.clone().write_owned().await;
    let mut tasks = Vec::new();
    for (i, (id, mut b)) in bidders.into_iter().enumerate() {
        let acked = acked.clone();
        let gate = gate.clone();
        // A client of its own without idle connections: a connection kept alive while the
        // others signed in (slow on a loaded machine) may be closed by the server just as it
        // is reused.
        b.client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(b.jar.clone())
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        tasks.push(actix_web::rt::spawn(async move {
            if i >= 8 {
                drop(gate.read().await);
            }
            // Close to one another, so none is abnormally low.
            let fen = 4_000_000 + i as i64 * 1_000;
            let amount = format!("{}.{:02}", fen / 100, fen % 100);
            let r = b
                .post(
                    &format!("/announcements/{ann}/quote"),
                    &[("amount", &amount), ("note", "含外业测量")],
                )
                .await;
            // A quote taken answers 303 to its receipt's own address.
            let status = r.status().as_u16();
            let to = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let body = r.text().await.unwrap_or_default();
            assert_eq!(status, 303, "{body}");
            let (_, body) = b.get_text(&to).await;
            let commitment = commitment_in(&body).expect("a receipt");
            acked.lock().unwrap().push((id, fen, commitment));
        }));
    }
    for _ in 0..12_000 {
        // A task that ended without its acknowledgement failed: stop waiting.
        let n = acked.lock().unwrap().len();
        if n >= 4 || tasks.iter().filter(|t| t.is_finished()).count() > n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(
        acked.lock().unwrap().len() >= 4,
        "the first quotes were acknowledged"
    );
    let before: Vec<(i64, i64, String)> = acked.lock().unwrap().clone();
    drop(held);
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("zhongjie-backup.db");
    let (cfg, pool, f2) = (app.config.clone(), app.pool.clone(), file.clone());
    let backup = actix_web::web::block(move || zhongjie::backup::run(&cfg, &pool, &f2))
        .await
        .unwrap()
        .expect("backup");
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(acked.lock().unwrap().len(), 16);
    assert!(!before.is_empty());

    // The backup: the copy and the key beside it, owner-only, and how to restore.
    assert_eq!(
        backup.key_file,
        out.path().join("zhongjie-backup.db.sealing.key")
    );
    let key_text = std::fs::read_to_string(&backup.key_file).unwrap();
    assert_eq!(
        zhongjie::config::parse_key(&key_text),
        Some(app.config.sealing_key)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup.key_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let how = backup.instructions();
    assert!(
        how.contains("To restore") && how.contains("sealing.key"),
        "{how}"
    );
    assert!(how.contains(&seal::key_fingerprint(&app.config.sealing_key)));

    // Restore into a fresh folder: the copy and its key file only.
    let fresh = Arc::new(tempfile::tempdir().unwrap());
    let (url, key_env) = if is_postgres() {
        let url = fresh_database_url(fresh.path());
        let out = std::process::Command::new("pg_restore")
            .args(["--no-owner", "--dbname", &url])
            .arg(&backup.database)
            .output()
            .expect("pg_restore");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (url, Some(key_text.clone()))
    } else {
        std::fs::copy(&backup.database, fresh.path().join("zhongjie.db")).unwrap();
        std::fs::copy(&backup.key_file, fresh.path().join("sealing.key")).unwrap();
        (
            format!("sqlite://{}", fresh.path().join("zhongjie.db").display()),
            None,
        )
    };
    let _restored_db = DbGuard { url: url.clone() };

    // The copy alone, without its key, refuses to start and makes no key.
    let bare = tempfile::tempdir().unwrap();
    let mut refused = test_config(bare.path(), url.clone(), None);
    let (k, src) = load_sealing_key(bare.path(), None, backend()).unwrap();
    refused.sealing_key = k;
    refused.sealing_key_source = src;
    let err = open_database(&refused).expect_err("no key, no start");
    assert!(err.contains(&backup.fingerprint), "{err}");
    assert!(!bare.path().join("sealing.key").exists());

    // With its key: the deadline passes, the restored instance opens the announcement.
    let mut cfg = test_config(fresh.path(), url.clone(), None);
    let (k, src) = load_sealing_key(fresh.path(), key_env.as_deref(), backend()).unwrap();
    cfg.sealing_key = k;
    cfg.sealing_key_source = src;
    {
        let pool = zhongjie::db::connect(&url, 1).unwrap();
        diesel::update(announcements::table.find(ann))
            .set(announcements::deadline.eq(zhongjie::db::now() - Duration::seconds(1)))
            .execute(&mut *pool.get().unwrap())
            .unwrap();
    }
    let restored = start(cfg, fresh).await;
    let mut opened = false;
    for _ in 0..300 {
        let n: i64 = announcement_results::table
            .filter(announcement_results::announcement_id.eq(ann))
            .count()
            .get_result(&mut *restored.conn())
            .unwrap();
        if n == 1 {
            opened = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(opened, "the restored instance opened the announcement");

    // Every quote acknowledged before the backup is in the copy, opened, and valid.
    let outcome: Option<String> = announcement_results::table
        .find(ann)
        .select(announcement_results::outcome)
        .first(&mut *restored.conn())
        .unwrap();
    let outcome: serde_json::Value = serde_json::from_str(&outcome.expect("an outcome")).unwrap();
    let excluded: Vec<i64> = outcome["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["agency_id"].as_i64())
        .collect();
    for (agency, fen, commitment) in &before {
        let (amount, stored): (Option<i64>, String) = quotes::table
            .left_join(quote_openings::table)
            .filter(quotes::announcement_id.eq(ann))
            .filter(quotes::agency_id.eq(agency))
            .select((quote_openings::amount_fen.nullable(), quotes::commitment))
            .first(&mut *restored.conn())
            .unwrap();
        assert_eq!(amount, Some(*fen), "agency {agency}'s quote opened");
        assert_eq!(&stored, commitment, "its receipt");
        assert!(
            !excluded.contains(agency),
            "agency {agency} is valid: {outcome}"
        );
    }
    let ranking = outcome["ranking"].as_array().unwrap();
    assert!(ranking.len() >= before.len(), "{outcome}");
}
