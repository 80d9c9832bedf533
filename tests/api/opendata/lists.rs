//! On the demo's data, every public list's downloads: the fields the index names, a filter
//! applied, JSON keyset paging with `next`, the cap stated when `limit` is too large, a 400
//! naming the formats, and no full ID number or phone in any of them. Then the index itself.

use diesel::prelude::*;
use serde_json::Value;
use zhongjie::db::schema::{agencies, agency_managers, banned_persons, inspection_tasks, users};
use zhongjie::domain::opendata::{self, Dataset};

use crate::helpers::*;

async fn demo_app() -> TestApp {
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || {
        zhongjie::demo::load(&mut pool.get().unwrap(), &cfg).unwrap();
    })
    .await
    .unwrap();
    app
}

/// The path and query of an absolute URL the app made.
fn local(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/')
        .map_or("/".to_string(), |i| rest[i..].to_string())
}

fn with(path: &str, q: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{q}")
}

async fn json(app: &TestApp, path: &str) -> Value {
    let (s, body) = app.get_text(path).await;
    assert_eq!(s, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().unwrap()
}

/// Every personal number the demo holds (account and contact phones, ID numbers of managers
/// and banned persons).
fn personal_numbers(app: &TestApp) -> Vec<String> {
    let mut c = app.conn();
    let mut v: Vec<String> = users::table.select(users::phone).load(&mut *c).unwrap();
    v.extend(
        agencies::table
            .select(agencies::contact_phone)
            .load::<String>(&mut *c)
            .unwrap(),
    );
    v.extend(
        agency_managers::table
            .select(agency_managers::id_number)
            .load::<String>(&mut *c)
            .unwrap(),
    );
    v.extend(
        banned_persons::table
            .select(banned_persons::id_number)
            .load::<String>(&mut *c)
            .unwrap(),
    );
    v.retain(|s| s.trim().len() >= 7);
    v
}

/// One dataset's checks; returns the bodies downloaded (for the masking check).
async fn check(app: &TestApp, d: &Dataset) -> Vec<String> {
    let mut bodies = Vec::new();
    let path = d.download;
    // JSON: the envelope and every field the index names.
    let v = json(app, &with(path, "format=json")).await;
    assert_eq!(v["max_page_size"], 1000, "{path}");
    assert!(
        v.get("next").is_some() && v.get("page_size").is_some(),
        "{path}"
    );
    let all = items(&v);
    // The demo's contracts are not yet due, so no agency has fulfilment figures.
    assert!(
        !all.is_empty() || d.key == "fulfilment",
        "{path}: the demo has data"
    );
    for f in d.fields.iter().filter(|_| !all.is_empty()) {
        assert!(all[0].get(*f).is_some(), "{path}: field {f} in {}", all[0]);
    }
    bodies.push(v.to_string());
    // Keyset paging: one item a page, the next page goes on without repeating.
    if all.len() > 1 {
        let p1 = json(app, &with(path, "format=json&limit=1")).await;
        assert_eq!(items(&p1).len(), 1, "{path}");
        let next = p1["next"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: next"));
        assert!(next.contains("after="), "{next}");
        let p2 = json(app, &local(next)).await;
        assert_eq!(items(&p2).len(), 1, "{path}");
        assert_ne!(
            items(&p1)[0],
            items(&p2)[0],
            "{path}: page 2 repeats page 1"
        );
        assert_eq!(items(&p2)[0], all[1], "{path}: page 2 is the second item");
    }
    // A limit above the maximum is cut to it, and says so.
    let big = json(app, &with(path, "format=json&limit=5000")).await;
    assert_eq!(big["page_size"], 1000, "{path}");
    assert_eq!(big["capped"], true, "{path}");
    // CSV: BOM, a header line of the fields' titles; with a limit the cap in the headers.
    let r = app.get(&with(path, "format=csv&limit=5000")).await;
    assert_eq!(r.status().as_u16(), 200, "{path}");
    assert_eq!(r.headers()["x-max-page-size"], "1000", "{path}");
    assert_eq!(r.headers()["x-limit-capped"], "true", "{path}");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let r = app.get(&with(path, "format=csv")).await;
    assert_eq!(r.status().as_u16(), 200, "{path}");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{path}: BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.lines().count() > 1 || all.is_empty(), "{path}: {text}");
    bodies.push(text);
    // An unknown format is a 400 naming the formats, in both languages.
    let (s, body) = app.get_text(&with(path, "format=xml&lang=zh-CN")).await;
    assert_eq!(s, 400, "{path}");
    assert!(body.contains("html、csv 或 json"), "{path}: {body}");
    let (s, body) = app.get_text(&with(path, "format=xlsx&lang=en")).await;
    assert_eq!(s, 400, "{path}");
    assert!(body.contains("html, csv or json"), "{path}");
    // A bad limit is a 400 too, never a 500.
    let (s, _) = app.get_text(&with(path, "format=json&limit=-3")).await;
    assert_eq!(s, 400, "{path}");
    bodies
}

/// A filter narrows the download to what it names: `field` of every item equals `value`.
async fn filtered(app: &TestApp, path: &str, query: &str, field: &str, value: &Value) {
    let v = json(app, &with(path, &format!("format=json&{query}"))).await;
    assert!(!items(&v).is_empty(), "{path}?{query}");
    for it in items(&v) {
        assert_eq!(&it[field], value, "{path}?{query}: {it}");
    }
    let (s, csv) = app
        .get_text(&with(path, &format!("format=csv&{query}")))
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        csv.lines().count(),
        items(&v).len() + 1,
        "{path}?{query}: {csv}"
    );
}

