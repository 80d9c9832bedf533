//! A real browser: headless Chromium (Debian's `chromium` + `chromium-driver`) driven over
//! the WebDriver protocol logs in as every demo role and sees its workbench. Runs when
//! `ZJ_BROWSER_TEST=1` (CI sets it after installing Chromium); skipped otherwise.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::platform::webdriver::{Driver, enabled};

#[actix_web::test]
async fn every_demo_role_logs_in_through_a_real_browser() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || zhongjie::demo::load(&mut pool.get().unwrap(), &cfg))
        .await
        .unwrap()
        .unwrap();
    let d = Driver::start().await;
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    let _ = std::fs::create_dir_all(&shots);
    for l in zhongjie::demo::LOGINS {
        d.clear_cookies().await;
        d.goto(&app.url("/login")).await;
        d.type_into("input[name=email]", l.email).await;
        d.type_into("input[name=password]", zhongjie::demo::DEMO_PASSWORD)
            .await;
        d.click("form[action='/login'] button[type=submit]").await;
        // A click does not wait for the navigation it starts: poll until the page changes.
        let mut url = d.url().await;
        for _ in 0..100 {
            if !url.ends_with("/login") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            url = d.url().await;
        }
        if !url.ends_with("/my") {
            let html = d.source().await;
            let notice: String = html
                .split("<main")
                .nth(1)
                .unwrap_or(&html)
                .chars()
                .take(3000)
                .collect();
            panic!("{}: landed on {url}\n{notice}", l.email);
        }
        let html = d.source().await;
        assert!(
            html.contains(l.org),
            "{}: workbench shows the organisation",
            l.email
        );
        d.screenshot(&shots.join(format!("{}.png", l.email))).await;
    }
    eprintln!("browser screenshots in {}", shots.display());
}

/// Issue 3's walk-through: an agency registers, uploads a certificate, the regulator of the
/// qualification's department approves it in the browser, and the public finds the agency by
/// a two-character search and a filter, and downloads the list.
#[actix_web::test]
async fn an_agency_joins_and_its_certificate_is_reviewed_through_a_real_browser() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || zhongjie::demo::load(&mut pool.get().unwrap(), &cfg))
        .await
        .unwrap()
        .unwrap();
    let d = Driver::start().await;
    let base = app.address.clone();
    let uscc = zhongjie::domain::uscc::generate(987_654)
        .as_str()
        .to_string();

    // Register an agency whose name contains 环评.
    d.clear_cookies().await;
    d.goto(&format!("{base}/register?role=agency")).await;
    for (name, value) in [
        ("org_name", "攀西环评测绘技术有限公司"),
        ("uscc", uscc.as_str()),
        ("contact_name", "罗晓峰"),
        ("phone", "13881234567"),
        ("email", "luo@example.com"),
        ("password", PASSWORD),
        ("password2", PASSWORD),
    ] {
        d.type_into(&format!("input[name={name}]"), value).await;
    }
    let url = d
        .submit_and_wait("form[action='/register'] button[type=submit]", "/register")
        .await;
    assert!(url.ends_with("/my"), "registered: {url}");

    // Upload a surveying certificate with a real PDF scan.
    let pdf = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(
        pdf.path(),
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    )
    .unwrap();
    d.goto(&format!("{base}/agency/certificates/new")).await;
    d.set_value("select[name=qual_type]", "surveying_mapping")
        .await;
    d.set_value("select[name=level]", "2").await;
    d.type_into("input[name=number]", "乙测资字51500123").await;
    d.type_into("input[name=issuer]", "四川省自然资源厅").await;
    d.set_value("input[name=valid_from]", "2025-01-01").await;
    d.set_value("input[name=valid_to]", "2029-12-31").await;
    d.type_into("input[name=scan]", &pdf.path().display().to_string())
        .await;
    let url = d
        .submit_and_wait(
            "form[action='/agency/certificates/new'] button[type=submit]",
            "/certificates/new",
        )
        .await;
    assert!(
        !url.contains("/new"),
        "certificate submitted: {url}\n{}",
        d.source().await
    );

    // The regulator of 自然资源和规划局 approves it.
    d.login(
        &base,
        "ziranziyuan@demo.zhongjie.cn",
        zhongjie::demo::DEMO_PASSWORD,
    )
    .await;
    d.goto(&format!("{base}/review/certificates")).await;
    let queue = d.source().await;
    assert!(
        queue.contains("乙测资字51500123"),
        "in the regulator's queue"
    );
    // Open this certificate (the queue also holds the demo's pending ones).
    let cert_id: i64 = {
        use diesel::prelude::*;
        use zhongjie::db::schema::agency_certificates as ac;
        ac::table
            .filter(ac::number.eq("乙测资字51500123"))
            .select(ac::id)
            .first(&mut *app.conn())
            .unwrap()
    };
    assert!(queue.contains(&format!("/review/certificates/{cert_id}")));
    d.click(&format!("a[href='/review/certificates/{cert_id}']"))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let here = d.url().await;
    let url = d
        .submit_and_wait("button[name=decision][value=approve]", &here)
        .await;
    assert!(url.contains("/review/certificates"), "{url}");
    {
        use diesel::prelude::*;
        use zhongjie::db::schema::agency_certificates as ac;
        let status: String = ac::table
            .filter(ac::number.eq("乙测资字51500123"))
            .select(ac::status)
            .first(&mut *app.conn())
            .unwrap();
        assert_eq!(status, "approved", "{}", d.source().await);
    }

    // The public finds it by a two-character search and by the qualification filter.
    d.clear_cookies().await;
    d.goto(&format!("{base}/agencies?q=环评")).await;
    assert!(
        d.source().await.contains("攀西环评测绘技术有限公司"),
        "two-character search"
    );
    d.goto(&format!("{base}/agencies?qual=surveying_mapping&level=2"))
        .await;
    assert!(
        d.source().await.contains("攀西环评测绘技术有限公司"),
        "qualification filter"
    );
    // And downloads the list as CSV.
    let csv = reqwest::get(format!("{base}/agencies?q=环评&format=csv"))
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.text()
            .await
            .unwrap()
            .contains("攀西环评测绘技术有限公司")
    );
}

