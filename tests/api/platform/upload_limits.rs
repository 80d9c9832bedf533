//! Multipart bodies are capped and authorised before they are read: a visitor's or a forged
//! upload is answered before its file, a body over the upload limit plus the form's margin is
//! refused (413) as soon as its length is known or it grows past the cap, and nothing of it is
//! kept. Bodies are written by hand (`raw_http`) so the test sees how much the server took.

use diesel::prelude::*;
use reqwest::cookie::CookieStore;
use zhongjie::auth::Role;
use zhongjie::db::schema::{agency_certificates, uploads};

use crate::helpers::*;
use crate::platform::raw_http::{self, Streamed};

const BOUNDARY: &str = "----zjUploadLimitBoundary9f3k";
const MIB: u64 = 1024 * 1024;
/// The body each refused request would send: far more than any limit.
const HUGE: u64 = 100 * MIB;
/// What may be written before the client sees the answer: the sockets' send and receive
/// buffers on loopback (up to about 10 MiB), plus what the writer sends while the reading
/// thread waits for a core on a loaded machine (the whole suite runs in parallel on two
/// cores). Far less than `HUGE`: a server that read the body would show all of it.
const IN_FLIGHT: u64 = 32 * MIB;

fn text_part(name: &str, value: &str) -> Vec<u8> {
    format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
        .into_bytes()
}

fn file_head(name: &str, filename: &str) -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes()
}

fn closing() -> Vec<u8> {
    format!("\r\n--{BOUNDARY}--\r\n").into_bytes()
}

/// A certificate form's text fields, the token first as our pages send it (if given).
fn certificate_fields(csrf: Option<&str>) -> Vec<u8> {
    let mut b = Vec::new();
    if let Some(t) = csrf {
        b.extend(text_part("csrf", t));
    }
    for (k, v) in [
        ("qual_type", "geo_hazard"),
        ("level", "1"),
        ("number", "DZ-51-2024-0088"),
        ("issuer", "四川省自然资源厅"),
        ("valid_from", "2024-01-01"),
        ("valid_to", "2099-12-31"),
    ] {
        b.extend(text_part(k, v));
    }
    b
}

fn head(app: &TestApp, path: &str, cookie: Option<&str>) -> String {
    let mut h = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}",
        app.port
    );
    if let Some(c) = cookie {
        h.push_str(&format!("\r\nCookie: {c}"));
    }
    h
}

/// This client's cookies, for a request written by hand.
fn cookies(app: &TestApp) -> String {
    let url = reqwest::Url::parse(&app.address).expect("url");
    app.jar
        .cookies(&url)
        .and_then(|v| v.to_str().ok().map(str::to_string))
        .unwrap_or_default()
}

/// Asserts the server answered long before the body was all sent.
fn answered_early(s: &Streamed, what: &str) {
    assert!(
        s.written_before_answer < IN_FLIGHT,
        "{what}: {} of {} bytes were sent before the answer ({})",
        s.written_before_answer,
        s.body_len,
        s.response.status
    );
}

fn certificates_and_uploads(app: &TestApp) -> (i64, i64) {
    let mut c = app.conn();
    let certs = agency_certificates::table
        .count()
        .get_result(&mut *c)
        .expect("certificates");
    let ups = uploads::table.count().get_result(&mut *c).expect("uploads");
    (certs, ups)
}

/// Files left anywhere under the upload folder (temporary ones included).
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[actix_web::test]
async fn a_visitors_upload_is_answered_before_its_body_is_read() {
    let app = spawn_web_only().await;
    for path in [
        "/contracts/1/deliverables",
        "/agency/certificates/new",
        "/agency/credit/repairs/new?listing=1",
        "/regulate/agencies/1/records/new",
        "/catalogue/ZJ-0001/assessments",
    ] {
        for chunked in [true, false] {
            let mut prefix = text_part("csrf", "forged");
            prefix.extend(file_head("file", "big.pdf"));
            let s = raw_http::post_streaming(
                app.port,
                head(&app, path, None),
                prefix,
                HUGE,
                closing(),
                chunked,
            )
            .await;
            let what = format!("{path} (chunked: {chunked})");
            assert!(
                [303, 403, 404, 413].contains(&s.response.status),
                "{what}: {}",
                s.response.status
            );
            answered_early(&s, &what);
        }
    }
    assert_eq!(certificates_and_uploads(&app), (0, 0));
}

#[actix_web::test]
async fn a_signed_in_upload_over_the_limit_is_refused_and_nothing_is_kept() {
    let app = spawn_web_only().await;
    let id = app.signed_in(Role::Agency, "big@example.com").await;
    {
        let mut c = app.conn();
        zhongjie::accounts::store::settings::set(&mut c, "upload_max_mib", 1, id).expect("setting");
    }
    let token = app.csrf().await;
    let cookie = cookies(&app);
    let path = "/agency/certificates/new";
    let mut prefix = certificate_fields(Some(&token));
    prefix.extend(file_head("scan", "big.pdf"));

    // Announced length over the cap: refused before the body is read.
    let s = raw_http::post_streaming(
        app.port,
        head(&app, path, Some(&cookie)),
        prefix.clone(),
        HUGE,
        closing(),
        false,
    )
    .await;
    assert_eq!(s.response.status, 413, "{}", s.response.body);
    answered_early(&s, "announced length");
    assert!(
        s.response.body.contains("413"),
        "the refusal is a page: {}",
        s.response.body
    );

    // No length announced: refused once the body passes the cap.
    let s = raw_http::post_streaming(
        app.port,
        head(&app, path, Some(&cookie)),
        prefix.clone(),
        HUGE,
        closing(),
        true,
    )
    .await;
    assert_eq!(s.response.status, 413, "{}", s.response.body);
    answered_early(&s, "streamed");

    // A file sent before the form's token is not read: the request is refused as forged.
    let mut no_token = certificate_fields(None);
    no_token.extend(file_head("scan", "big.pdf"));
    let s = raw_http::post_streaming(
        app.port,
        head(&app, path, Some(&cookie)),
        no_token,
        HUGE,
        closing(),
        true,
    )
    .await;
    assert_eq!(s.response.status, 403);
    answered_early(&s, "file before the token");

    assert_eq!(certificates_and_uploads(&app), (0, 0), "nothing saved");
    let dir = zhongjie::uploads::upload_dir(&app.config);
    assert_eq!(files_under(&dir), Vec::<std::path::PathBuf>::new());

    // A file within the limit is still taken, with the token first as the page sends it.
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
    let s = raw_http::post_streaming(
        app.port,
        head(&app, path, Some(&cookie)),
        prefix,
        0,
        [pdf, closing()].concat(),
        false,
    )
    .await;
    assert_eq!(s.response.status, 303, "{}", s.response.body);
    assert_eq!(certificates_and_uploads(&app), (1, 1));
    assert_eq!(files_under(&dir).len(), 1);
}
