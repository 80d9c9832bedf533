//! Every migration applies up, down and up again on the backend under test.

use diesel::prelude::*;

use crate::helpers::*;

#[actix_web::test]
async fn migrations_go_up_down_and_up_again() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(dir.path());
    let _guard = DbGuard { url: url.clone() };
    let pool = zhongjie::db::connect(&url, 2).unwrap();
    let mut c = pool.get().unwrap();
    let up = zhongjie::db::migrate(&mut c).unwrap();
    assert!(!up.is_empty());
    assert!(
        zhongjie::db::migrate(&mut c).unwrap().is_empty(),
        "re-running is a no-op"
    );
    let n = zhongjie::db::revert_all(&mut c).unwrap();
    assert_eq!(n, up.len());
    // Nothing of ours is left.
    let left = zhongjie::db::schema::users::table
        .count()
        .get_result::<i64>(&mut *c);
    assert!(left.is_err(), "users table dropped");
    let again = zhongjie::db::migrate(&mut c).unwrap();
    assert_eq!(again.len(), up.len());
    let users: i64 = zhongjie::db::schema::users::table
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(users, 0);
    let _ = backend_conn(&mut c);
}

#[actix_web::test]
async fn sqlite_runs_with_wal_foreign_keys_and_full_sync() {
    if is_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let pool = zhongjie::db::connect(&url, 2).unwrap();
    let mut c = pool.get().unwrap();
    #[derive(QueryableByName)]
    struct V {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let get = |c: &mut zhongjie::db::DbConnection, pragma: &str| -> String {
        let q = format!("SELECT CAST(({pragma}) AS TEXT) AS v");
        let _ = q;
        match c {
            zhongjie::db::DbConnection::Sqlite(s) => {
                let rows: Vec<V> = diesel::sql_query(format!("SELECT CAST({pragma} AS TEXT) AS v"))
                    .load(s)
                    .unwrap();
                rows[0].v.clone()
            }
            _ => unreachable!(),
        }
    };
    assert_eq!(
        get(&mut c, "(SELECT journal_mode FROM pragma_journal_mode)"),
        "wal"
    );
    assert_eq!(
        get(&mut c, "(SELECT foreign_keys FROM pragma_foreign_keys)"),
        "1"
    );
    assert_eq!(
        get(&mut c, "(SELECT synchronous FROM pragma_synchronous)"),
        "2",
        "FULL"
    );
    assert_ne!(
        get(&mut c, "(SELECT timeout FROM pragma_busy_timeout)"),
        "0"
    );
}