#[actix_web::test]
async fn every_public_list_downloads_as_csv_and_json() {
    let app = demo_app().await;
    let numbers = personal_numbers(&app);
    assert!(!numbers.is_empty());
    let mut bodies = Vec::new();
    for d in opendata::ALL
        .iter()
        .filter(|d| d.tabular && d.key != "catalogue")
    {
        bodies.extend(check(&app, d).await);
    }
    // The catalogue keeps its own whole-list downloads; its formats are checked the same way.
    for (f, ok) in [("csv", 200), ("json", 200), ("xml", 400)] {
        let (s, body) = app
            .get_text(&format!("/catalogue?format={f}&lang=zh-CN"))
            .await;
        assert_eq!(s, ok, "{f}");
        if ok == 400 {
            assert!(body.contains("html、csv 或 json"));
        } else {
            bodies.push(body);
        }
    }
    // Each list's own filter applies to its downloads.
    let first = |v: &Value, f: &str| items(v)[0][f].clone();
    let v = json(&app, "/announcements?format=json").await;
    let st = first(&v, "status");
    let q = format!("status={}", st.as_str().unwrap());
    filtered(&app, "/announcements", &q, "status", &st).await;
    let v = json(&app, "/results?format=json").await;
    let mode = first(&v, "mode");
    let q = format!("mode={}", mode.as_str().unwrap());
    filtered(&app, "/results", &q, "mode", &mode).await;
    let v = json(&app, "/credit?format=json").await;
    let last = items(&v).last().unwrap()["grade"].clone();
    let q = format!("grade={}", last.as_str().unwrap());
    filtered(&app, "/credit", &q, "grade", &last).await;
    filtered(
        &app,
        "/blacklist",
        "state=active",
        "state",
        &"active".into(),
    )
    .await;
    filtered(
        &app,
        "/catalogue/changes",
        "kind=add",
        "kind",
        &"add".into(),
    )
    .await;
    filtered(&app, "/exposure", "kind=ban", "kind", &"ban".into()).await;
    let v = json(&app, "/agencies?format=json").await;
    let region = first(&v, "region");
    let q = format!("region={}", region.as_str().unwrap());
    filtered(&app, "/agencies", &q, "region", &region).await;
    let dept: i64 = inspection_tasks::table
        .select(inspection_tasks::department_id)
        .first(&mut *app.conn())
        .unwrap();
    let v = json(&app, &format!("/inspections?format=json&department={dept}")).await;
    let name = first(&v, "department");
    filtered(
        &app,
        "/inspections",
        &format!("department={dept}"),
        "department",
        &name,
    )
    .await;
    // Bad filter values are refused with a message, never a 500.
    for bad in [
        "/inspections?format=json&department=999999",
        "/blacklist?format=csv&state=soon",
        "/catalogue/changes?format=json&kind=x",
        "/results?format=json&mode=lottery",
        "/credit?format=json&after=not-a-cursor",
        "/announcements?format=json&after=abc",
    ] {
        let (s, _) = app.get_text(bad).await;
        assert_eq!(s, 400, "{bad}");
    }
    // `/results` as a page is the list of awarded announcements.
    let r = app.get("/results").await;
    assert_eq!(r.status().as_u16(), 303);
    // No full ID number or phone in any download.
    for b in &bodies {
        for n in &numbers {
            assert!(!b.contains(n.as_str()), "{n} in a download");
        }
    }
}