/// `static/js/verify-draw.js` in a real browser: the known vector (seed 00 01 … 1f) verifies,
/// a proof with its winner changed fails at the winner step, one whose published commitment
/// differs fails at the seed step. The page is a file with the script inlined, as the result
/// page's markup would have it.
#[actix_web::test]
async fn the_draw_verifier_script_recomputes_a_proof_in_a_real_browser() {
    if !enabled() {
        return;
    }
    use sha2::{Digest, Sha256};
    let mut b = [0u8; 32];
    for (i, x) in b.iter_mut().enumerate() {
        *x = i as u8;
    }
    let seed = zhongjie::domain::draw::Seed::from_bytes(b);
    let commitments: Vec<String> = (1..=3)
        .map(|i| hex::encode(Sha256::digest(format!("quote-{i}").as_bytes())))
        .collect();
    let good = zhongjie::domain::draw::Proof::draw(&seed, &commitments, &[30, 7, 12]).unwrap();
    let mut tampered = good.clone();
    tampered.winner = 7;
    let attr = |p: &zhongjie::domain::draw::Proof| {
        serde_json::to_string(p)
            .unwrap()
            .replace('&', "&amp;")
            .replace('\'', "&#39;")
    };
    let block = |id: &str, proof: &str, published: &str| {
        format!(
            "<div class=\"draw-proof\" id=\"{id}\" data-proof='{proof}' \
             data-published-commitment=\"{published}\" data-ok=\"✓ 摇号验证通过\" \
             data-fail=\"✗ 验证未通过：{{step}}\">\
             <button type=\"button\" class=\"verify-draw\">验证摇号</button>\
             <output class=\"verify-result\"></output></div>"
        )
    };
    let published = seed.commitment();
    let page = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>draw</title></head><body>{}{}{}<script>{}</script></body></html>",
        block("good", &attr(&good), &published),
        block("tampered", &attr(&tampered), &published),
        block("other", &attr(&good), &"ab".repeat(32)),
        include_str!("../../../static/js/verify-draw.js"),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("draw.html");
    std::fs::write(&file, page).unwrap();

    let d = Driver::start().await;
    d.goto(&format!("file://{}", file.display())).await;
    for id in ["good", "tampered", "other"] {
        d.click(&format!("#{id} button.verify-draw")).await;
    }
    let read = "return [...document.querySelectorAll('.draw-proof')].map(b => \
                [b.id, b.getAttribute('data-verified'), b.querySelector('output').textContent]);";
    let mut v = Value::Null;
    for _ in 0..50 {
        v = d
            .cmd(
                reqwest::Method::POST,
                "/execute/sync",
                json!({"script": read, "args": []}),
            )
            .await["value"]
            .clone();
        if v.as_array()
            .is_some_and(|a| a.iter().all(|r| !r[1].is_null()))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(v[0][1], "ok", "{v}");
    assert_eq!(v[0][2], "✓ 摇号验证通过", "{v}");
    assert_eq!(v[1][1], "winner", "{v}");
    assert!(
        v[1][2].as_str().unwrap().starts_with("✗ 验证未通过："),
        "{v}"
    );
    assert_eq!(v[2][1], "seed", "{v}");
    // The script's own SHA-256 (used where crypto.subtle is missing) on a two-block message.
    let h = d
        .cmd(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": "const m = new TextEncoder().encode('a'.repeat(100)); \
                   return [...window.zhongjieVerifyDraw.sha256(m)].map(b => b.toString(16).padStart(2, '0')).join('');",
                   "args": []}),
        )
        .await;
    assert_eq!(
        h["value"].as_str().unwrap(),
        hex::encode(Sha256::digest("a".repeat(100).as_bytes()))
    );
}

