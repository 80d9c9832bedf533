//! Links and buttons come from the policy: signed in as each demo role (and as a visitor), a
//! crawl of the demo follows every same-site link and GET form it is shown, and none answers
//! 403 (a link the policy would refuse), 404 (a dead link) or 5xx. Bounded: a few pages per
//! kind of address, a cap per role; downloads (CSV, JSON, files) are not fetched.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::accounts::auth::clone_app;
use crate::helpers::*;

/// Pages fetched per role at most.
const MAX_PAGES: usize = 250;
/// Addresses of the same shape (digits replaced) fetched per role at most.
const PER_SHAPE: usize = 4;

/// Same-site addresses in a page: `<a href>` and the actions of GET forms.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in html.split("<a ").skip(1) {
        let tag = format!(" {}", part.split('>').next().unwrap_or_default());
        if let Some(h) = attr(&tag, "href") {
            out.push(h);
        }
    }
    for part in html.split("<form").skip(1) {
        let tag = part.split('>').next().unwrap_or_default();
        let method = attr(tag, "method").unwrap_or_default().to_ascii_lowercase();
        if (method.is_empty() || method == "get")
            && let Some(a) = attr(tag, "action")
        {
            out.push(a);
        }
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let v = &tag[i..i + tag[i..].find('"')?];
    Some(v.replace("&amp;", "&"))
}

/// Whether the crawl follows an address: same site, a page (not a download, not the
/// language switch, which would change the account's language).
fn followable(href: &str) -> Option<String> {
    let href = href.split('#').next().unwrap_or_default();
    if !href.starts_with('/') || href.starts_with("//") || href.starts_with("/static/") {
        return None;
    }
    let path = href.split('?').next().unwrap_or_default();
    let query = href.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let download = [
        ".csv",
        ".json",
        "/file",
        "/scan",
        "/evidence",
        "/document",
        "/print",
    ]
    .iter()
    .any(|s| path.ends_with(s))
        || query.contains("format=");
    if download || query.contains("lang=") || path == "/logout" {
        return None;
    }
    Some(href.to_string())
}

/// The shape of an address: digits replaced, so `/announcements/3` and `/announcements/7`
/// count as one kind of page.
fn shape(href: &str) -> String {
    let path = href.split('?').next().unwrap_or_default();
    let mut s = String::new();
    let mut in_digits = false;
    for ch in path.chars() {
        if ch.is_ascii_digit() {
            if !in_digits {
                s.push('#');
            }
            in_digits = true;
        } else {
            in_digits = false;
            s.push(ch);
        }
    }
    if href.contains('?') {
        let keys: Vec<&str> = href
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or_default()
            .split('&')
            .map(|kv| kv.split('=').next().unwrap_or_default())
            .collect();
        s.push('?');
        s.push_str(&keys.join("&"));
    }
    s
}

/// Crawls from `start` as `who`; returns (pages fetched, bad links as "status href ← from").
async fn crawl(who: &TestApp, start: &[&str]) -> (usize, Vec<String>) {
    let mut queue: VecDeque<(String, String)> = start
        .iter()
        .map(|s| (s.to_string(), "(start)".to_string()))
        .collect();
    let mut seen: HashSet<String> = queue.iter().map(|(h, _)| h.clone()).collect();
    let mut shapes: HashMap<String, usize> = HashMap::new();
    let (mut fetched, mut bad) = (0, Vec::new());
    while let Some((href, from)) = queue.pop_front() {
        if fetched >= MAX_PAGES {
            break;
        }
        let n = shapes.entry(shape(&href)).or_default();
        if *n >= PER_SHAPE {
            continue;
        }
        *n += 1;
        fetched += 1;
        let r = who.get(&href).await;
        let status = r.status().as_u16();
        if status == 403 || status == 404 || status >= 500 {
            bad.push(format!("{status} {href} ← {from}"));
            continue;
        }
        if status != 200 {
            // A redirect (a stale address, or a page that needs a sign-in the visitor lacks):
            // not followed, but a signed-in user is never sent to the login page.
            let to = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            if to.starts_with("/login") && start.contains(&"/my") {
                bad.push(format!("{status} {href} → {to} ← {from}"));
            }
            continue;
        }
        let is_html = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if !is_html {
            continue;
        }
        let body = r.text().await.unwrap_or_default();
        for l in links(&body) {
            if let Some(next) = followable(&l)
                && seen.insert(next.clone())
            {
                queue.push_back((next, href.clone()));
            }
        }
    }
    (fetched, bad)
}

