//! The demo's inspections: one completed task with a problem (and its credit record), one
//! drawn task awaiting results, the pool of 自然资源和规划局; every draw verifies.

use diesel::prelude::*;
use zhongjie::db::schema::{credit_records, inspection_targets, inspection_tasks, inspectors};

use crate::helpers::*;

#[actix_web::test]
async fn the_demo_has_a_completed_and_a_drawn_inspection() {
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || {
        let mut c = pool.get().unwrap();
        zhongjie::demo::load(&mut c, &cfg).unwrap();
    })
    .await
    .unwrap();
    let mut c = app.conn();
    let tasks: Vec<(i64, String)> = inspection_tasks::table
        .order(inspection_tasks::id)
        .select((inspection_tasks::id, inspection_tasks::status))
        .load(&mut *c)
        .unwrap();
    assert_eq!(
        tasks.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(),
        ["completed", "drawn"]
    );
    let pool_size: i64 = inspectors::table.count().get_result(&mut *c).unwrap();
    assert_eq!(pool_size, 3);
    let linked: Vec<Option<i64>> = inspection_targets::table
        .filter(inspection_targets::task_id.eq(tasks[0].0))
        .select(inspection_targets::credit_record_id)
        .load(&mut *c)
        .unwrap();
    let rid = linked
        .iter()
        .flatten()
        .next()
        .copied()
        .expect("a credit record");
    let kind: String = credit_records::table
        .find(rid)
        .select(credit_records::kind)
        .first(&mut *c)
        .unwrap();
    assert_eq!(kind, "inspection_failure");
    drop(c);
    for (id, _) in &tasks {
        let r = app.get(&format!("/inspections/{id}/proof.json")).await;
        assert_eq!(r.status().as_u16(), 200);
        let text = r.text().await.unwrap();
        assert!(zhongjie::cli::verify_inspection_json(&text).is_ok());
    }
    let (s, list) = app.get_text("/inspections").await;
    assert_eq!(s, 200);
    assert!(list.contains("双随机抽查（第一批）"));
}
