//! The regulator's price and conduct signals (`/regulate/signals`), beside the collusion
//! signals of `/regulate/selection`: quotes outside the agency's published fee range,
//! winning prices far above the item's median, owners who let contracts lapse or pay late.
//! A regulator sees those of its department's items, an administrator all. Only flagged:
//! nothing is done to anyone automatically.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::signals::Lapse;
use crate::error::AppError;
use crate::i18n::{Lang, tr};
use crate::supervision::store::signals::{self as store, Signals};
use crate::supervision::views::range_text;
use crate::web::page::Page;
use crate::web::{Ctx, fmt, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/regulate/signals", web::get().to(list));
}

pub struct FeeRow {
    pub anchor: String,
    pub announcement_id: i64,
    pub announcement: String,
    pub agency_id: i64,
    pub agency: String,
    pub amount: String,
    pub range: String,
    pub side: String,
    pub won: bool,
}

pub struct MedianRow {
    pub anchor: String,
    pub announcement_id: i64,
    pub announcement: String,
    pub agency_id: i64,
    pub agency: String,
    pub amount: String,
    pub median: String,
    pub pct: i64,
    pub comparable: usize,
}

pub struct OwnerRow {
    pub anchor: String,
    pub owner: String,
    pub count: usize,
    /// (contract id, announcement id, what happened)
    pub events: Vec<(i64, i64, String)>,
}

#[derive(Template)]
#[template(path = "supervision/signals.html")]
pub struct SignalsPage {
    pub page: Page,
    /// The department's name, empty for an administrator (all departments).
    pub department: String,
    pub fees: Vec<FeeRow>,
    pub medians: Vec<MedianRow>,
    pub owners: Vec<OwnerRow>,
    pub pct: i64,
    pub min_awards: i64,
    pub repeat: i64,
    pub window_days: i64,
    pub can_collusion: bool,
}

fn announcement(s: &Signals, id: i64) -> String {
    s.names
        .announcements
        .get(&id)
        .map(|(p, i)| format!("{p} · {i}"))
        .unwrap_or_else(|| format!("#{id}"))
}

fn agency(s: &Signals, id: i64) -> String {
    s.names
        .agencies
        .get(&id)
        .cloned()
        .unwrap_or_else(|| format!("#{id}"))
}

fn event_text(lang: Lang, e: &Lapse) -> String {
    match e {
        Lapse::Unsigned => tr(lang, "signals.owner.unsigned").to_string(),
        Lapse::PaidLate { due, paid_on } => tr(lang, "signals.owner.paid_late")
            .replace("{due}", &fmt::date(*due))
            .replace("{paid}", &fmt::date(*paid_on)),
        Lapse::Unpaid { due } => {
            tr(lang, "signals.owner.unpaid").replace("{due}", &fmt::date(*due))
        }
    }
}

/// The page's rows from the judged signals.
pub fn build(lang: Lang, s: &Signals) -> (Vec<FeeRow>, Vec<MedianRow>, Vec<OwnerRow>) {
    let fees = s
        .fees
        .iter()
        .map(|f| FeeRow {
            anchor: format!("fee-{}-{}", f.quote.announcement_id, f.quote.agency_id),
            announcement_id: f.quote.announcement_id,
            announcement: announcement(s, f.quote.announcement_id),
            agency_id: f.quote.agency_id,
            agency: agency(s, f.quote.agency_id),
            amount: fmt::fen(f.quote.amount_fen),
            range: range_text(lang, f.quote.fee_min_fen, f.quote.fee_max_fen),
            side: tr(lang, f.side.key()).to_string(),
            won: f.quote.won,
        })
        .collect();
    let medians = s
        .over_median
        .iter()
        .map(|o| MedianRow {
            anchor: format!("median-{}", o.award.announcement_id),
            announcement_id: o.award.announcement_id,
            announcement: announcement(s, o.award.announcement_id),
            agency_id: o.award.agency_id,
            agency: agency(s, o.award.agency_id),
            amount: fmt::fen(o.award.amount_fen),
            median: fmt::fen(o.median_fen),
            pct: o.pct_of_median,
            comparable: o.comparable,
        })
        .collect();
    let owners = s
        .owners
        .iter()
        .map(|o| OwnerRow {
            anchor: format!("owner-{}", o.owner_id),
            owner: s
                .names
                .owners
                .get(&o.owner_id)
                .cloned()
                .unwrap_or_else(|| format!("#{}", o.owner_id)),
            count: o.events.len(),
            events: o
                .events
                .iter()
                .map(|(k, e)| {
                    (
                        *k,
                        s.names.contracts.get(k).copied().unwrap_or_default(),
                        event_text(lang, e),
                    )
                })
                .collect(),
        })
        .collect();
    (fees, medians, owners)
}

async fn list(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewSignals)?;
    let me = ctx.current()?;
    // A regulator sees its department's items; an administrator all of them.
    let department = if me.role == crate::auth::Role::Admin {
        None
    } else {
        Some(me.department_id.ok_or(AppError::Forbidden)?)
    };
    let lang = ctx.lang();
    let (signals, dept_name) = db::run(ctx.pool(), move |c| {
        let name = match department {
            Some(d) => crate::accounts::store::department::find(c, d)?
                .map(|x| x.name(lang).to_string())
                .unwrap_or_default(),
            None => String::new(),
        };
        Ok::<_, DbError>((store::gather(c, department)?, name))
    })
    .await?;
    let (fees, medians, owners) = build(lang, &signals);
    let p = SignalsPage {
        page: ctx.page(),
        department: dept_name,
        fees,
        medians,
        owners,
        pct: signals.pct,
        min_awards: signals.min_awards,
        repeat: signals.repeat,
        window_days: store::WINDOW_DAYS,
        can_collusion: ctx.allows(Action::SuperviseSelection),
    };
    html(&p, StatusCode::OK)
}
