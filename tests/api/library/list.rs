//! The public agency library: filters, the two-character search, keyset pages, downloads,
//! masking on the agency page, and the 400/404 answers.
//! Fixtures write grades by hand, so these tests run an instance without the credit job
//! (which would otherwise grade the "ungraded" agencies from their records).

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::agencies;
use zhongjie::domain::workdays::china_date as today_in_china;

use crate::fixtures::{AgencyBuilder, CertificateBuilder, ItemBuilder, OfferBuilder, department};
use crate::helpers::{TestApp, spawn_web_only};

fn today() -> NaiveDate {
    today_in_china(Utc::now())
}

struct Spec<'a> {
    name: &'a str,
    region: &'a str,
    grade: Option<&'a str>,
    status: &'a str,
}

async fn agency(app: &TestApp, email: &str, s: Spec<'_>) -> i64 {
    AgencyBuilder::new(email)
        .name(s.name)
        .region(s.region)
        .grade(s.grade)
        .status(s.status)
        .indexed()
        .insert(app)
        .await
}

fn offer(app: &TestApp, agency: i64, item: i64, fee_min_fen: Option<i64>) {
    OfferBuilder::new(item)
        .fee(fee_min_fen, fee_min_fen.map(|f| f * 2))
        .insert(app, agency);
}

fn certify(app: &TestApp, agency: i64, qual: &str, level: i32, to: NaiveDate, status: &str) {
    CertificateBuilder::new(qual, level)
        .issuer("自然资源部")
        .valid(today() - Duration::days(400), to)
        .status(status)
        .insert(app, agency);
}

