//! The regulator's view of selection: collusion signals among the bidders of opened
//! announcements, with their evidence, and objections whose answer is overdue. Signals are
//! only flagged here; nothing is done to an agency automatically. The rules are in
//! `domain::collusion`, the facts in `crate::selection::store::collusion`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::collusion::{Kind, Signal};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::selection::store::collusion::{self as cx, Flagged};
use crate::web::page::Page;
use crate::web::{Ctx, fmt_time, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/regulate/selection", web::get().to(list))
        .route("/regulate/selection/{id}", web::get().to(detail));
}

/// One signal as shown: what, who, and the evidence.
pub struct SignalRow {
    pub kind: String,
    pub agencies: Vec<(i64, String)>,
    pub evidence: String,
}

pub struct AnnouncementRow {
    pub id: i64,
    pub project: String,
    pub owner: String,
    pub opened_at: String,
    pub bidders: usize,
    pub signals: Vec<SignalRow>,
}

pub struct OverdueRow {
    pub announcement_id: i64,
    pub project: String,
    pub owner: String,
    pub agency: String,
    pub filed_at: String,
    pub answer_due: String,
}

fn evidence(lang: Lang, s: &Signal) -> String {
    let t = |k: &str| crate::i18n::tr(lang, k);
    match (s.kind, s.span) {
        (Kind::SameAddress, Some((first, last))) => t("supervise.evidence.same_address")
            .replace("{addr}", &s.evidence)
            .replace("{first}", &fmt_time(first))
            .replace("{last}", &fmt_time(last))
            .replace(
                "{minutes}",
                &s.within_minutes.unwrap_or_default().to_string(),
            ),
        (Kind::IdenticalQuote, _) => {
            t("supervise.evidence.amount").replace("{amount}", &s.evidence)
        }
        _ => s.evidence.clone(),
    }
}

fn row(lang: Lang, f: &Flagged) -> AnnouncementRow {
    AnnouncementRow {
        id: f.announcement.id,
        project: f.announcement.project.clone(),
        owner: f.announcement.owner.clone(),
        opened_at: f.announcement.opened_at.map(fmt_time).unwrap_or_default(),
        bidders: f.bidders,
        signals: f
            .signals
            .iter()
            .map(|s| SignalRow {
                kind: crate::i18n::tr(lang, s.kind.key()).to_string(),
                agencies: s
                    .agencies
                    .iter()
                    .map(|a| (*a, f.names.get(a).cloned().unwrap_or_default()))
                    .collect(),
                evidence: evidence(lang, s),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "selection/supervise/list.html")]
pub struct ListPage {
    pub page: Page,
    pub rows: Vec<AnnouncementRow>,
    pub overdue: Vec<OverdueRow>,
    pub minutes: i64,
    pub recent: i64,
}

async fn list(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::SuperviseSelection)?;
    let today = crate::db::today();
    let (flagged, overdue, minutes) = db::run(ctx.pool(), move |c| {
        let minutes = cx::window_minutes(c)?;
        Ok::<_, DbError>((
            cx::flagged(c, minutes)?,
            cx::overdue_objections(c, today)?,
            minutes,
        ))
    })
    .await?;
    let lang = ctx.lang();
    let p = ListPage {
        page: ctx.page(),
        rows: flagged.iter().map(|f| row(lang, f)).collect(),
        overdue: overdue
            .into_iter()
            .map(|o| OverdueRow {
                announcement_id: o.announcement_id,
                project: o.project,
                owner: o.owner,
                agency: o.agency,
                filed_at: fmt_time(o.filed_at),
                answer_due: o.answer_due.format("%Y-%m-%d").to_string(),
            })
            .collect(),
        minutes,
        recent: cx::RECENT,
    };
    html(&p, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "selection/supervise/detail.html")]
pub struct DetailPage {
    pub page: Page,
    pub a: AnnouncementRow,
    pub minutes: i64,
}

async fn detail(ctx: Ctx, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::SuperviseSelection)?;
    let id = path.into_inner();
    let (found, minutes) = db::run(ctx.pool(), move |c| {
        let minutes = cx::window_minutes(c)?;
        Ok::<_, DbError>((cx::for_announcement(c, id, minutes)?, minutes))
    })
    .await?;
    let f = found.ok_or(AppError::NotFound)?;
    let p = DetailPage {
        page: ctx.page(),
        a: row(ctx.lang(), &f),
        minutes,
    };
    html(&p, StatusCode::OK)
}
