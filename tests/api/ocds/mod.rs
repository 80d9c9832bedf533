//! OCDS open data (`src/ocds`, `domain::ocds`): the sealed-quote sentinel (no amount in any
//! package before the opening), bad input, and every package of the demo validated against
//! the official OCDS 1.1.5 schemas kept in `tests/data/ocds/1.1.5/`.

use std::collections::{BTreeSet, HashMap};

use diesel::prelude::*;
use serde_json::Value;
use zhongjie::db::schema::{announcements, contract_payments, contracts, settings};
use zhongjie::selection::store::announcement::Announcement;

use crate::fixtures::{AnnouncementBuilder, DeliverableBuilder, EnergyReview};
use crate::helpers::*;
use crate::selection::result::{pass_deadline, quote};

const SCHEMA_BASE: &str = "https://standard.open-contracting.org/schema/1__1__5/";

fn schema_file(name: &str) -> Value {
    let path = format!(
        "{}/tests/data/ocds/1.1.5/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Serves the schemas the packages `$ref` by URL from the local copies: no network.
struct LocalSchemas(HashMap<String, Value>);

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.0
            .get(uri.as_str())
            .cloned()
            .ok_or_else(|| format!("no local copy of {uri}").into())
    }
}

fn validator(file: &str) -> jsonschema::Validator {
    let local = [
        "release-schema.json",
        "versioned-release-validation-schema.json",
    ]
    .iter()
    .map(|f| (format!("{SCHEMA_BASE}{f}"), schema_file(f)))
    .collect();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .with_retriever(LocalSchemas(local))
        .build(&schema_file(file))
        .unwrap()
}

/// The validator's messages for `doc`, each with where it failed.
fn problems(v: &jsonschema::Validator, what: &str, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{what}: {} at {}", e, e.instance_path()))
        .collect()
}

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let r = app.get(path).await;
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    let v = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
    (status, v)
}

/// Any `amount` or `value` key anywhere.
fn has_amount(v: &Value) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| k == "amount" || k == "value" || has_amount(v)),
        Value::Array(a) => a.iter().any(has_amount),
        _ => false,
    }
}

fn ocid_of(app: &TestApp, id: i64) -> String {
    let p = zhongjie::accounts::store::settings::ocid_prefix(&mut app.conn()).unwrap();
    zhongjie::domain::ocds::ocid(&p, id)
}

