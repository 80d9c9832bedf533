//! HTTP/1.1 by hand over a TCP socket, for what reqwest will not send: request targets exactly
//! as written (`/\host`, which a URL parser turns into `//host`), and bodies written while the
//! answer is watched, to see how much of a body the server took before it answered.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// A response as received: status, headers (names lower-cased) and body.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn parse(raw: &[u8]) -> Option<RawResponse> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = String::from_utf8_lossy(&raw[end + 4..]).into_owned();
    Some(RawResponse {
        status,
        headers,
        body,
    })
}

/// `GET target` with the target sent byte for byte.
pub async fn get(port: u16, target: &str, cookie: Option<&str>) -> RawResponse {
    let mut req =
        format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: {c}\r\n"));
    }
    req.push_str("\r\n");
    actix_web::web::block(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).ok();
        s.write_all(req.as_bytes()).expect("send");
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        parse(&raw).expect("an HTTP response")
    })
    .await
    .expect("block")
}

/// What became of a streamed POST.
#[derive(Debug)]
pub struct Streamed {
    pub response: RawResponse,
    /// Body bytes the socket had accepted when the answer's first bytes arrived.
    pub written_before_answer: u64,
    pub body_len: u64,
}

/// POSTs `head` (request line and headers, without the blank line) and then a body of
/// `prefix`, `filler` bytes of `b'A'` and `suffix`, written in 64 KiB pieces while the answer
/// is read. Writing stops when the answer arrives or the server stops reading. With
/// `chunked`, the body goes out in chunked transfer coding (no length announced).
pub async fn post_streaming(
    port: u16,
    head: String,
    prefix: Vec<u8>,
    filler: u64,
    suffix: Vec<u8>,
    chunked: bool,
) -> Streamed {
    actix_web::web::block(move || {
        let mut w = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let mut r = w.try_clone().expect("clone socket");
        r.set_read_timeout(Some(Duration::from_secs(120))).ok();
        let body_len = prefix.len() as u64 + filler + suffix.len() as u64;
        let written = Arc::new(AtomicU64::new(0));
        let answered = Arc::new(AtomicBool::new(false));
        let (written2, answered2) = (written.clone(), answered.clone());
        let framing = if chunked {
            "Transfer-Encoding: chunked".to_string()
        } else {
            format!("Content-Length: {body_len}")
        };
        let writer = std::thread::spawn(move || {
            if w.write_all(format!("{head}\r\n{framing}\r\n\r\n").as_bytes())
                .is_err()
            {
                return;
            }
            let piece = vec![b'A'; 64 * 1024];
            let mut send = |bytes: &[u8]| -> bool {
                if answered2.load(Ordering::SeqCst) {
                    return false;
                }
                let ok = if chunked {
                    w.write_all(format!("{:x}\r\n", bytes.len()).as_bytes())
                        .and_then(|_| w.write_all(bytes))
                        .and_then(|_| w.write_all(b"\r\n"))
                } else {
                    w.write_all(bytes)
                };
                if ok.is_ok() {
                    written2.fetch_add(bytes.len() as u64, Ordering::SeqCst);
                }
                ok.is_ok()
            };
            if !send(&prefix) {
                return;
            }
            let mut left = filler;
            while left > 0 {
                let n = left.min(piece.len() as u64) as usize;
                if !send(&piece[..n]) {
                    return;
                }
                left -= n as u64;
            }
            if send(&suffix) && chunked {
                let _ = w.write_all(b"0\r\n\r\n");
            }
        });
        let mut raw = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        let mut written_before_answer = None;
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if written_before_answer.is_none() {
                        written_before_answer = Some(written.load(Ordering::SeqCst));
                        answered.store(true, Ordering::SeqCst);
                    }
                    raw.extend_from_slice(&buf[..n]);
                    if complete(&raw) {
                        break;
                    }
                }
            }
        }
        answered.store(true, Ordering::SeqCst);
        let _ = r.shutdown(std::net::Shutdown::Both);
        let _ = writer.join();
        Streamed {
            response: parse(&raw).expect("an HTTP response"),
            written_before_answer: written_before_answer.unwrap_or(u64::MAX),
            body_len,
        }
    })
    .await
    .expect("block")
}

/// Whether a response with a `Content-Length` has arrived whole.
fn complete(raw: &[u8]) -> bool {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let Some(r) = parse(raw) else { return false };
    match r
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        Some(n) => raw.len() >= end + 4 + n,
        None => false,
    }
}