/// The demo as `zhongjie demo` loads it: accounts, libraries, credit, contracts texts, and
/// its announcements (sealed with this app's key), one open, one in publicity, one awarded
/// with its contract draft.
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

#[actix_web::test]
async fn crawl_every_role_finds_no_forbidden_or_dead_link() {
    let app = spawn_app().await;
    load_demo(&app).await;
    let mut report = Vec::new();
    let visitor = clone_app(&app);
    let (n, bad) = crawl(&visitor, &["/"]).await;
    eprintln!("visitor: {n} pages");
    assert!(n > 20, "the visitor's crawl reached {n} pages");
    report.extend(bad.into_iter().map(|b| format!("visitor: {b}")));
    for email in [
        "owner@demo.zhongjie.cn",
        "owner2@demo.zhongjie.cn",
        "agency@demo.zhongjie.cn",
        "huanbao@demo.zhongjie.cn",
        "admin@demo.zhongjie.cn",
    ] {
        let who = clone_app(&app);
        let r = who.login(email, zhongjie::demo::DEMO_PASSWORD).await;
        assert_eq!(r.status().as_u16(), 303, "{email} signs in");
        let (n, bad) = crawl(&who, &["/my", "/"]).await;
        eprintln!("{email}: {n} pages");
        assert!(n > 20, "{email}'s crawl reached {n} pages");
        report.extend(bad.into_iter().map(|b| format!("{email}: {b}")));
    }
    assert!(report.is_empty(), "links that fail:\n{}", report.join("\n"));
}

#[test]
fn crawl_follows_pages_and_get_forms_but_not_downloads() {
    let html = r#"<a href="/agencies?region=x&amp;page=2">x</a> <a class="b" href="/a.csv">c</a>
        <form class="filters" method="get" action="/credit"></form>
        <form method="post" action="/logout"></form><a href="https://example.com/">e</a>"#;
    let got: Vec<String> = links(html).iter().filter_map(|l| followable(l)).collect();
    assert_eq!(got, ["/agencies?region=x&page=2", "/credit"]);
    assert_eq!(shape("/announcements/12/bid"), "/announcements/#/bid");
    assert_eq!(shape("/agencies?region=x&page=2"), "/agencies?region&page");
    assert!(followable("/?lang=en").is_none());
}

#[actix_web::test]
async fn crawl_the_regulators_link_on_a_credit_report_only_within_its_domain() {
    let app = spawn_app().await;
    load_demo(&app).await;
    let reg = clone_app(&app);
    let r = reg
        .login("huanbao@demo.zhongjie.cn", zhongjie::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let dept =
        zhongjie::accounts::store::user::find_by_email(&mut app.conn(), "huanbao@demo.zhongjie.cn")
            .unwrap()
            .and_then(|u| u.department_id)
            .unwrap();
    let agencies: Vec<i64> = {
        use diesel::prelude::*;
        zhongjie::db::schema::agencies::table
            .select(zhongjie::db::schema::agencies::user_id)
            .load(&mut *app.conn())
            .unwrap()
    };
    let first = agencies[0];
    let (mut inside, mut outside) = (0, 0);
    for a in agencies {
        let domain = zhongjie::credit::store::credit::domain_departments(
            &mut app.conn(),
            a,
            zhongjie::db::today(),
        )
        .unwrap();
        let (s, page) = reg.get_text(&format!("/credit/agencies/{a}")).await;
        assert_eq!(s, 200);
        let link = format!("href=\"/regulate/agencies/{a}/records\"");
        if domain.contains(&dept) {
            inside += 1;
            assert!(page.contains(&link), "agency {a} is in the domain");
            assert_eq!(
                reg.get(&format!("/regulate/agencies/{a}/records"))
                    .await
                    .status()
                    .as_u16(),
                200
            );
        } else {
            outside += 1;
            assert!(!page.contains(&link), "agency {a} is outside the domain");
            assert_eq!(
                reg.get(&format!("/regulate/agencies/{a}/records"))
                    .await
                    .status()
                    .as_u16(),
                403
            );
        }
    }
    assert!(
        inside > 0 && outside > 0,
        "{inside} inside, {outside} outside"
    );
    // A visitor never sees it.
    let (s, page) = clone_app(&app)
        .get_text(&format!("/credit/agencies/{first}"))
        .await;
    assert_eq!(s, 200);
    assert!(!page.contains("/regulate/agencies/"));
}
