//! Static assets are compiled into the binary: one file to deploy, nothing from a CDN.

use actix_web::{HttpResponse, web};

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "css/app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/css/app.css"),
    ),
    (
        "js/app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/js/app.js"),
    ),
    (
        "js/verify-draw.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/js/verify-draw.js"),
    ),
    (
        "img/logo.svg",
        "image/svg+xml",
        include_bytes!("../../static/img/logo.svg"),
    ),
    (
        "img/favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/img/favicon.svg"),
    ),
];

pub async fn serve(path: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(p, _, _)| *p == path.as_str()) {
        Some((_, ctype, body)) => HttpResponse::Ok()
            .content_type(*ctype)
            .insert_header(("Cache-Control", "public, max-age=3600"))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}
