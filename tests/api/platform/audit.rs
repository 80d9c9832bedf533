//! The audit trail: written with each change, append-only, and every edit of a stored entry
//! is detected by `verify` and by `zhongjie verify-audit`.

use diesel::prelude::*;
use zhongjie::audit;
use zhongjie::auth::Role;
use zhongjie::db::DbConnection;
use zhongjie::db::schema::audit_log;

use crate::helpers::*;

fn allow_tampering(c: &mut DbConnection) {
    use diesel::connection::SimpleConnection;
    match c {
        DbConnection::Sqlite(s) => s
            .batch_execute("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
            .unwrap(),
        DbConnection::Pg(p) => p
            .batch_execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;")
            .unwrap(),
    }
}

#[actix_web::test]
async fn actions_are_recorded_and_the_chain_verifies() {
    let app = spawn_app().await;
    app.signed_in(Role::Admin, "admin@example.com").await;
    app.post(
        "/admin/departments",
        &[
            ("code", "slj"),
            ("name_zh", "攀枝花市水利局"),
            ("name_en", "Water Resources Bureau"),
        ],
    )
    .await;
    let mut c = app.conn();
    let actions: Vec<String> = audit_log::table
        .order(audit_log::seq)
        .select(audit_log::action)
        .load(&mut *c)
        .unwrap();
    assert!(
        actions.contains(&"session.login".to_string()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"department.create".to_string()),
        "{actions:?}"
    );
    let r = audit::verify(&mut c).unwrap();
    assert!(r.broken.is_none());
    assert_eq!(r.checked as usize, actions.len());
    drop(c);
    let (s, body) = app.get_text("/admin/audit").await;
    assert_eq!(s, 200);
    assert!(body.contains("department.create"));
}

#[actix_web::test]
async fn the_database_refuses_to_change_entries() {
    let app = spawn_app().await;
    let mut c = app.conn();
    audit::record(
        &mut c,
        &audit::Actor::system(),
        "test.one",
        "thing",
        1,
        &"state",
        "",
    )
    .unwrap();
    let r = diesel::update(audit_log::table)
        .set(audit_log::detail.eq("edited"))
        .execute(&mut *c);
    assert!(r.is_err(), "UPDATE refused");
    let r = diesel::delete(audit_log::table).execute(&mut *c);
    assert!(r.is_err(), "DELETE refused");
}

#[actix_web::test]
async fn every_byte_flip_in_any_stored_field_is_detected() {
    let app = spawn_app().await;
    let mut c = app.conn();
    for i in 0..6 {
        audit::record(
            &mut c,
            &audit::Actor {
                id: Some(i),
                role: "admin".into(),
            },
            "thing.update",
            "thing",
            i,
            &serde_json::json!({"n": i}),
            "detail",
        )
        .unwrap();
    }
    assert!(audit::verify(&mut c).unwrap().broken.is_none());
    allow_tampering(&mut c);
    let rows: Vec<audit::AuditRow> = audit_log::table
        .order(audit_log::seq)
        .select(audit::AuditRow::as_select())
        .load(&mut *c)
        .unwrap();
    let target = &rows[3];
    // Flip one character in each stored text field of entry #4, one at a time.
    let texts: Vec<(&str, String)> = vec![
        ("actor_role", target.actor_role.clone()),
        ("action", target.action.clone()),
        ("object_type", target.object_type.clone()),
        ("object_id", target.object_id.clone()),
        ("state_digest", target.state_digest.clone()),
        ("detail", target.detail.clone()),
        ("prev_hash", target.prev_hash.clone()),
        ("hash", target.hash.clone()),
    ];
    for (col, original) in texts {
        for pos in [0, original.len() / 2, original.len().saturating_sub(1)] {
            let mut bytes = original.clone().into_bytes();
            bytes[pos] = if bytes[pos] == b'a' { b'b' } else { b'a' };
            let flipped = String::from_utf8(bytes).unwrap();
            set_col(&mut c, target.id, col, &flipped);
            let rep = audit::verify(&mut c).unwrap();
            let b = rep
                .broken
                .unwrap_or_else(|| panic!("flip in {col}@{pos} not detected"));
            assert!(b.seq() == 4 || b.seq() == 5, "{col}: broken at {b:?}");
            set_col(&mut c, target.id, col, &original);
            assert!(
                audit::verify(&mut c).unwrap().broken.is_none(),
                "restored {col}"
            );
        }
    }
    // Numbers and times too.
    diesel::update(audit_log::table.find(target.id))
        .set(audit_log::actor_id.eq(Some(99)))
        .execute(&mut *c)
        .unwrap();
    assert_eq!(
        audit::verify(&mut c).unwrap().broken.map(|b| b.seq()),
        Some(4)
    );
    diesel::update(audit_log::table.find(target.id))
        .set(audit_log::actor_id.eq(target.actor_id))
        .execute(&mut *c)
        .unwrap();
    diesel::update(audit_log::table.find(target.id))
        .set(audit_log::at.eq(target.at + chrono::Duration::seconds(1)))
        .execute(&mut *c)
        .unwrap();
    assert_eq!(
        audit::verify(&mut c).unwrap().broken.map(|b| b.seq()),
        Some(4)
    );
    diesel::update(audit_log::table.find(target.id))
        .set(audit_log::at.eq(target.at))
        .execute(&mut *c)
        .unwrap();
    // Removing an entry.
    diesel::delete(audit_log::table.find(rows[2].id))
        .execute(&mut *c)
        .unwrap();
    assert_eq!(
        audit::verify(&mut c).unwrap().broken.map(|b| b.seq()),
        Some(4)
    );
}

fn set_col(c: &mut DbConnection, id: i64, col: &str, v: &str) {
    let q = match col {
        "actor_role" => diesel::update(audit_log::table.find(id))
            .set(audit_log::actor_role.eq(v))
            .execute(c),
        "action" => diesel::update(audit_log::table.find(id))
            .set(audit_log::action.eq(v))
            .execute(c),
        "object_type" => diesel::update(audit_log::table.find(id))
            .set(audit_log::object_type.eq(v))
            .execute(c),
        "object_id" => diesel::update(audit_log::table.find(id))
            .set(audit_log::object_id.eq(v))
            .execute(c),
        "state_digest" => diesel::update(audit_log::table.find(id))
            .set(audit_log::state_digest.eq(v))
            .execute(c),
        "detail" => diesel::update(audit_log::table.find(id))
            .set(audit_log::detail.eq(v))
            .execute(c),
        "prev_hash" => diesel::update(audit_log::table.find(id))
            .set(audit_log::prev_hash.eq(v))
            .execute(c),
        "hash" => diesel::update(audit_log::table.find(id))
            .set(audit_log::hash.eq(v))
            .execute(c),
        _ => unreachable!(),
    };
    q.unwrap();
}

#[actix_web::test]
async fn verify_audit_command_exit_status_and_demo() {
    let app = spawn_app().await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_zhongjie"))
            .args(args)
            .env("DATABASE_URL", &app.config.database_url)
            .env("ZJ_SEALING_KEY", hex::encode(app.config.sealing_key))
            .env("ZJ_DATA_DIR", app.config.data_dir.as_os_str())
            .output()
            .unwrap()
    };
    let out = run(&["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("admin@demo.zhongjie.cn") && text.contains(zhongjie::demo::DEMO_PASSWORD)
    );
    // Demo twice adds nothing.
    assert!(run(&["demo"]).status.success());
    let out = run(&["verify-audit"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact"));
    // Every demo role can log in.
    for l in zhongjie::demo::LOGINS {
        let client = crate::accounts::auth::clone_app(&app);
        assert_eq!(
            client
                .login(l.email, zhongjie::demo::DEMO_PASSWORD)
                .await
                .status()
                .as_u16(),
            303,
            "{}",
            l.email
        );
        assert_eq!(client.get("/my").await.status().as_u16(), 200);
    }
    // Edit one entry: the command names it and fails.
    let mut c = app.conn();
    allow_tampering(&mut c);
    diesel::update(audit_log::table.filter(audit_log::seq.eq(3)))
        .set(audit_log::detail.eq("tampered"))
        .execute(&mut *c)
        .unwrap();
    let out = run(&["verify-audit"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("#3"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    drop(c);
    let (_, body) = {
        let admin = crate::accounts::auth::clone_app(&app);
        admin
            .login("admin@demo.zhongjie.cn", zhongjie::demo::DEMO_PASSWORD)
            .await;
        admin.get_text("/admin/audit").await
    };
    assert!(
        body.contains("第 3 号记录起出现异常"),
        "the admin page names the broken entry"
    );
}

/// Many writers at once (8 threads × 25 audited writes): every entry reaches the chain, in one
/// unbroken order (on PostgreSQL the chain's advisory lock orders the appenders).
#[actix_web::test]
async fn concurrent_writers_all_reach_one_unbroken_chain() {
    let app = spawn_web_only().await;
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let pool = app.pool.clone();
            std::thread::spawn(move || {
                let mut c = pool.get().unwrap();
                for i in 0..25 {
                    zhongjie::db::write_tx(&mut c, |c| {
                        audit::record(
                            c,
                            &audit::Actor::system(),
                            "test.concurrent",
                            "thread",
                            t,
                            &serde_json::json!({ "i": i }),
                            "",
                        )
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut c = app.conn();
    let n: i64 = audit_log::table
        .filter(audit_log::action.eq("test.concurrent"))
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(n, 200);
    let total: i64 = audit_log::table.count().get_result(&mut *c).unwrap();
    let r = audit::verify(&mut c).unwrap();
    assert!(r.broken.is_none(), "{:?}", r.broken);
    assert_eq!(r.checked, total);
}
