//! The demo shows the supervision pages with content: past and current sanctions and a
//! serious deduction on the exposure record, a price signal for the water regulator.

use zhongjie::domain::exposure::Kind;

use crate::accounts::auth::clone_app;
use crate::helpers::*;

#[actix_web::test]
async fn the_demo_fills_the_exposure_record_and_the_signals() {
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || {
        zhongjie::demo::load(&mut pool.get().unwrap(), &cfg).unwrap();
    })
    .await
    .unwrap();
    let (s, json) = app.get_text("/exposure?format=json").await;
    assert_eq!(s, 200);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let entries = v["items"].as_array().unwrap();
    for k in [
        Kind::Blacklist,
        Kind::Ban,
        Kind::Deduction,
        Kind::Complaint,
        Kind::Inspection,
    ] {
        assert!(
            entries.iter().any(|e| e["kind"] == k.code()),
            "{} on the demo's record",
            k.code()
        );
    }
    for kind in ["blacklist", "ban"] {
        for state in ["active", "expired"] {
            assert!(
                entries
                    .iter()
                    .any(|e| e["kind"] == kind && e["state"] == state),
                "a {state} {kind}"
            );
        }
    }
    let water = clone_app(&app);
    assert_eq!(
        water
            .login("shuili@demo.zhongjie.cn", zhongjie::demo::DEMO_PASSWORD)
            .await
            .status()
            .as_u16(),
        303
    );
    let (s, page) = water.get_text("/regulate/signals").await;
    assert_eq!(s, 200);
    assert!(page.contains("低于公示收费下限"), "the demo's price signal");
}
