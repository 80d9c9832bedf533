//! `/admin/clock`: the rehearsal clock of a demo/training database. The administrator moves
//! the platform clock forward by hours or working days and sees what falls due next. On a
//! production database the page does not exist (404 for everyone, the POST changes nothing).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::steps;
use crate::accounts::store::platform;
use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::rehearsal;
use crate::domain::workdays;
use crate::error::{AppError, StepError};
use crate::i18n::Lang;
use crate::web::ctx::redirect_flash;
use crate::web::forms::CsrfForm;
use crate::web::page::{Field, FlashKind, Page, Rehearsal};
use crate::web::{Ctx, fmt, fmt_time, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/clock", web::get().to(show))
        .route("/admin/clock", web::post().to(move_clock));
}

pub struct UpcomingRow {
    pub when: String,
    pub what: String,
    pub project: String,
    pub link: String,
}

#[derive(Template)]
#[template(path = "accounts/admin/clock.html")]
pub struct ClockPage {
    pub page: Page,
    pub platform_now: String,
    pub real_now: String,
    pub ahead: String,
    pub today: String,
    pub today_weekday: String,
    pub today_working: bool,
    pub next_working: String,
    /// The offset this page shows, sent back with a move: a move made meanwhile by someone
    /// else is not applied on top of it unseen.
    pub seen: i64,
    pub amount: Field,
    pub unit: Field,
    pub units: Vec<(String, String)>,
    pub upcoming: Vec<UpcomingRow>,
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    seen: String,
}

fn units(lang: Lang) -> Vec<(String, String)> {
    ["working_days", "hours"]
        .into_iter()
        .map(|u| {
            (
                u.to_string(),
                crate::i18n::tr(lang, &format!("clock.unit.{u}")).to_string(),
            )
        })
        .collect()
}

struct Loaded {
    row: platform::ClockRow,
    cal: workdays::Calendar,
    upcoming: Vec<platform::Upcoming>,
}

/// The clock row read now (not the cached reading: this page decides on it), 404 on a
/// production database, then the policy.
async fn load(ctx: &Ctx) -> Result<Loaded, AppError> {
    let l = db::run(ctx.pool(), |c| {
        let row = platform::read(c)?;
        let today = workdays::china_date(
            (crate::clock::system_now() + chrono::Duration::seconds(row.offset_seconds)).and_utc(),
        );
        let cal = crate::accounts::store::calendar::load_from(c, today)?;
        let upcoming = if row.demo {
            platform::upcoming(c, today, 12)?
        } else {
            Vec::new()
        };
        Ok::<_, DbError>(Loaded { row, cal, upcoming })
    })
    .await?;
    if !l.row.demo {
        return Err(AppError::NotFound);
    }
    ctx.authorize(Action::MovePlatformClock)?;
    // What this request read is the newest reading this instance has.
    ctx.pool().clock().record(true, l.row.offset_seconds);
    Ok(l)
}

fn page(ctx: &Ctx, l: &Loaded, amount: Field, unit: Field) -> ClockPage {
    let lang = ctx.lang();
    let real = crate::clock::system_now();
    let now = real + chrono::Duration::seconds(l.row.offset_seconds);
    let today = workdays::china_date(now.and_utc());
    let ahead = if l.row.offset_seconds > 0 {
        Rehearsal {
            ahead_seconds: l.row.offset_seconds,
        }
        .ahead(lang)
    } else {
        ctx.t("clock.not_moved").to_string()
    };
    let upcoming = l
        .upcoming
        .iter()
        .map(|u| UpcomingRow {
            when: match u.at {
                Some(t) => fmt_time(t),
                None => fmt::date(u.on),
            },
            what: ctx.t(&format!("clock.due.{}", u.kind.as_str())).to_string(),
            project: u.project.clone(),
            link: if u.kind == platform::Timer::SignBy {
                format!("/contracts/{}", u.id)
            } else {
                format!("/announcements/{}", u.id)
            },
        })
        .collect();
    ClockPage {
        page: ctx.page(),
        platform_now: fmt::seconds(now),
        real_now: fmt::seconds(real),
        ahead,
        today: fmt::date(today),
        today_weekday: ctx.t(workdays::weekday_key(today)).to_string(),
        today_working: l.cal.is_working_day(today),
        next_working: fmt::date(l.cal.add_working_days(today, 1)),
        seen: l.row.offset_seconds,
        amount,
        unit,
        units: units(lang),
        upcoming,
    }
}

async fn show(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let l = load(&ctx).await?;
    let p = page(&ctx, &l, Field::new("1"), Field::new("working_days"));
    html(&p, StatusCode::OK)
}

async fn move_clock(ctx: Ctx, CsrfForm(f): CsrfForm<MoveForm>) -> Result<HttpResponse, AppError> {
    let l = load(&ctx).await?;
    let lang = ctx.lang();
    let step = match rehearsal::parse_step(&f.amount, &f.unit) {
        Ok(s) => s,
        Err(e) => {
            let (mut amount, mut unit) = (Field::new(&f.amount), Field::new(&f.unit));
            let field = if e.field() == "unit" {
                &mut unit
            } else {
                &mut amount
            };
            field.fail(lang, e.key(), &e.args());
            let p = page(&ctx, &l, amount, unit);
            return html(&p, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    // A missing or garbled `seen` cannot match the stored offset: refused as moved meanwhile.
    let seen: i64 = f.seen.trim().parse().unwrap_or(-1);
    let actor = ctx.actor();
    let r = db::run(ctx.pool(), move |c| {
        steps::move_forward(c, &actor, step, seen)
    })
    .await;
    match r {
        Ok(m) => {
            ctx.pool().clock().record(true, m.offset_seconds);
            tracing::info!(
                unit = step.unit(),
                amount = step.amount(),
                offset_seconds = m.offset_seconds,
                "platform clock moved"
            );
            Ok(redirect_flash(
                "/admin/clock",
                FlashKind::Success,
                "clock.moved",
            ))
        }
        Err(StepError::Refused(r)) if r.key == steps::MOVED_MEANWHILE => Ok(redirect_flash(
            "/admin/clock",
            FlashKind::Error,
            steps::MOVED_MEANWHILE,
        )),
        // Not a demo database (404), or the database failed.
        Err(e) => Err(e.into()),
    }
}
