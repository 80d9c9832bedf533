//! A small WebDriver client for the browser tests: headless Chromium (Debian's `chromium` +
//! `chromium-driver`) driven over the W3C WebDriver protocol with the test's own `reqwest`,
//! so no browser crate (and no second TLS stack) enters the build. Shared by every browser
//! test module; each test starts one `Driver` and reuses its session.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::free_port;

/// Browser tests run only when `ZJ_BROWSER_TEST=1` (CI sets it after installing Chromium);
/// otherwise this says so on stderr and the test returns early.
pub(crate) fn enabled() -> bool {
    let on = std::env::var("ZJ_BROWSER_TEST").is_ok_and(|v| v == "1");
    if !on {
        eprintln!(
            "browser test skipped (set ZJ_BROWSER_TEST=1 with chromium and chromium-driver installed)"
        );
    }
    on
}

pub(crate) struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    /// Width and height the window has beyond its viewport, once measured.
    chrome: std::cell::Cell<Option<(i64, i64)>>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Ending the session closes Chromium; killing chromedriver alone would leave the
        // browser running. Drop cannot await, so this is one plain blocking HTTP request.
        let _ = self.delete_session_blocking();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// A toolkit shared by the browser test modules: each uses only some of its commands.
#[allow(dead_code)]
impl Driver {
    /// Starts chromedriver on a free port and a headless Chromium session (1280×900).
    pub(crate) async fn start() -> Driver {
        let port = free_port();
        let child = Command::new(
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()),
        )
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir").keep();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--no-first-run", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("json");
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Driver {
            child,
            base,
            session,
            http,
            chrome: std::cell::Cell::new(None),
        }
    }

    fn delete_session_blocking(&self) -> std::io::Result<()> {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            s,
            "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.session
        )?;
        let mut sink = Vec::new();
        s.read_to_end(&mut sink)?;
        Ok(())
    }

    /// One WebDriver command on this session; the answer's JSON.
    pub(crate) async fn cmd(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let req = self.http.request(method, url);
        // GET and DELETE carry no body; chromedriver rejects a JSON `null` there.
        let req = if body.is_null() { req } else { req.json(&body) };
        let r = req.send().await.expect("webdriver");
        r.json().await.expect("webdriver json")
    }

    /// Navigates and waits for the load (WebDriver's default page-load strategy).
    pub(crate) async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", json!({"url": url}))
            .await;
    }

    /// Resizes the window so that the *viewport* is `width`×`height` CSS pixels. Headless
    /// Chromium's window still has some height of browser chrome; it is measured once and
    /// added, so later calls are one command.
    pub(crate) async fn set_viewport(&self, width: u32, height: u32) {
        let (w, h) = (i64::from(width), i64::from(height));
        if let Some((dw, dh)) = self.chrome.get() {
            self.cmd(
                reqwest::Method::POST,
                "/window/rect",
                json!({"width": w + dw, "height": h + dh}),
            )
            .await;
            return;
        }
        for _ in 0..3 {
            let inner = self
                .execute("return [window.innerWidth, window.innerHeight];", json!([]))
                .await;
            let (iw, ih) = (
                inner[0].as_i64().unwrap_or(0),
                inner[1].as_i64().unwrap_or(0),
            );
            let rect = self
                .cmd(reqwest::Method::GET, "/window/rect", Value::Null)
                .await;
            let (ow, oh) = (
                rect["value"]["width"].as_i64().unwrap_or(0),
                rect["value"]["height"].as_i64().unwrap_or(0),
            );
            let chrome = ((ow - iw).max(0), (oh - ih).max(0));
            if iw == w && ih == h {
                self.chrome.set(Some(chrome));
                return;
            }
            self.cmd(
                reqwest::Method::POST,
                "/window/rect",
                json!({"width": w + chrome.0, "height": h + chrome.1}),
            )
            .await;
        }
    }

    /// Renders pages for `media` ("print", or "" for the screen again) through Chromium's
    /// DevTools command, so print stylesheets can be measured like the screen.
    pub(crate) async fn emulate_media(&self, media: &str) {
        self.cmd(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": media}}),
        )
        .await;
    }

    /// Runs a synchronous script (`arguments[i]` are `args`) and returns its value.
    pub(crate) async fn execute(&self, script: &str, args: Value) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": args}),
        )
        .await["value"]
            .clone()
    }

    /// Runs an asynchronous script: it calls `arguments[arguments.length - 1](result)` when
    /// done. The script timeout is raised first, since an axe run over a long page takes
    /// seconds in a debug-speed test environment.
    pub(crate) async fn execute_async(&self, script: &str, args: Value) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/timeouts",
            json!({"script": 120_000}),
        )
        .await;
        self.cmd(
            reqwest::Method::POST,
            "/execute/async",
            json!({"script": script, "args": args}),
        )
        .await["value"]
            .clone()
    }

    pub(crate) async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        let obj = v["value"]
            .as_object()
            .unwrap_or_else(|| panic!("no element {css}: {v}"));
        obj.values()
            .next()
            .and_then(|x| x.as_str())
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{id}/clear"),
            json!({}),
        )
        .await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            json!({"text": text}),
        )
        .await;
    }

    pub(crate) async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            json!({}),
        )
        .await;
    }

    pub(crate) async fn url(&self) -> String {
        let v = self.cmd(reqwest::Method::GET, "/url", Value::Null).await;
        v["value"]
            .as_str()
            .unwrap_or_else(|| panic!("current url: {v}"))
            .to_string()
    }

    pub(crate) async fn source(&self) -> String {
        self.cmd(reqwest::Method::GET, "/source", Value::Null).await["value"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub(crate) async fn screenshot(&self, path: &std::path::Path) {
        use crate::helpers::base64_decode as decode;
        let v = self
            .cmd(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        if let Some(b64) = v["value"].as_str() {
            let _ = std::fs::write(path, decode(b64));
        }
    }

    /// Sets a field's value directly (date inputs and selects, whose typing depends on locale).
    pub(crate) async fn set_value(&self, css: &str, value: &str) {
        let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                      e.dispatchEvent(new Event('change', {bubbles: true}));";
        self.execute(script, json!([css, value])).await;
    }

    /// Clicks a submit button and waits until the browser has left `from`.
    pub(crate) async fn submit_and_wait(&self, css: &str, from: &str) -> String {
        self.click(css).await;
        let mut url = self.url().await;
        for _ in 0..100 {
            if !url.contains(from) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            url = self.url().await;
        }
        url
    }

    /// Signs in through the login form (after clearing cookies) and expects the workbench.
    pub(crate) async fn login(&self, base: &str, email: &str, password: &str) {
        self.clear_cookies().await;
        self.goto(&format!("{base}/login")).await;
        self.type_into("input[name=email]", email).await;
        self.type_into("input[name=password]", password).await;
        let url = self
            .submit_and_wait("form[action='/login'] button[type=submit]", "/login")
            .await;
        assert!(url.ends_with("/my"), "{email}: landed on {url}");
    }

    pub(crate) async fn clear_cookies(&self) {
        self.cmd(reqwest::Method::DELETE, "/cookie", Value::Null)
            .await;
    }
}