/// Names in a JSON download of `query`.
async fn names(app: &TestApp, query: &str) -> BTreeSet<String> {
    let sep = if query.is_empty() { "" } else { "&" };
    let (status, body) = app
        .get_text(&format!("/agencies?format=json{sep}{query}"))
        .await;
    assert_eq!(status, 200, "{query}: {body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The library the filter tests search: three items of the ecology bureau, and five agencies
/// (E suspended) whose regions, grades, offers and certificates each filter tells apart.
struct Library {
    dept: i64,
    env_item: i64,
}

const A: &str = "攀枝花环评科技有限公司";
const B: &str = "云南地矿测绘有限公司";
const C: &str = "北京正诚造价咨询有限公司";
const D: &str = "重庆渝水环保服务有限公司";
const E: &str = "停业环评技术有限公司";

async fn library(app: &TestApp) -> Library {
    let dept = department(app, "sthjj", "攀枝花市生态环境局", "Ecology");
    let item = |code, name, keywords, industry| {
        ItemBuilder::new(code, name)
            .keywords(keywords)
            .industry(industry)
            .recorded()
            .insert(app, dept)
    };
    let env = item(
        "ENV-001",
        "建设项目环境影响报告书（表）编制",
        "环评,环境影响评价",
        "env",
    );
    let sur = item("LAND-001", "建设工程规划放线测量", "测量", "land");
    let cst = item("CON-001", "工程造价咨询", "预算,结算", "construction");
    let tomorrow = today() + Duration::days(1);
    let next_year = today() + Duration::days(365);
    let agency = |email, name, region| {
        AgencyBuilder::new(email)
            .name(name)
            .region(region)
            .grade(None)
            .status("active")
            .indexed()
    };
    let offer = |item, fee_min_fen: i64| {
        OfferBuilder::new(item).fee(Some(fee_min_fen), Some(fee_min_fen * 2))
    };
    let cert = |qual, level, to| {
        CertificateBuilder::new(qual, level)
            .issuer("自然资源部")
            .valid(today() - Duration::days(400), to)
    };
    // A pending certificate never counts.
    agency("a@t.cn", A, "pzh_dongqu")
        .offer(offer(env, 500_000))
        .certificate(cert("surveying_mapping", 1, next_year).status("pending"))
        .certificate(cert("geo_hazard", 2, tomorrow))
        .insert(app)
        .await;
    agency("b@t.cn", B, "yunnan")
        .offer(offer(sur, 2_000_000))
        .certificate(cert("surveying_mapping", 1, next_year))
        .insert(app)
        .await;
    agency("c@t.cn", C, "beijing")
        .grade(Some("A"))
        .offer(offer(cst, 100_000))
        .certificate(cert("surveying_mapping", 3, next_year))
        .insert(app)
        .await;
    // Expires today: no longer counts.
    agency("d@t.cn", D, "chongqing")
        .offer(offer(env, 900_000))
        .certificate(cert("surveying_mapping", 1, today()))
        .insert(app)
        .await;
    agency("e@t.cn", E, "pzh_dongqu")
        .status("suspended")
        .offer(offer(env, 100))
        .insert(app)
        .await;
    Library {
        dept,
        env_item: env,
    }
}

#[actix_web::test]
async fn library_filters_each_narrow_the_list() {
    let app = spawn_web_only().await;
    library(&app).await;
    assert_eq!(names(&app, "").await, set(&[A, B, C, D]), "active only");
    assert_eq!(names(&app, "region=pzh_dongqu").await, set(&[A]));
    assert_eq!(names(&app, "item=ENV-001").await, set(&[A, D]));
    assert_eq!(names(&app, "industry=land").await, set(&[B]));
    assert_eq!(names(&app, "industry=market").await, set(&[]));
    assert_eq!(names(&app, "qual=surveying_mapping").await, set(&[B, C]));
    assert_eq!(
        names(&app, "qual=surveying_mapping&level=2").await,
        set(&[B]),
        "丙级 does not meet 乙级"
    );
    assert_eq!(names(&app, "qual=geo_hazard&level=2").await, set(&[A]));
    assert_eq!(names(&app, "grade=A").await, set(&[C]));
    assert_eq!(names(&app, "grade=none").await, set(&[A, B, D]));
    assert_eq!(names(&app, "max_fee=5000").await, set(&[A, C]));
    assert_eq!(names(&app, "max_fee=5000&item=ENV-001").await, set(&[A]));
    assert_eq!(
        names(&app, "region=pzh_dongqu&qual=surveying_mapping").await,
        set(&[]),
        "filters combine"
    );
    // Default order: graded first, then by name; the page says 暂无评价 for the others.
    let (s, html) = app.get_text("/agencies").await;
    assert_eq!(s, 200);
    let pos = |n: &str| html.find(n).unwrap();
    assert!(pos(C) < pos(A) && pos(C) < pos(B) && pos(C) < pos(D));
    assert!(html.contains("暂无评价"));
    assert!(!html.contains(E), "suspended agencies are not listed");
    assert!(html.contains("攀枝花市东区") && html.contains("建设项目环境影响报告书（表）编制"));
    assert!(html.contains("测绘资质（甲级）"), "qualification summary");
}

#[actix_web::test]
async fn library_two_character_search_finds_names_and_offered_items() {
    let app = spawn_web_only().await;
    let w = library(&app).await;
    // A by name, D because it offers an item whose keywords contain 环评; E is suspended.
    assert_eq!(names(&app, "q=环评").await, set(&[A, D]));
    assert_eq!(names(&app, "q=测绘").await, set(&[B]));
    assert_eq!(names(&app, "q=预算").await, set(&[C]), "item keyword");
    assert_eq!(names(&app, "q=环评科技").await, set(&[A]), "longer query");
    assert_eq!(
        names(&app, "q=科技环评").await,
        set(&[]),
        "all pairs, in order"
    );
    assert_eq!(names(&app, "q=环评&region=chongqing").await, set(&[D]));
    let (s, html) = app.get_text("/agencies?q=%E7%8E%AF%E8%AF%84").await;
    assert_eq!(s, 200);
    assert!(html.contains(A) && html.contains(D) && !html.contains(B));
    assert!(w.env_item > 0);
}

/// `/agencies/{id}` links and the `rel=` link of a page, in order.
fn ids_and_link(html: &str, rel: &str) -> (Vec<i64>, Option<String>) {
    let mut ids = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("href=\"/agencies/") {
        rest = &rest[i + 16..];
        let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = n.parse() {
            ids.push(n);
        }
    }
    let marker = format!("rel=\"{rel}\" href=\"");
    let link = html.find(&marker).map(|i| {
        let s = &html[i + marker.len()..];
        s[..s.find('"').unwrap()]
            .replace("&amp;", "&")
            .replace("&#38;", "&")
    });
    (ids, link)
}

#[actix_web::test]
async fn library_keyset_pages_return_every_agency_once_in_order() {
    let app = spawn_web_only().await;
    let mut expected = Vec::new();
    for i in 0..47 {
        let grade = match i % 5 {
            0 => Some("B"),
            1 => Some("A"),
            _ => None,
        };
        let name = format!("测试咨询机构{:03}", (i * 37) % 100);
        let id = agency(
            &app,
            &format!("p{i}@t.cn"),
            Spec {
                name: &name,
                region: "pzh_xiqu",
                grade,
                status: "active",
            },
        )
        .await;
        expected.push((grade.unwrap_or("Z").to_string(), name, id));
    }
    for (sort, mut order) in [
        ("grade", expected.clone()),
        ("name", expected.clone()),
        ("newest", expected.clone()),
    ] {
        match sort {
            "grade" => order.sort(),
            "name" => order.sort_by(|a, b| (&a.1, a.2).cmp(&(&b.1, b.2))),
            _ => order.sort_by_key(|x| std::cmp::Reverse(x.2)),
        }
        let want: Vec<i64> = order.iter().map(|x| x.2).collect();
        let mut seen = Vec::new();
        let mut pages = Vec::new();
        let mut url = Some(format!("/agencies?region=pzh_xiqu&sort={sort}"));
        while let Some(u) = url {
            assert!(pages.len() < 10, "pagination does not end");
            let (s, html) = app.get_text(&u).await;
            assert_eq!(s, 200, "{u}");
            assert!(!u.contains("offset"));
            let (ids, next) = ids_and_link(&html, "next");
            assert!(ids.len() <= 20);
            pages.push(ids.clone());
            seen.extend(ids);
            url = next;
        }
        assert_eq!(seen, want, "sort {sort}: every agency once, in order");
        assert_eq!(pages.len(), 3);
        // Back from the last page with "上一页" gives the same pages.
        let last_url = {
            let mut u = format!("/agencies?region=pzh_xiqu&sort={sort}");
            for _ in 0..2 {
                let (_, html) = app.get_text(&u).await;
                u = ids_and_link(&html, "next").1.unwrap();
            }
            u
        };
        let (_, html) = app.get_text(&last_url).await;
        let prev = ids_and_link(&html, "prev").1.expect("a previous page");
        let (_, html) = app.get_text(&prev).await;
        assert_eq!(ids_and_link(&html, "next").0, pages[1], "sort {sort}: back");
        let prev = ids_and_link(&html, "prev").1.expect("the first page");
        let (_, html) = app.get_text(&prev).await;
        assert_eq!(ids_and_link(&html, "next").0, pages[0]);
        assert!(
            ids_and_link(&html, "prev").1.is_none(),
            "nothing before the first"
        );
    }
}

#[actix_web::test]
async fn library_expired_certificate_does_not_meet_the_qualification_filter() {
    let app = spawn_web_only().await;
    let sp = |name| Spec {
        name,
        region: "pzh_renhe",
        grade: None,
        status: "active",
    };
    let expired = agency(&app, "x1@t.cn", sp("过期测绘院")).await;
    let last_day = agency(&app, "x2@t.cn", sp("今天到期测绘院")).await;
    let valid = agency(&app, "x3@t.cn", sp("有效测绘院")).await;
    let rejected = agency(&app, "x4@t.cn", sp("驳回测绘院")).await;
    certify(
        &app,
        expired,
        "surveying_mapping",
        1,
        today() - Duration::days(3),
        "approved",
    );
    certify(&app, last_day, "surveying_mapping", 1, today(), "approved");
    certify(
        &app,
        valid,
        "surveying_mapping",
        1,
        today() + Duration::days(1),
        "approved",
    );
    CertificateBuilder::new("surveying_mapping", 1)
        .number("R-1")
        .issuer("x")
        .valid(today() - Duration::days(3), today() + Duration::days(300))
        .rejected("不清晰")
        .insert(&app, rejected);
    assert_eq!(
        names(&app, "qual=surveying_mapping&level=1").await,
        set(&["有效测绘院"])
    );
    // The agency page still shows the expired one, marked 已过期.
    let (_, html) = app.get_text(&format!("/agencies/{expired}")).await;
    assert!(html.contains("已过期"), "{html}");
}

#[actix_web::test]
async fn library_unknown_filter_values_are_400_with_a_message() {
    let app = spawn_web_only().await;
    library(&app).await;
    for (q, msg) in [
        ("region=atlantis", "没有这个地区"),
        ("item=NOPE-404", "没有这个服务事项"),
        ("industry=mining", "没有这个行业"),
        ("qual=surveying_mapping&level=9", "资质等级有误"),
        ("level=1", "资质等级有误"),
        ("grade=E", "信用等级只能是"),
        ("max_fee=abc", "收费金额有误"),
        ("sort=random", "没有这种排序方式"),
        ("after=zz-not-a-cursor", "翻页链接已失效"),
        ("format=xml", "下载格式只能是 html、csv 或 json"),
    ] {
        let (s, body) = app.get_text(&format!("/agencies?{q}")).await;
        assert_eq!(s, 400, "{q}");
        assert!(body.contains(msg), "{q}: {body}");
    }
    let (s, body) = app.get_text("/agencies?region=atlantis&lang=en").await;
    assert_eq!(s, 400);
    assert!(body.contains("There is no such region"), "{body}");
    // A cursor made for another sort is refused too.
    let (_, html) = app.get_text("/agencies?sort=name").await;
    assert!(ids_and_link(&html, "next").1.is_none());
}

#[actix_web::test]
async fn library_agency_page_masks_id_and_phone_but_shows_uscc() {
    let app = spawn_web_only().await;
    let w = library(&app).await;
    let id = agency(
        &app,
        "m@t.cn",
        Spec {
            name: "四川蜀环环境科技有限公司",
            region: "sichuan",
            grade: None,
            status: "active",
        },
    )
    .await;
    let full_id = "510104199001011234";
    let phone = "13812345678";
    AgencyBuilder::new("m@t.cn")
        .phone(phone)
        .legal_rep("黄海涛")
        .address("成都市武侯区人民南路四段1号")
        .manager("黄海涛", full_id, "总经理")
        .practitioner("李工", "环境影响评价工程师", "HP00012345")
        .insert_for(&app, id);
    offer(&app, id, w.env_item, Some(300_000));
    let uscc: String = agencies::table
        .find(id)
        .select(agencies::uscc)
        .first(&mut *app.conn())
        .unwrap();
    let (s, html) = app.get_text(&format!("/agencies/{id}")).await;
    assert_eq!(s, 200);
    assert!(html.contains(&uscc), "USCC is public");
    assert!(!html.contains(full_id), "full ID number leaked");
    assert!(!html.contains(phone), "full phone leaked");
    assert!(html.contains("5101**********1234"));
    assert!(html.contains("138****5678"));
    assert!(html.contains("HP00012345") && html.contains("环境影响评价工程师"));
    assert!(html.contains("建设项目环境影响报告书（表）编制") && html.contains("3,000.00"));
    assert!(html.contains("暂无评价"));
    // The downloads carry no personal numbers either.
    let (_, csv) = app.get_text("/agencies?format=csv").await;
    assert!(!csv.contains(full_id) && !csv.contains(phone));
}

#[actix_web::test]
async fn library_csv_and_json_downloads_honor_filters() {
    let app = spawn_web_only().await;
    library(&app).await;
    let r = app.get("/agencies?format=csv&item=ENV-001").await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(r.headers()["x-max-page-size"], "1000");
    assert_eq!(
        r.headers()["x-page-size"],
        "all",
        "the whole list, streamed"
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "机构名称,统一社会信用代码,地区,服务事项,有效资质,信用等级,限制情况,详情链接"
    );
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1..].iter().any(|l| l.starts_with(A)));
    assert!(lines[1..].iter().any(|l| l.starts_with(D)));
    assert!(text.contains("暂无评价"));

    let r = app.get("/agencies?format=json&region=beijing").await;
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    let arr = v["items"].as_array().unwrap();
    assert_eq!(arr.len(), 1);
    assert!(v["next"].is_null());
    let a = &arr[0];
    assert_eq!(a["name"], C);
    assert_eq!(a["region"], "beijing");
    assert_eq!(a["grade"], "A");
    assert_eq!(a["items"][0]["code"], "CON-001");
    assert_eq!(a["qualifications"][0]["type"], "surveying_mapping");
    assert_eq!(a["qualifications"][0]["level"], 3);
    assert!(a["url"].as_str().unwrap().contains("/agencies/"));
    assert_eq!(a["uscc"].as_str().unwrap().len(), 18);
    // English headers in English.
    let (_, csv) = app.get_text("/agencies?format=csv&lang=en").await;
    assert!(csv.contains("Agency,Unified social credit code,Region"));
}

