//! Where a redirect or a link built from the request may lead: only to a path on this site.
//! `next` after login, the login form's hidden `next`, the way to the login page, and the
//! language switch of every page (the 404 page included) are checked with inputs a browser
//! would read as another site.

use zhongjie::auth::Role;

use crate::helpers::*;
use crate::platform::raw_http;

/// `next` values that must not be followed, each with what it is.
const OFF_SITE: &[(&str, &str)] = &[
    (
        "/\t/evil.example/x",
        "tab (browsers drop it: //evil.example/x)",
    ),
    ("/\n/evil.example/x", "newline"),
    ("/\r/evil.example/x", "carriage return"),
    ("/\u{b}/evil.example/x", "vertical tab"),
    ("//evil.example/x", "scheme-relative URL"),
    ("/\\evil.example/x", "backslash (browsers read it as /)"),
    ("/%2F/evil.example/x", "encoded slash"),
    ("https://evil.example/x", "absolute URL"),
];

const SAME_SITE: &str = "/announcements?x=1";

/// An attribute value as the browser reads it (named and numeric character references).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The value of the login form's hidden `next` input.
fn hidden_next(html: &str) -> String {
    let i = html.find("name=\"next\"").expect("a next field");
    let rest = &html[i..];
    let v = rest.find("value=\"").expect("its value") + 7;
    let end = rest[v..].find('"').expect("end of value");
    unescape(&rest[v..v + end])
}

/// Every `href` on a page.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(unescape)
        .collect()
}

/// The language switch's link on a page.
fn lang_link(html: &str) -> String {
    let i = html
        .find("class=\"lang-switch\"")
        .expect("a language switch");
    let rest = &html[i..];
    let v = rest.find("href=\"").expect("its href") + 6;
    let end = rest[v..].find('"').expect("end of href");
    unescape(&rest[v..v + end])
}

fn assert_same_site(link: &str, what: &str) {
    let b = link.as_bytes();
    // The layout's fixed hotline link is the one link not into the site.
    assert!(
        link.starts_with('#')
            || link == "tel:12345"
            || (b.first() == Some(&b'/')
                && !matches!(b.get(1), Some(b'/' | b'\\'))
                && !link.chars().any(|c| c.is_control() || c.is_whitespace())),
        "{what}: link {link:?} may lead off-site"
    );
}

#[actix_web::test]
async fn login_follows_next_only_to_a_path_on_this_site() {
    let app = spawn_web_only().await;
    app.create_user(Role::Owner, "next@example.com").await;
    let cases = OFF_SITE
        .iter()
        .map(|(next, what)| (*next, *what, "/my"))
        .chain([(SAME_SITE, "same-site path", SAME_SITE)]);
    for (next, what, expected) in cases {
        // A fresh browser each time: a signed-in one is not shown the login at all.
        let who = crate::accounts::auth::clone_app(&app);
        let token = who.csrf().await;
        let r = who
            .client
            .post(who.url("/login"))
            .form(&[
                ("email", "next@example.com"),
                ("password", PASSWORD),
                ("next", next),
                ("csrf", token.as_str()),
            ])
            .send()
            .await
            .expect("POST /login");
        assert_eq!(r.status().as_u16(), 303, "{what}");
        assert_eq!(
            r.headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default(),
            expected,
            "{what}"
        );
        assert_eq!(
            who.get("/my").await.status().as_u16(),
            200,
            "{what}: signed in"
        );
    }
}

#[actix_web::test]
async fn the_login_form_carries_only_a_same_site_next() {
    let app = spawn_web_only().await;
    let cases = OFF_SITE
        .iter()
        .map(|(next, what)| (*next, *what, "/my"))
        .chain([(SAME_SITE, "same-site path", SAME_SITE)]);
    for (next, what, expected) in cases {
        let q = zhongjie::error::url_escape(next);
        let (status, html) = app.get_text(&format!("/login?next={q}")).await;
        assert_eq!(status, 200, "{what}");
        assert_eq!(hidden_next(&html), expected, "{what}");
        for link in hrefs(&html) {
            assert_same_site(&link, what);
        }
    }
}

#[actix_web::test]
async fn the_way_to_the_login_page_comes_back_to_the_same_page() {
    let app = spawn_web_only().await;
    app.create_user(Role::Owner, "back@example.com").await;
    let r = app.get("/owner/projects?x=1").await;
    assert_eq!(r.status().as_u16(), 303);
    let to = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(to, "/login?next=%2Fowner%2Fprojects%3Fx%3D1");
    let (_, html) = app.get_text(&to).await;
    assert_eq!(hidden_next(&html), "/owner/projects?x=1");
}

#[actix_web::test]
async fn the_not_found_page_links_only_to_this_site() {
    let app = spawn_web_only().await;
    // Request targets as a browser or a script may send them (the backslash one by hand: a URL
    // parser would turn it into //).
    for target in [
        "//evil.example/x",
        "/\\evil.example/x",
        "/%2F/evil.example/x",
        "/%5Cevil.example/x",
        "/%09/evil.example/x",
        "/%0A/evil.example/x",
        "/%0D/evil.example/x",
        "/%0B/evil.example/x",
    ] {
        let r = raw_http::get(app.port, target, None).await;
        assert_eq!(r.status, 404, "{target}");
        assert!(
            r.header("content-type")
                .is_some_and(|v| v.starts_with("text/html")),
            "{target}: the 404 page"
        );
        assert_eq!(lang_link(&r.body), "/?lang=en", "{target}");
        for link in hrefs(&r.body) {
            assert_same_site(&link, target);
        }
    }
    // An ordinary unknown page keeps its own path in the language switch.
    let r = raw_http::get(app.port, "/no-such-page?x=1", None).await;
    assert_eq!(r.status, 404);
    assert_eq!(lang_link(&r.body), "/no-such-page?x=1&lang=en");
}
