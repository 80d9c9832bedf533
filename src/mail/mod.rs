//! Mail: composing texts from the locale files, and the background sender that drains the
//! outbox through SMTP (or into `.eml` files when no SMTP server is configured).

pub mod notify;
pub mod store;

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;
use crate::db::{self, DbError, Pool};
use crate::i18n::{self, Lang};

/// Subject and body of a mail kind (`mail.<kind>.subject` / `.body`) with `{name}` filled.
pub fn compose(lang: Lang, kind: &str, args: &[(&str, &str)]) -> (String, String) {
    let subject = i18n::tr_args(lang, &format!("mail.{kind}.subject"), args);
    let mut body = i18n::tr_args(lang, &format!("mail.{kind}.body"), args);
    body.push_str("\n\n");
    body.push_str(i18n::tr(lang, "mail.signature"));
    (subject, body)
}

/// The one-time links the platform mails: which token, which page, which text, how long.
#[derive(Clone, Copy, Debug)]
pub enum Link {
    VerifyEmail,
    ResetPassword,
    /// A new staff account sets its first password through the reset page.
    StaffWelcome,
}

impl Link {
    fn purpose(self) -> crate::auth::user_token::Purpose {
        match self {
            Link::VerifyEmail => crate::auth::user_token::Purpose::VerifyEmail,
            Link::ResetPassword | Link::StaffWelcome => {
                crate::auth::user_token::Purpose::ResetPassword
            }
        }
    }
    fn path(self) -> &'static str {
        match self {
            Link::VerifyEmail => "/verify-email",
            Link::ResetPassword | Link::StaffWelcome => "/password/reset",
        }
    }
    fn kind(self) -> &'static str {
        match self {
            Link::VerifyEmail => "verify",
            Link::ResetPassword => "reset",
            Link::StaffWelcome => "staff_created",
        }
    }
    fn ttl(self, s: &crate::accounts::store::settings::Settings) -> chrono::Duration {
        match self {
            Link::ResetPassword => chrono::Duration::minutes(s.get("reset_token_minutes")),
            Link::VerifyEmail | Link::StaffWelcome => {
                chrono::Duration::hours(s.get("email_token_hours"))
            }
        }
    }
}

/// Issues the link's token for `user` and queues the mail carrying it. Call inside the
/// transaction of the event.
pub fn queue_link(
    c: &mut db::DbConnection,
    public_url: &str,
    lang: Lang,
    user: &crate::accounts::store::user::User,
    link: Link,
) -> diesel::QueryResult<()> {
    let ttl = link.ttl(&crate::accounts::store::settings::load(c)?);
    let token = crate::auth::user_token::issue(c, user.id, link.purpose(), ttl)?;
    let url = format!("{public_url}{}?token={token}", link.path());
    let minutes = ttl.num_minutes().to_string();
    let args = [
        ("name", user.contact_name.as_str()),
        ("link", &url),
        ("email", &user.email),
        ("minutes", &minutes),
    ];
    let (subject, body) = compose(lang, link.kind(), &args);
    crate::mail::store::enqueue(c, Some(user.id), &user.email, &subject, &body)
}

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl Transport {
    pub fn from_config(cfg: &Config) -> Result<Transport, String> {
        match &cfg.smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Transport::Smtp(b.timeout(Some(Duration::from_secs(30))).build()))
                .map_err(|e| format!("SMTP_URL {}: {e}", db::mask_url(url))),
            None => {
                let dir = cfg.mail_dir();
                std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                tracing::info!(folder = %dir.display(), "SMTP_URL not set: mail is written to .eml files");
                Ok(Transport::Files(AsyncFileTransport::new(dir)))
            }
        }
    }

    async fn send(&self, m: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(t) => t.send(m).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Files(t) => t.send(m).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

fn build(from: &Mailbox, row: &crate::mail::store::OutboxRow) -> Result<Message, String> {
    let to: Mailbox = row
        .to_addr
        .parse()
        .map_err(|e| format!("bad address: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(format!("<outbox-{}@zhongjie>", row.id)))
        .header(ContentType::TEXT_PLAIN)
        .body(row.body.clone())
        .map_err(|e| e.to_string())
}

/// Sends whatever is due, once. Returns how many mails were sent.
pub async fn drain_once(
    pool: &Pool,
    cfg: &Config,
    transport: &Transport,
) -> Result<usize, DbError> {
    let from: Mailbox = match cfg.mail_from.parse() {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "ZJ_MAIL_FROM is not a valid address");
            return Ok(0);
        }
    };
    let instance = cfg.instance_id.clone();
    let rows = {
        let instance = instance.clone();
        db::run(pool, move |c| {
            crate::mail::store::claim_due(c, &instance, 50).map_err(DbError::from)
        })
        .await?
    };
    let max_attempts = db::run(pool, |c| {
        crate::accounts::store::settings::load(c).map_err(DbError::from)
    })
    .await?
    .get("mail_max_attempts");
    let mut sent = 0;
    for row in rows {
        let result = match build(&from, &row) {
            Ok(m) => transport.send(m).await,
            Err(e) => Err(e),
        };
        let instance = instance.clone();
        match result {
            Ok(()) => {
                sent += 1;
                tracing::info!(outbox_id = row.id, "mail sent");
                db::run(pool, move |c| {
                    crate::mail::store::mark_sent(c, row.id, &instance).map_err(DbError::from)
                })
                .await?;
            }
            Err(e) => {
                tracing::warn!(outbox_id = row.id, attempt = row.attempts + 1, error = %e, "mail not sent; will retry");
                db::run(pool, move |c| {
                    crate::mail::store::mark_failed(c, &row, &instance, &e, max_attempts)
                        .map_err(DbError::from)
                })
                .await?;
            }
        }
    }
    Ok(sent)
}

/// The background sender: polls the outbox until the process ends.
pub async fn worker(pool: Pool, cfg: Config) {
    let transport = match Transport::from_config(&cfg) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "mail transport unavailable; mail stays queued");
            return;
        }
    };
    let mut tick = tokio::time::interval(Duration::from_millis(cfg.job_poll_ms.max(50)));
    loop {
        tick.tick().await;
        if let Err(e) = drain_once(&pool, &cfg, &transport).await {
            tracing::warn!(error = %e, "mail worker");
        }
    }
}