#[actix_web::test]
async fn library_unknown_or_non_agency_id_is_404() {
    let app = spawn_web_only().await;
    let owner = app.create_user(Role::Owner, "o@t.cn").await;
    for p in [
        "/agencies/999999".to_string(),
        format!("/agencies/{owner}"),
        "/agencies/abc".to_string(),
    ] {
        let (s, _) = app.get_text(&p).await;
        assert_eq!(s, 404, "{p}");
    }
}

#[actix_web::test]
async fn library_marks_grade_a_agencies_as_red_list() {
    let app = spawn_web_only().await;
    library(&app).await;
    let (_, html) = app.get_text("/agencies").await;
    let row = |name: &str| {
        let from = html.find(name).unwrap();
        let to = from + html[from..].find("</tr>").unwrap();
        html[from..to].to_string()
    };
    assert!(row(C).contains("守信"), "grade A is on the red list");
    assert!(!row(A).contains("守信") && !row(B).contains("守信"));
    let at = html.find(C).unwrap();
    let href = html[..at].rfind("href=\"/agencies/").unwrap() + "href=\"/agencies/".len();
    let id: String = html[href..at]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let (s, page) = app.get_text(&format!("/agencies/{id}")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("守信"),
        "the agency page shows the red list too"
    );
    let (_, en) = app.get_text("/agencies?lang=en").await;
    assert!(en.contains("Red list"));
}