#[actix_web::test]
async fn the_whole_agency_csv_streams_every_agency() {
    let app = spawn_app().await;
    for i in 0..1203 {
        crate::fixtures::AgencyBuilder::new(&format!("a{i}@t.cn"))
            .name(&format!("测试机构{i:04}"))
            .phone("13812345678")
            .insert(&app)
            .await;
    }
    let r = app.get("/agencies?format=csv").await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["x-page-size"], "all");
    let text = r.text().await.unwrap();
    assert_eq!(
        text.trim_end().lines().count(),
        1204,
        "header and every agency"
    );
    assert!(!text.contains("13812345678"));
    // JSON pages walk the same list.
    let mut path = "/agencies?format=json&limit=500".to_string();
    let mut seen = 0;
    loop {
        let v = json(&app, &path).await;
        seen += items(&v).len();
        match v["next"].as_str() {
            Some(n) => path = local(n),
            None => break,
        }
    }
    assert_eq!(seen, 1203);
}

#[actix_web::test]
async fn the_open_data_index_lists_every_dataset_with_working_links() {
    let app = demo_app().await;
    let (s, html) = app.get_text("/open-data").await;
    assert_eq!(s, 200);
    assert!(html.contains("CC BY 4.0") && html.contains("知识共享署名 4.0 国际许可协议"));
    let (s, en) = app.get_text("/open-data?lang=en").await;
    assert_eq!(s, 200);
    assert!(en.contains("Open data") && en.contains("Creative Commons Attribution 4.0"));
    let (s, home) = app.get_text("/").await;
    assert_eq!(s, 200);
    assert!(
        home.contains("href=\"/open-data\""),
        "linked from the home page"
    );
    let (s, _) = app.get_text("/open-data?format=xml").await;
    assert_eq!(s, 400);
    let v = json(&app, "/open-data?format=json").await;
    assert!(v["licence"].as_str().unwrap().contains("by/4.0"));
    let sets = v["datasets"].as_array().unwrap();
    assert_eq!(sets.len(), opendata::ALL.len());
    for d in opendata::ALL {
        let s = sets.iter().find(|s| s["key"] == d.key).unwrap();
        assert_eq!(s["fields"].as_array().unwrap().len(), d.fields.len());
        assert!(!s["description"].as_str().unwrap().is_empty());
        if d.tabular {
            assert!(s["updated_at"].is_string(), "{}: update time", d.key);
        }
        if d.key.starts_with("ocds") {
            continue; // served by src/ocds after the merge
        }
        for link in ["html", "csv", "json"] {
            let Some(url) = s[link].as_str() else {
                continue;
            };
            let r = app.get(&local(url)).await;
            assert_eq!(r.status().as_u16(), 200, "{} {link}: {url}", d.key);
        }
    }
    // Every dataset is on the page, with its links.
    for d in opendata::ALL {
        assert!(html.contains(&format!("id=\"{}\"", d.key)), "{}", d.key);
    }
}