// ------------------------------------------------------------------ phone width and axe-core

/// axe-core, vendored with its version and licence in `tests/data/axe/README.md`.
const AXE: &str = include_str!("../../data/axe/axe.min.js");

/// The phone the layout must fit: 390×844 CSS pixels (a common current handset).
const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 900);
/// A4's printable width at 96 px to the inch: 210 mm less the stylesheet's 2 × 16 mm margins.
const PRINT: (u32, u32) = (673, 950);

/// How wide the page is against the viewport (without its scroll bar: wider means it scrolls
/// sideways) and, when it is wider, the outermost elements
/// that stick out on the right, for the message: those not clipped by a scrolling container
/// (an absolutely placed one escapes a container that is not positioned, so it counts).
const MEASURE: &str = r#"
const w = document.documentElement.clientWidth, sw = document.documentElement.scrollWidth;
if (document.contentType !== 'text/html') return {html: false};
if (sw <= w) return {html: true, scroll: sw, inner: w, culprits: []};
const scrolls = (e) => { for (let a = e.parentElement; a; a = a.parentElement) {
  const o = getComputedStyle(a).overflowX; if (o !== 'visible') return true; } return false; };
const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
  [...e.classList].map(c => '.' + c).join('');
const path = (e) => { const p = []; for (let a = e; a && a !== document.body && p.length < 4; a = a.parentElement) p.unshift(name(a)); return p.join(' > '); };
const out = [];
for (const e of document.body.querySelectorAll('*')) {
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.right <= w + 1) continue;
  if (scrolls(e) && getComputedStyle(e).position !== 'absolute') continue;
  const p = e.parentElement, pr = p && p.getBoundingClientRect();
  if (!pr || pr.right <= w + 1) out.push(path(e) + ' (right edge ' + Math.round(r.right) + ')');
  if (out.length >= 6) break;
}
return {html: true, scroll: sw, inner: w, culprits: out};
"#;

/// What a printed page shows that it should not: the site's navigation, footer, buttons,
/// the filters' fold and flash messages.
const PRINT_CHROME: &str = "const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
  [...e.classList].map(c => '.' + c).join('');
return [...document.querySelectorAll('button, .site-nav, .site-footer, .topbar, .skip-link, .nav-toggle, .filter-fold, .flash-wrap')]
  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; })
  .map(name);";

/// Every link of the page, absolute.
const LINKS: &str = "return [...document.querySelectorAll('a[href]')].map(a => a.href);";