#[actix_web::test]
async fn before_the_opening_no_package_has_an_amount_and_after_it_they_do() {
    let app = spawn_app().await;
    let w = EnergyReview::with_agencies(3).insert(&app).await;
    let (id, _) = w.announce(&app, "lowest_price");
    quote(&app, id, w.agencies[0].0, "150000.00");
    quote(&app, id, w.agencies[1].0, "120000.50");
    quote(&app, id, w.agencies[2].0, "130000.00");
    let ocid = ocid_of(&app, id);
    let today = zhongjie::domain::publication::china_day(zhongjie::db::now());
    let paths = [
        format!("/announcements/{id}/ocds"),
        format!("/ocds/records/{ocid}"),
        "/open-data/ocds".to_string(),
        format!("/open-data/ocds?since={today}"),
        "/open-data/ocds?limit=1".to_string(),
    ];
    for p in &paths {
        let (status, v) = get_json(&app, p).await;
        assert_eq!(status, 200, "{p}: {v}");
        let text = v.to_string();
        assert!(text.contains(&ocid), "{p} reaches the announcement: {text}");
        assert!(
            !has_amount(&v),
            "{p} has an amount before the opening: {text}"
        );
        // Neither the quotes nor the cap (¥200,000), in any spelling.
        for figure in [
            "150000", "120000", "130000", "200000", "15000000", "20000000",
        ] {
            assert!(!text.contains(figure), "{p} shows {figure}: {text}");
        }
    }
    // After the deadline the package opens the announcement (as its page does), and the
    // cap, the tenderers and the winning quote are published.
    pass_deadline(&app, id);
    let (status, v) = get_json(&app, &format!("/announcements/{id}/ocds")).await;
    assert_eq!(status, 200);
    let tags: Vec<&str> = v["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["tender", "tenderUpdate", "award"], "{v}");
    let opening = &v["releases"][1]["tender"];
    assert_eq!(opening["value"]["amount"].to_string(), "200000.0");
    assert_eq!(opening["value"]["currency"], "CNY");
    assert_eq!(opening["numberOfTenderers"], 3);
    let award = &v["releases"][2]["awards"][0];
    assert_eq!(award["value"]["amount"].to_string(), "120000.5");
    assert_eq!(award["status"], "pending");
    let supplier = award["suppliers"][0]["id"].as_str().unwrap();
    let party = v["releases"][2]["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == supplier)
        .unwrap();
    assert_eq!(party["roles"], serde_json::json!(["tenderer", "supplier"]));
    assert_eq!(party["identifier"]["scheme"], "CN-USCC");
    let v1 = validator("release-package-schema.json");
    let bad = problems(&v1, "package", &v);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[actix_web::test]
async fn bad_input_is_refused_with_the_reason_and_drafts_never_appear() {
    let app = spawn_app().await;
    let w = EnergyReview::with_agencies(1).insert(&app).await;
    let (id, _) = w.announce(&app, "lowest_price");
    let draft = AnnouncementBuilder::new(w.owner_id, w.item)
        .project(w.project)
        .cap(Some(20_000_000))
        .status("draft")
        .insert(&app);
    let tomorrow =
        zhongjie::domain::publication::china_day(zhongjie::db::now()) + chrono::Duration::days(1);
    for (path, status, words) in [
        (
            "/open-data/ocds?since=2026-13-01".to_string(),
            400,
            "YYYY-MM-DD",
        ),
        (
            "/open-data/ocds?since=yesterday".to_string(),
            400,
            "YYYY-MM-DD",
        ),
        (format!("/open-data/ocds?since={tomorrow}"), 400, "今天"),
        ("/open-data/ocds?limit=abc".to_string(), 400, "limit"),
        ("/open-data/ocds?limit=0".to_string(), 400, "limit"),
        ("/open-data/ocds?after=xyz".to_string(), 400, "after"),
        ("/ocds/records/ocds-nothing-1".to_string(), 404, "ocid"),
        (
            format!("/ocds/records/{}", ocid_of(&app, 999_999)),
            404,
            "ocid",
        ),
        ("/announcements/999999/ocds".to_string(), 404, "公告"),
        ("/announcements/abc/ocds".to_string(), 404, "公告"),
        (format!("/announcements/{draft}/ocds"), 404, "公告"),
        (
            format!("/ocds/records/{}", ocid_of(&app, draft)),
            404,
            "ocid",
        ),
    ] {
        let (got, v) = get_json(&app, &path).await;
        assert_eq!(got, status, "{path}: {v}");
        let msg = v["error"].as_str().unwrap_or_default();
        assert!(msg.contains(words), "{path}: {msg}");
    }
    // The public page links its package; a draft has neither.
    let (_, page) = app.get_text(&format!("/announcements/{id}")).await;
    assert!(
        page.contains(&format!("href=\"/announcements/{id}/ocds\"")),
        "{page}"
    );
    let (_, page) = w.owner.get_text(&format!("/announcements/{draft}")).await;
    assert!(!page.contains("/ocds\""), "the draft links no package");
    // English readers get the reason in English.
    let (_, v) = get_json(&app, "/open-data/ocds?since=2026-02-30&lang=en").await;
    assert!(
        v["error"].as_str().unwrap().contains("must be a date"),
        "{v}"
    );
    // The feed never lists the draft; a page size above the maximum is capped and says so.
    let (status, v) = get_json(&app, "/open-data/ocds?limit=100000").await;
    assert_eq!(status, 200);
    let text = v.to_string();
    assert!(text.contains(&ocid_of(&app, id)));
    assert!(
        !text.contains(&format!("\"{}\"", ocid_of(&app, draft))),
        "{text}"
    );
    let max = zhongjie::domain::ocds::FEED_MAX_LIMIT;
    assert_eq!(v["paging"]["limit"], max);
    assert_eq!(v["paging"]["maxLimit"], max);
    assert_eq!(v["paging"]["requestedLimit"], "100000");
    assert!(
        v["paging"]["note"]
            .as_str()
            .unwrap()
            .contains(&max.to_string())
    );
    // The prefix is a setting: a registered one is used as soon as it is stored.
    diesel::insert_into(settings::table)
        .values((
            settings::key.eq("ocds_ocid_prefix"),
            settings::value.eq("ocds-213czf"),
            settings::updated_at.eq(zhongjie::db::now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    let (status, v) = get_json(&app, &format!("/ocds/records/ocds-213czf-{id}")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["records"][0]["ocid"], format!("ocds-213czf-{id}"));
}

/// The demo as `zhongjie demo` loads it.
async fn load_demo(app: &TestApp) {
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || {
        let mut c = pool.get().unwrap();
        zhongjie::demo::load(&mut c, &cfg).unwrap();
    })
    .await
    .unwrap();
}

/// Takes the demo on: an amendment of its open announcement, a cancelled one, and its
/// contract signed, delivered, paid and accepted — so every
/// kind of release is validated.
fn go_further(app: &TestApp) {
    let mut c = app.conn();
    let now = zhongjie::db::now();
    let open: Announcement = announcements::table
        .filter(announcements::status.eq("published"))
        .select(Announcement::as_select())
        .first(&mut *c)
        .unwrap();
    let detail = r#"{"deadline":true,"material":["scope","cap"],"other":["witness"],"version":2}"#;
    zhongjie::audit::record(
        &mut c,
        &zhongjie::audit::Actor::system(),
        "announcement.change",
        "announcement",
        open.id,
        &serde_json::json!({}),
        detail,
    )
    .unwrap();
    drop(c);
    let cancelled = AnnouncementBuilder::new(open.owner_id, open.item_id)
        .project(open.project_id)
        .cap(Some(5_000_000))
        .insert(app);
    let mut c = app.conn();
    diesel::update(announcements::table.find(cancelled))
        .set((
            announcements::status.eq("cancelled"),
            announcements::cancelled_at.eq(Some(now)),
            announcements::cancel_reason.eq(Some("项目调整，不再委托")),
        ))
        .execute(&mut *c)
        .unwrap();
    let (k, agency): (i64, i64) = contracts::table
        .select((contracts::id, contracts::agency_id))
        .first(&mut *c)
        .unwrap();
    diesel::update(contracts::table.find(k))
        .set((
            contracts::status.eq("accepted"),
            contracts::signed_at.eq(Some(now - chrono::Duration::days(5))),
            contracts::accepted_at.eq(Some(now)),
        ))
        .execute(&mut *c)
        .unwrap();
    diesel::insert_into(contract_payments::table)
        .values((
            contract_payments::contract_id.eq(k),
            contract_payments::paid_on.eq(zhongjie::db::today()),
            contract_payments::amount_fen.eq(1_234_567i64),
            contract_payments::recorded_by.eq(open.owner_id),
            contract_payments::created_at.eq(now),
        ))
        .execute(&mut *c)
        .unwrap();
    drop(c);
    DeliverableBuilder::new(k, agency, "报告书终稿")
        .decided("accepted", "")
        .insert(app);
}

#[actix_web::test]
async fn every_package_of_the_demo_validates_against_the_ocds_schemas() {
    let app = spawn_app().await;
    load_demo(&app).await;
    go_further(&app);
    let releases = validator("release-package-schema.json");
    let records = validator("record-package-schema.json");
    let ids: Vec<i64> = announcements::table
        .filter(announcements::status.ne("draft"))
        .order(announcements::id)
        .select(announcements::id)
        .load(&mut *app.conn())
        .unwrap();
    assert!(ids.len() >= 3, "the demo has {} announcements", ids.len());
    let mut bad = Vec::new();
    let mut all_ids = BTreeSet::new();
    let mut tags = BTreeSet::new();
    for id in &ids {
        let path = format!("/announcements/{id}/ocds");
        let (status, v) = get_json(&app, &path).await;
        assert_eq!(status, 200, "{path}: {v}");
        bad.extend(problems(&releases, &path, &v));
        for r in v["releases"].as_array().unwrap() {
            assert!(all_ids.insert(r["id"].as_str().unwrap().to_string()), "{r}");
            tags.insert(r["tag"][0].as_str().unwrap().to_string());
        }
        let path = format!("/ocds/records/{}", ocid_of(&app, *id));
        let (status, v) = get_json(&app, &path).await;
        assert_eq!(status, 200, "{path}: {v}");
        bad.extend(problems(&records, &path, &v));
    }
    // The feed, page by page: every release once, each page valid.
    let mut next = Some("/open-data/ocds?limit=7".to_string());
    let mut fed = BTreeSet::new();
    let mut pages = 0;
    while let Some(path) = next.take() {
        let (status, v) = get_json(&app, &path).await;
        assert_eq!(status, 200, "{path}: {v}");
        bad.extend(problems(&releases, &path, &v));
        for r in v["releases"].as_array().unwrap() {
            assert!(fed.insert(r["id"].as_str().unwrap().to_string()), "{r}");
        }
        next = v["links"]["next"]
            .as_str()
            .and_then(|u| u.find("/open-data").map(|i| u[i..].to_string()));
        pages += 1;
        assert!(pages < 1000);
    }
    assert_eq!(fed, all_ids, "the feed gives every release once");
    assert!(pages > 1, "the demo's feed takes several pages of 7");
    let (_, v) = get_json(&app, "/open-data/ocds?since=2000-01-01&limit=500").await;
    bad.extend(problems(&releases, "since=2000-01-01", &v));
    eprintln!(
        "{} announcements, {} releases, tags {tags:?}",
        ids.len(),
        all_ids.len()
    );
    // The contract's record compiles to its current state.
    let k_ann: i64 = contracts::table
        .select(contracts::announcement_id)
        .first(&mut *app.conn())
        .unwrap();
    let (_, rec) = get_json(&app, &format!("/ocds/records/{}", ocid_of(&app, k_ann))).await;
    let compiled = &rec["records"][0]["compiledRelease"];
    let k = &compiled["contracts"][0];
    assert_eq!(k["status"], "terminated", "{compiled}");
    let paid = &k["implementation"]["transactions"][0]["value"]["amount"];
    assert_eq!(paid.to_string(), "12345.67");
    let milestones = k["implementation"]["milestones"].as_array().unwrap();
    assert_eq!(milestones.len(), 2, "the deliverable and the acceptance");
    assert_eq!(compiled["awards"][0]["status"], "active");
    assert_eq!(compiled["tag"], serde_json::json!(["compiled"]));
    // The validator does look: a release without its ocid and an unknown currency fail.
    let (_, mut broken) = get_json(&app, &format!("/announcements/{}/ocds", ids[0])).await;
    broken["releases"][0]
        .as_object_mut()
        .unwrap()
        .remove("ocid");
    broken["releases"][0]["tender"]["value"] = serde_json::json!({"amount": 1, "currency": "XYZ"});
    let found = problems(&releases, "broken", &broken);
    assert!(
        found.iter().any(|p| p.contains("ocid")) && found.iter().any(|p| p.contains("XYZ")),
        "{found:?}"
    );
    for t in [
        "tender",
        "tenderAmendment",
        "tenderCancellation",
        "tenderUpdate",
        "award",
        "contract",
        "implementation",
    ] {
        assert!(
            tags.contains(t),
            "the demo publishes a {t} release: {tags:?}"
        );
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[actix_web::test]
async fn the_admin_sets_the_ocid_prefix_and_a_bad_one_is_refused_beside_the_field() {
    let app = spawn_app().await;
    app.signed_in(zhongjie::auth::Role::Admin, "admin@example.com")
        .await;
    let (_, page) = app.get_text("/admin/settings").await;
    assert!(
        page.contains("value=\"ocds-unregistered\""),
        "the placeholder is shown"
    );
    let defaults: Vec<(String, String)> = zhongjie::accounts::store::settings::KNOWN
        .iter()
        .map(|(k, d, _, _)| (k.to_string(), d.to_string()))
        .collect();
    let form = |prefix: &'static str| {
        let mut f: Vec<(String, String)> = defaults.clone();
        f.push(("ocds_ocid_prefix".into(), prefix.into()));
        f
    };
    for bad in ["OCDS-ABC", "ocds-", "213czf", "ocds-a b"] {
        let f = form(bad);
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = app.post("/admin/settings", &pairs).await;
        assert_eq!(r.status().as_u16(), 422, "{bad}");
        let body = r.text().await.unwrap();
        assert!(body.contains("前缀应以 ocds- 开头"), "{bad}: {body}");
    }
    let f = form(" ocds-213czf ");
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app.post("/admin/settings", &pairs).await;
    assert_eq!(r.status().as_u16(), 303);
    let p = zhongjie::accounts::store::settings::ocid_prefix(&mut app.conn()).unwrap();
    assert_eq!(p, "ocds-213czf");
}
