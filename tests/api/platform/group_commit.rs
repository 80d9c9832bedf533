//! Issue 17 (3): on SQLite, quote writes queued at the same time share one durable commit
//! (`db::run_grouped`). Each write keeps its own outcome: a refused one leaves nothing, the
//! others stand; a write that panics costs its batch the commit, never a later write.

use diesel::prelude::*;
use zhongjie::db::DbError;
use zhongjie::db::schema::audit_log;

use crate::helpers::*;

/// One grouped write: appends an audit entry for `n` in its own `write_tx`, then refuses
/// when `refuse` (the entry must then vanish with its savepoint).
async fn write(pool: zhongjie::db::Pool, n: i64, refuse: bool) -> Result<i64, String> {
    let r: Result<i64, DbError> = zhongjie::db::run_grouped(&pool, move |c| {
        zhongjie::db::write_tx(c, |c| {
            zhongjie::audit::record(
                c,
                &zhongjie::audit::Actor::system(),
                "test.grouped",
                "group",
                n,
                &n,
                "",
            )?;
            if refuse {
                return Err(DbError::invalid(format!("refused {n}")));
            }
            Ok(n)
        })
    })
    .await;
    r.map_err(|e| e.to_string())
}

fn grouped_entries(app: &TestApp) -> Vec<String> {
    audit_log::table
        .filter(audit_log::action.eq("test.grouped"))
        .select(audit_log::object_id)
        .order(audit_log::seq)
        .load(&mut *app.conn())
        .unwrap()
}

#[actix_web::test]
async fn writes_queued_together_share_a_commit_and_keep_their_own_outcome() {
    let app = spawn_web_only().await;
    let n = 48;
    let tasks: Vec<_> = (0..n)
        .map(|i| actix_web::rt::spawn(write(app.pool.clone(), i, i % 5 == 0)))
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    for (i, r) in results.iter().enumerate() {
        let i = i as i64;
        if i % 5 == 0 {
            let e = r.as_ref().unwrap_err();
            assert!(e.contains(&format!("refused {i}")), "{e}");
        } else {
            assert_eq!(r.as_ref().unwrap(), &i);
        }
    }
    let mut stored: Vec<i64> = grouped_entries(&app)
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    stored.sort_unstable();
    let expected: Vec<i64> = (0..n).filter(|i| i % 5 != 0).collect();
    assert_eq!(stored, expected, "every accepted write, no refused one");
    // The chain holds across the savepoints rolled back inside a batch.
    let report = zhongjie::audit::verify(&mut app.conn()).unwrap();
    assert!(report.broken.is_none(), "{report:?}");
    let (commits, writes) = app.pool.grouped_commits();
    if is_postgres() {
        // PostgreSQL: ordinary writes, nothing grouped.
        assert_eq!((commits, writes), (0, 0));
    } else {
        assert_eq!(writes, n as u64, "refused writes ran in their batch too");
        assert!(
            commits < writes,
            "{writes} writes in {commits} commits: some shared one"
        );
    }
}

#[actix_web::test]
async fn a_write_that_panics_costs_its_batch_the_commit_and_nothing_later() {
    let app = spawn_web_only().await;
    let r: Result<(), DbError> = zhongjie::db::run_grouped(&app.pool, |c| {
        zhongjie::db::write_tx(c, |c| {
            zhongjie::audit::record(
                c,
                &zhongjie::audit::Actor::system(),
                "test.grouped",
                "group",
                1,
                &1,
                "",
            )?;
            panic!("a bug in a step")
        })
    })
    .await;
    assert!(r.is_err(), "answered with an error, not lost");
    assert!(grouped_entries(&app).is_empty(), "rolled back");
    assert_eq!(write(app.pool.clone(), 2, false).await, Ok(2));
    assert_eq!(grouped_entries(&app), vec!["2".to_string()]);
    let report = zhongjie::audit::verify(&mut app.conn()).unwrap();
    assert!(report.broken.is_none(), "{report:?}");
}