/// Defines `window.axe` in the page (once per page: the source is 650 kB).
fn axe_inject() -> String {
    format!("if (!window.axe) {{\n{AXE}\n}}\nreturn typeof window.axe;")
}

/// Runs axe-core over the document with the WCAG 2.0/2.1 A and AA rules, after one frame (so
/// the page's own resize handling has run); answers the violations as
/// [{id, impact, help, nodes: [selector — first failing check]}] or {error}.
const AXE_RUN: &str = "const done = arguments[arguments.length - 1];
requestAnimationFrame(() => setTimeout(() => {
  window.axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                            resultTypes: ['violations']})
    .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => n.target.join(' ') + ' — ' +
        (n.failureSummary || '').split('\\n').slice(1, 2).join('').trim())}))))
    .catch(e => done({error: String(e)}));
}, 0));";

/// What the crawl found: every page checked, and every failure with its page and viewer.
#[derive(Default)]
struct Audit {
    checked: Vec<String>,
    /// Paths the visitor checked: signed in, the same public page differs only in its
    /// header, which each role's own pages cover, so the crawl does not check it again.
    public: std::collections::HashSet<String>,
    too_wide: Vec<String>,
    violations: Vec<String>,
    unclean_print: Vec<String>,
}

impl Audit {
    /// Loads `path` at phone width, measures it, runs axe-core over it at phone and desktop
    /// width (the phone menu folds the navigation away, the desktop layout shows tables as
    /// tables), measures it as printed on A4, and answers its same-site links.
    async fn check(
        &mut self,
        d: &Driver,
        axe: &str,
        origin: &str,
        who: &str,
        path: &str,
    ) -> Vec<String> {
        d.goto(&format!("{origin}{path}")).await;
        let m = d.execute(MEASURE, json!([])).await;
        if m["html"] != json!(true) {
            return Vec::new();
        }
        let here = d.url().await;
        let page = format!("{who} {}", here.trim_start_matches(origin));
        self.checked.push(page.clone());
        if who == "visitor" {
            self.public.insert(path.to_string());
        }
        if m["scroll"].as_i64() > m["inner"].as_i64() {
            self.too_wide.push(format!(
                "{page}: {} px wide on a {} px screen; sticking out: {}",
                m["scroll"], m["inner"], m["culprits"]
            ));
        }
        let links = d.execute(LINKS, json!([])).await;
        let loaded = d.execute(axe, json!([])).await;
        assert_eq!(loaded, json!("object"), "axe-core loads on {page}");
        for (width, height) in [PHONE, DESKTOP] {
            d.set_viewport(width, height).await;
            let v = d.execute_async(AXE_RUN, json!([])).await;
            if let Some(e) = v.get("error") {
                panic!("axe-core did not run on {page}: {e}");
            }
            for x in v.as_array().map(Vec::as_slice).unwrap_or(&[]) {
                let nodes: Vec<&str> = x["nodes"]
                    .as_array()
                    .map(|n| n.iter().filter_map(|s| s.as_str()).collect())
                    .unwrap_or_default();
                self.violations.push(format!(
                    "{page} [{width} px]: {} ({}) — {}\n      {}",
                    x["id"].as_str().unwrap_or("?"),
                    x["impact"].as_str().unwrap_or(""),
                    x["help"].as_str().unwrap_or(""),
                    nodes.join("\n      ")
                ));
            }
        }
        d.set_viewport(PRINT.0, PRINT.1).await;
        d.emulate_media("print").await;
        let m = d.execute(MEASURE, json!([])).await;
        let shown = d.execute(PRINT_CHROME, json!([])).await;
        d.emulate_media("").await;
        if m["scroll"].as_i64() > m["inner"].as_i64() {
            self.unclean_print.push(format!(
                "{page}: {} px wide on A4's {} px; sticking out: {}",
                m["scroll"], m["inner"], m["culprits"]
            ));
        }
        if shown.as_array().is_some_and(|a| !a.is_empty()) {
            self.unclean_print
                .push(format!("{page}: printed with {shown}"));
        }
        d.set_viewport(PHONE.0, PHONE.1).await;
        links
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.as_str())
                    .filter_map(|l| same_site_page(origin, l))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Breadth-first from `seeds` (always checked), then the links found, up to `budget`
    /// pages and a few of each shape (path with its numbered parts folded, query keys), so
    /// the crawl sees every kind of page rather than forty catalogue items.
    async fn crawl(
        &mut self,
        d: &Driver,
        axe: &str,
        origin: &str,
        who: &str,
        seeds: &[String],
        budget: usize,
    ) {
        use std::collections::{HashMap, HashSet, VecDeque};
        let mut seen: HashSet<String> = HashSet::new();
        let mut shapes: HashMap<String, usize> = HashMap::new();
        let mut queue: VecDeque<(String, bool)> = seeds.iter().map(|s| (s.clone(), true)).collect();
        let mut visited = 0;
        while let Some((path, seed)) = queue.pop_front() {
            if !seen.insert(path.clone()) {
                continue;
            }
            if !seed {
                // The visitor sees two of each public shape; a signed-in role one of each of
                // its own (forty messages or offered items look alike).
                let most = if who == "visitor" { 2 } else { 1 };
                let n = shapes.get(&shape(&path)).copied().unwrap_or(0);
                let public = who != "visitor" && self.public.contains(&path);
                if visited >= budget || n >= most || public {
                    continue;
                }
            }
            *shapes.entry(shape(&path)).or_default() += 1;
            visited += 1;
            for l in self.check(d, axe, origin, who, &path).await {
                if !seen.contains(&l) {
                    queue.push_back((l, false));
                }
            }
        }
    }
}

