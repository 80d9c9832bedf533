//! A small real SMTP server for tests: it speaks the protocol over TCP on loopback and keeps
//! every message it accepts, so a test can read what the application sent.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// (recipients, raw message) of each accepted mail.
pub type Mail = (Vec<String>, String);

#[derive(Clone, Default)]
pub struct Received {
    pub messages: Arc<Mutex<Vec<Mail>>>,
}

impl Received {
    pub fn all(&self) -> Vec<Mail> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// Starts the server on a free port; returns its `smtp://` URL and the inbox.
pub fn start() -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind smtp");
    let port = listener.local_addr().expect("addr").port();
    let inbox = Received::default();
    let store = inbox.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let store = store.clone();
            std::thread::spawn(move || {
                let _ = session(stream, store);
            });
        }
    });
    (format!("smtp://127.0.0.1:{port}"), inbox)
}

fn session(stream: std::net::TcpStream, store: Received) -> std::io::Result<()> {
    let mut w = stream.try_clone()?;
    let mut r = BufReader::new(stream);
    w.write_all(b"220 test.smtp ESMTP ready\r\n")?;
    let mut rcpt = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_ascii_uppercase();
        if cmd.starts_with("EHLO") {
            w.write_all(b"250-test.smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?;
        } else if cmd.starts_with("HELO")
            || cmd.starts_with("MAIL FROM")
            || cmd.starts_with("RSET")
            || cmd.starts_with("NOOP")
        {
            w.write_all(b"250 OK\r\n")?;
        } else if cmd.starts_with("RCPT TO") {
            rcpt.push(
                line.trim_end()[8..]
                    .trim()
                    .trim_matches(['<', '>'])
                    .to_string(),
            );
            w.write_all(b"250 OK\r\n")?;
        } else if cmd == "DATA" {
            w.write_all(b"354 end with <CRLF>.<CRLF>\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(
                    line.strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line),
                );
            }
            if let Ok(mut m) = store.messages.lock() {
                m.push((std::mem::take(&mut rcpt), data));
            }
            w.write_all(b"250 OK queued\r\n")?;
        } else if cmd == "QUIT" {
            w.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            w.write_all(b"502 not implemented\r\n")?;
        }
    }
}