#[actix_web::test]
async fn library_pages_for_visitors_are_cached_until_an_audited_change() {
    let app = spawn_web_only().await;
    library(&app).await;
    let (_, first) = app.get_text("/agencies?q=环评").await;
    let (_, again) = app.get_text("/agencies?q=环评").await;
    assert_eq!(first, again, "a cache hit is the same page");
    assert!(first.contains("攀枝花环评科技有限公司"));
    // A change made without the trail stays invisible to the cached page…
    let mut c = app.conn();
    diesel::update(agencies::table)
        .set(agencies::name.eq(agencies::name.concat("（已更名）")))
        .execute(&mut c)
        .unwrap();
    drop(c);
    let (_, cached) = app.get_text("/agencies?q=环评").await;
    assert!(!cached.contains("（已更名）"), "served from the cache");
    // …and shows on the next request once the change is audited, as every real change is.
    app.audit_a_change("agency", 0);
    let (_, fresh) = app.get_text("/agencies?q=环评").await;
    assert!(
        fresh.contains("（已更名）"),
        "re-rendered after the audited change"
    );
}

/// Issue 17: a signed-in user's list is the visitors' content (kept under the same audit
/// stamp) in the user's own layout; it follows an audited change as the visitor's does, and
/// the visitor's cached page never carries the user's layout.
#[actix_web::test]
async fn signed_in_users_share_the_kept_content_in_their_own_layout() {
    let app = spawn_web_only().await;
    library(&app).await;
    // Signing in is audited: done first, so the stamp holds from here on.
    app.signed_in(Role::Owner, "shared-owner@example.com").await;
    let (visitor, _) = app.new_client();
    let get = |c: &reqwest::Client, path: &str| {
        let url = app.url(path);
        let c = c.clone();
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let first = get(&visitor, "/agencies?q=环评").await;
    assert!(first.contains("攀枝花环评科技有限公司"));
    assert!(!first.contains("action=\"/logout\""));
    // Renamed without an audit entry: only a page rendered afresh could show it.
    let mut c = app.conn();
    diesel::update(agencies::table)
        .set(agencies::name.eq(agencies::name.concat("（已更名）")))
        .execute(&mut c)
        .unwrap();
    drop(c);
    let (s, mine) = app.get_text("/agencies?q=环评").await;
    assert_eq!(s, 200);
    assert!(
        mine.contains("action=\"/logout\""),
        "the owner's own layout"
    );
    assert!(mine.contains("攀枝花环评科技有限公司"));
    assert!(
        !mine.contains("（已更名）"),
        "the content kept under the stamp, not read again"
    );
    let theirs = get(&visitor, "/agencies?q=环评").await;
    assert_eq!(
        theirs, first,
        "the visitor's page is untouched by the owner's visit"
    );
    app.audit_a_change("agency", 0);
    let (_, fresh) = app.get_text("/agencies?q=环评").await;
    assert!(
        fresh.contains("（已更名）"),
        "read again after the audited change"
    );
    assert!(fresh.contains("action=\"/logout\""));
    let (_, en) = app.get_text("/agencies?q=环评&lang=en").await;
    assert!(en.contains("Sign out"), "English content is kept apart");
    assert!(en.contains("Agency library"));
}

#[actix_web::test]
async fn library_filter_choices_follow_a_catalogue_change_at_once() {
    let app = spawn_web_only().await;
    let w = library(&app).await;
    let (_, html) = app.get_text("/agencies").await;
    assert!(html.contains("工程造价咨询（CON-001）"));
    assert!(!html.contains("WAT-001"));
    // The catalogue is cached per process; the next request must still see the new item.
    ItemBuilder::new("WAT-001", "水土保持方案编制")
        .keywords("水保")
        .industry("water")
        .recorded()
        .insert(&app, w.dept);
    let (_, html) = app.get_text("/agencies").await;
    assert!(html.contains("水土保持方案编制（WAT-001）"));
    let (s, _) = app.get_text("/agencies?item=WAT-001").await;
    assert_eq!(s, 200, "and it is accepted as a filter");
}