/// The path and query of a same-site page link worth visiting, or None: other sites,
/// downloads (CSV, JSON, files, scans), the language switch (it would change the crawl's
/// language) and the static files.
fn same_site_page(origin: &str, link: &str) -> Option<String> {
    let rest = link.strip_prefix(origin)?;
    let rest = rest.split('#').next().unwrap_or("");
    if !rest.starts_with('/') {
        return None;
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let skip_path = path.starts_with("/static/")
        || path.ends_with(".json")
        || path.ends_with("/file")
        || path.ends_with("/scan")
        || path.ends_with("/document")
        || path.ends_with("/evidence")
        || path == "/healthz";
    let skip_query = query
        .split('&')
        .any(|kv| kv.starts_with("lang=") || kv.starts_with("format="));
    (!skip_path && !skip_query).then(|| rest.to_string())
}

/// A page's shape: numbered path segments folded to `#`, the query's keys only.
fn shape(path: &str) -> String {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let segs: Vec<&str> = p
        .split('/')
        .map(|s| {
            if s.chars().any(|c| c.is_ascii_digit()) {
                "#"
            } else {
                s
            }
        })
        .collect();
    let mut keys: Vec<&str> = q
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| kv.split('=').next().unwrap_or(""))
        .collect();
    keys.sort_unstable();
    format!("{}?{}", segs.join("/"), keys.join("&"))
}

/// A client signed in as a demo account, for the steps the crawl's second part needs.
async fn demo_client(app: &TestApp, email: &str) -> TestApp {
    let c = crate::accounts::auth::clone_app(app);
    let r = c.login(email, zhongjie::demo::DEMO_PASSWORD).await;
    assert_eq!(r.status().as_u16(), 303, "{email} signs in");
    c
}

async fn post_ok(c: &TestApp, path: &str, form: &[(&str, &str)]) {
    let r = c.post(path, form).await;
    assert_eq!(r.status().as_u16(), 303, "POST {path}");
}

/// The owner fills in the demo's drafted contract through its form (every fill-in field the
/// text uses, and supplementary clauses) and sends it out for signing.
async fn fill_and_submit(app: &TestApp, id: i64, owner: &TestApp) {
    let f = {
        let mut c = app.conn();
        zhongjie::contracts::store::contract::load(&mut c, id)
            .unwrap()
            .expect("the demo contract")
    };
    let mut form: Vec<(String, String)> = vec![
        ("revision".into(), f.terms.revision.to_string()),
        (
            "price".into(),
            format!(
                "{}.{:02}",
                f.contract.price.fen() / 100,
                f.contract.price.fen() % 100
            ),
        ),
        ("time_limit".into(), f.contract.time_limit_days.to_string()),
        (
            "supplementary".into(),
            "乙方应于每月最后一个工作日前向甲方书面报告工作进度；因甲方提供资料不全造成的延误，\
             服务时限相应顺延，顺延天数以双方书面确认的为准。"
                .into(),
        ),
    ];
    for k in &f.used {
        if zhongjie::domain::contract_text::editable(k) && *k != "price" && *k != "time_limit" {
            let v = match *k {
                "dispute_venue" => "攀枝花市东区人民法院",
                "payment_schedule" => {
                    "合同签订后支付30%，成果通过审查后支付60%，取得批复后支付10%。"
                }
                "deliverables" => "环境影响报告书（送审稿、报批稿）纸质版各十份及电子版一套。",
                _ => "按照国家和四川省有关技术规范完成委托事项，并配合审批部门完成技术审查。",
            };
            form.push((k.to_string(), v.to_string()));
        }
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    post_ok(owner, &format!("/contracts/{id}/edit"), &form).await;
    post_ok(owner, &format!("/contracts/{id}/submit"), &[]).await;
    let mut c = app.conn();
    let status = zhongjie::contracts::store::contract::find(&mut c, id)
        .unwrap()
        .unwrap()
        .status;
    assert_eq!(
        status.as_str(),
        "signing",
        "the filled contract went out for signing"
    );
}

/// A party signs the text as it is now (the digest its page shows).
async fn sign(app: &TestApp, id: i64, party: &TestApp) {
    let digest = {
        let mut c = app.conn();
        zhongjie::contracts::store::contract::load(&mut c, id)
            .unwrap()
            .unwrap()
            .digest
    };
    post_ok(
        party,
        &format!("/contracts/{id}/sign"),
        &[("digest", &digest), ("read", "1")],
    )
    .await;
}

/// The agency delivers a PDF, the owner accepts it and rates the service.
async fn deliver_accept_rate(app: &TestApp, id: i64, owner: &TestApp, agency: &TestApp) {
    use diesel::prelude::*;
    use zhongjie::db::schema::{contract_deliverables as cd, contracts, evaluations};
    const B: &str = "----zjBrowserBoundary7c1d";
    let token = agency.csrf().await;
    let mut body = Vec::new();
    for (k, v) in [
        ("csrf", token.as_str()),
        ("note", "环境影响报告书（报批稿）"),
    ] {
        body.extend_from_slice(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"报告书.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n\r\n--{B}--\r\n"
        )
        .as_bytes(),
    );
    let r = agency
        .client
        .post(agency.url(&format!("/contracts/{id}/deliverables")))
        .header("Content-Type", format!("multipart/form-data; boundary={B}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "deliverable submitted");
    let did: i64 = cd::table
        .filter(cd::contract_id.eq(id))
        .select(cd::id)
        .first(&mut *app.conn())
        .expect("the deliverable");
    post_ok(
        owner,
        &format!("/contracts/{id}/deliverables/{did}/decision"),
        &[("decision", "accept"), ("reason", "")],
    )
    .await;
    post_ok(
        owner,
        &format!("/contracts/{id}/evaluation"),
        &[
            ("quality", "4"),
            ("timeliness", "5"),
            ("attitude", "4"),
            ("fees", "3"),
            ("conduct", "5"),
            (
                "comment",
                "报告质量较好，现场踏勘认真；收费略高于同类项目。",
            ),
        ],
    )
    .await;
    let status: String = contracts::table
        .find(id)
        .select(contracts::status)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(status, "accepted");
    let rated: i64 = evaluations::table
        .filter(evaluations::contract_id.eq(id))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(
        rated, 1,
        "the owner's rating is there for the agency to answer"
    );
}

/// Phone width, print and accessibility (GB/T 37668, which holds government sites to WCAG
/// 2.1 AA): a crawl of the demo as visitor, owner, agency, regulator and admin in one Chromium
/// session at 390×844. On every page the document is no wider than the screen; axe-core finds
/// no WCAG 2.0/2.1 A or AA violation (at phone and desktop width); printed on A4 it is no
/// wider than the paper and shows no navigation, footer or buttons. The crawl includes the
/// announcements with their selection result and draw proof, the library with filters, a
/// credit report, the admin pages, and the demo's contract in each state a party sees: draft
/// (the owner's form), out for signing (the signing form), and signed, delivered, accepted and
/// rated (the fulfilment page with the agency's reply and appeal forms).
#[actix_web::test]
async fn every_page_fits_a_phone_prints_on_a4_and_passes_axe_core_as_every_role() {
    use diesel::prelude::*;
    use zhongjie::db::schema::{announcement_results, catalogue_items, contracts, users};
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    // What `zhongjie demo` loads: the accounts and catalogue, then the announcements (sealed
    // with the instance's key).
    actix_web::web::block(move || {
        let mut c = pool.get().unwrap();
        zhongjie::demo::load(&mut c, &cfg).unwrap();
    })
    .await
    .unwrap();
    let origin = app.address.clone();

    // The demo's pages this crawl must include, found in the database rather than assumed.
    let (contract, owner_id, agency_id, item_id): (i64, i64, i64, i64) = contracts::table
        .select((
            contracts::id,
            contracts::owner_id,
            contracts::agency_id,
            contracts::item_id,
        ))
        .order(contracts::id)
        .first(&mut *app.conn())
        .expect("the demo drafts a contract");
    let with_result: Vec<i64> = announcement_results::table
        .select(announcement_results::announcement_id)
        .order(announcement_results::announcement_id)
        .load(&mut *app.conn())
        .unwrap();
    assert!(!with_result.is_empty(), "the demo has opened announcements");
    let email_of = |id: i64| -> String {
        users::table
            .find(id)
            .select(users::email)
            .first(&mut *app.conn())
            .unwrap()
    };
    let (owner, agency) = (email_of(owner_id), email_of(agency_id));
    let department: i64 = catalogue_items::table
        .find(item_id)
        .select(catalogue_items::department_id)
        .first(&mut *app.conn())
        .unwrap();
    let regulator: String = users::table
        .filter(users::role.eq("regulator"))
        .filter(users::department_id.eq(department))
        .select(users::email)
        .order(users::id)
        .first(&mut *app.conn())
        .expect("a regulator of the contract's department");
    let admin = "admin@demo.zhongjie.cn".to_string();

    let started = std::time::Instant::now();
    let d = Driver::start().await;
    d.set_viewport(PHONE.0, PHONE.1).await;
    let axe = axe_inject();
    let mut audit = Audit::default();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let announcements: Vec<String> = with_result
        .iter()
        .map(|a| format!("/announcements/{a}"))
        .collect();
    let k = format!("/contracts/{contract}");
    let f = format!("/contracts/{contract}/fulfilment");

    // Visitor: the public pages, the library filtered, the announcements with results, and a
    // few pages in English.
    d.clear_cookies().await;
    let mut seeds = s(&[
        "/",
        "/agencies?q=%E7%8E%AF%E8%AF%84",
        "/agencies?industry=env&grade=A&sort=name",
        "/agencies",
        "/announcements",
        "/credit",
        "/login",
        "/register",
        "/register?role=agency",
        "/password/forgot",
        "/calendar",
        "/no-such-page",
    ]);
    seeds.extend(announcements.iter().cloned());
    audit.crawl(&d, &axe, &origin, "visitor", &seeds, 40).await;
    d.goto(&format!("{origin}/?lang=en")).await;
    let en = [
        vec!["/".to_string(), "/agencies".into()],
        announcements.clone(),
    ]
    .concat();
    audit.crawl(&d, &axe, &origin, "visitor(en)", &en, 0).await;

    // Each role from its workbench and its own pages.
    let roles: [(&str, &String, Vec<String>, usize); 4] = [
        (
            "owner",
            &owner,
            [
                s(&["/my", "/owner/projects", "/owner/contracts", "/messages"]),
                vec![k.clone()],
            ]
            .concat(),
            25,
        ),
        (
            "agency",
            &agency,
            [
                s(&[
                    "/my",
                    "/agency/announcements",
                    "/agency/profile",
                    "/agency/credit",
                    "/agency/contracts",
                ]),
                vec![k.clone()],
            ]
            .concat(),
            25,
        ),
        (
            "regulator",
            &regulator,
            [
                s(&[
                    "/my",
                    "/review/certificates",
                    "/regulate/queue",
                    "/regulate/agencies",
                    "/regulate/selection",
                    "/regulate/contracts",
                    "/regulate/fulfilment",
                ]),
                vec![k.clone(), f.clone()],
            ]
            .concat(),
            25,
        ),
        (
            "admin",
            &admin,
            s(&[
                "/my",
                "/admin/users",
                "/admin/users/new",
                "/admin/departments",
                "/admin/settings",
                "/admin/audit",
                "/admin/credit-rules",
                "/admin/calendar",
                "/catalogue/new",
                "/contract-texts/new",
            ]),
            15,
        ),
    ];
    for (who, email, seeds, budget) in &roles {
        d.login(&origin, email, zhongjie::demo::DEMO_PASSWORD).await;
        audit.crawl(&d, &axe, &origin, who, seeds, *budget).await;
    }

    // The contract out for signing, then signed, delivered, accepted and rated.
    let owner_c = demo_client(&app, &owner).await;
    let agency_c = demo_client(&app, &agency).await;
    let status: String = contracts::table
        .find(contract)
        .select(contracts::status)
        .first(&mut *app.conn())
        .unwrap();
    if status == "draft" {
        fill_and_submit(&app, contract, &owner_c).await;
    }
    for (who, email) in [("owner", &owner), ("agency", &agency)] {
        d.login(&origin, email, zhongjie::demo::DEMO_PASSWORD).await;
        audit
            .crawl(
                &d,
                &axe,
                &origin,
                &format!("{who}(signing)"),
                std::slice::from_ref(&k),
                0,
            )
            .await;
    }
    sign(&app, contract, &owner_c).await;
    sign(&app, contract, &agency_c).await;
    deliver_accept_rate(&app, contract, &owner_c, &agency_c).await;
    for (who, email) in [
        ("agency", &agency),
        ("owner", &owner),
        ("regulator", &regulator),
    ] {
        d.login(&origin, email, zhongjie::demo::DEMO_PASSWORD).await;
        let seeds = vec![k.clone(), f.clone(), format!("{k}/print")];
        audit
            .crawl(&d, &axe, &origin, &format!("{who}(rated)"), &seeds, 0)
            .await;
    }

    // The crawl reached what it must cover.
    let visited = |needle: &str| audit.checked.iter().any(|p| p.contains(needle));
    for must in [
        "visitor /agencies?q=",
        "visitor /agencies?industry=",
        "visitor /credit/agencies/",
        "visitor /catalogue/",
        "owner /owner/projects/",
        "admin /admin/audit",
        "admin /admin/settings",
        "owner(signing) /contracts/",
        "agency(signing) /contracts/",
        "agency(rated) /contracts/",
        "regulator /regulate/fulfilment",
    ] {
        assert!(
            visited(must),
            "the crawl reached {must}:\n{}",
            audit.checked.join("\n")
        );
    }
    for a in &announcements {
        assert!(visited(&format!("visitor {a}")), "crawled {a}");
    }
    let per_role = |who: &str| audit.checked.iter().filter(|p| p.starts_with(who)).count();
    for who in ["visitor", "owner", "agency", "regulator", "admin"] {
        assert!(per_role(who) >= 8, "{who}: only {} pages", per_role(who));
    }
    eprintln!(
        "checked {} pages at {}×{} in {:?}:\n  {}",
        audit.checked.len(),
        PHONE.0,
        PHONE.1,
        started.elapsed(),
        audit.checked.join("\n  ")
    );
    assert!(
        audit.too_wide.is_empty(),
        "{} pages are wider than the phone:\n{}",
        audit.too_wide.len(),
        audit.too_wide.join("\n")
    );
    assert!(
        audit.unclean_print.is_empty(),
        "{} pages do not print cleanly:\n{}",
        audit.unclean_print.len(),
        audit.unclean_print.join("\n")
    );
    assert!(
        audit.violations.is_empty(),
        "axe-core (WCAG 2.1 A/AA) found {} violations:\n{}",
        audit.violations.len(),
        audit.violations.join("\n")
    );
}
