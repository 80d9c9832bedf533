//! The working-day calendar: the administrator's page to add and remove holidays and make-up
//! working days (`/admin/calendar`), and the public read-only list of a year (`/calendar`)
//! so owners and agencies can see which days count for deadlines. The rules are in
//! `domain::workdays`, the rows in `crate::accounts::store::calendar`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::accounts::steps;
use crate::accounts::store::calendar::{self as cal, CalendarDay};
use crate::auth::policy::Action;
use crate::db::{self, DbError};
use crate::domain::validate;
use crate::domain::workdays::{self, DayKind, FIRST_YEAR, LAST_YEAR};
use crate::error::{AppError, StepError};
use crate::i18n::Lang;
use crate::web::ctx::redirect_flash;
use crate::web::forms::CsrfForm;
use crate::web::page::{Field, FlashKind, Page};
use crate::web::{Ctx, fmt, fmt_time, html};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/calendar", web::get().to(public_year))
        .route("/admin/calendar", web::get().to(admin_year))
        .route("/admin/calendar", web::post().to(add_day))
        .route("/admin/calendar/{day}/remove", web::post().to(remove_day));
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<String>,
}

/// The year asked for, or this year when the parameter is missing or not a year we keep.
fn chosen_year(q: &YearQuery) -> i32 {
    q.year
        .as_deref()
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))
        .unwrap_or_else(|| crate::db::today().year())
}

/// The years offered: last year to next year, and every year that has entries.
fn year_choices(with_entries: &[i32], shown: i32) -> Vec<i32> {
    let this = crate::db::today().year();
    let mut ys: Vec<i32> = (this - 1..=this + 1)
        .chain(with_entries.iter().copied())
        .chain(std::iter::once(shown))
        .filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))
        .collect();
    ys.sort_unstable();
    ys.dedup();
    ys
}

pub struct DayRow {
    pub date: String,
    pub weekday: String,
    pub kind: String,
    pub holiday: bool,
    pub name: String,
    pub added_by: String,
    pub added_at: String,
}

fn rows(lang: Lang, days: &[(CalendarDay, Option<String>)]) -> Vec<DayRow> {
    let t = |k: &str| crate::i18n::tr(lang, k).to_string();
    days.iter()
        .map(|(d, by)| {
            let kind = d.kind;
            DayRow {
                date: fmt::date(d.day),
                weekday: t(workdays::weekday_key(d.day)),
                kind: t(kind.label_key()),
                holiday: kind == DayKind::Holiday,
                name: d.name.clone(),
                added_by: by.clone().unwrap_or_else(|| t("calendar.by_seed")),
                added_at: fmt_time(d.created_at),
            }
        })
        .collect()
}

async fn load_year(ctx: &Ctx, year: i32) -> Result<(Vec<DayRow>, Vec<i32>), AppError> {
    let (days, with_entries) = db::run(ctx.pool(), move |c| {
        Ok::<_, DbError>((cal::year(c, year)?, cal::years(c)?))
    })
    .await?;
    Ok((rows(ctx.lang(), &days), year_choices(&with_entries, year)))
}

// ---------------------------------------------------------------- public

#[derive(Template)]
#[template(path = "accounts/calendar/public.html")]
pub struct PublicPage {
    pub page: Page,
    pub year: i32,
    pub years: Vec<i32>,
    pub days: Vec<DayRow>,
    pub today: String,
    pub today_weekday: String,
    pub today_working: bool,
}

async fn public_year(ctx: Ctx, q: web::Query<YearQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ViewPublic)?;
    let year = chosen_year(&q);
    let (days, years) = load_year(&ctx, year).await?;
    let today = crate::db::today();
    let c = db::run(ctx.pool(), move |c| {
        cal::load_from(c, today).map_err(DbError::from)
    })
    .await?;
    let p = PublicPage {
        page: ctx.page(),
        year,
        years,
        days,
        today: fmt::date(today),
        today_weekday: ctx.t(workdays::weekday_key(today)).to_string(),
        today_working: c.is_working_day(today),
    };
    html(&p, StatusCode::OK)
}

// ---------------------------------------------------------------- administrator

#[derive(Template)]
#[template(path = "accounts/calendar/admin.html")]
pub struct AdminPage {
    pub page: Page,
    pub year: i32,
    pub years: Vec<i32>,
    pub days: Vec<DayRow>,
    pub date: Field,
    pub kind: Field,
    pub name: Field,
    pub kinds: Vec<(String, String)>,
}

fn kind_options(lang: Lang) -> Vec<(String, String)> {
    DayKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str().to_string(),
                crate::i18n::tr(lang, k.label_key()).to_string(),
            )
        })
        .collect()
}

async fn admin_year(ctx: Ctx, q: web::Query<YearQuery>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ManageCalendar)?;
    let year = chosen_year(&q);
    let (days, years) = load_year(&ctx, year).await?;
    let p = AdminPage {
        page: ctx.page(),
        year,
        years,
        days,
        date: Field::default(),
        kind: Field::new(DayKind::Holiday.as_str()),
        name: Field::default(),
        kinds: kind_options(ctx.lang()),
    };
    html(&p, StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DayForm {
    pub date: String,
    pub kind: String,
    pub name: String,
}

/// The day form as typed, with a message beside each field that is wrong, and the date it
/// names if it names one (the page shows that year again).
struct DayFields {
    date: Field,
    kind: Field,
    name: Field,
    day: Option<NaiveDate>,
}

/// Reads the day form: the entry to add, or `None` with the messages in `DayFields`.
fn parse_day_form(lang: Lang, f: &DayForm) -> (DayFields, Option<(NaiveDate, DayKind, String)>) {
    let mut date = Field::new(&f.date);
    let mut kind = Field::new(&f.kind);
    let mut name = Field::new(&f.name);
    let day = if f.date.trim().is_empty() {
        date.fail(lang, "v.required", &[]);
        None
    } else {
        let range = [
            ("min", FIRST_YEAR.to_string()),
            ("max", LAST_YEAR.to_string()),
        ];
        workdays::parse_date(&f.date)
            .map_err(|e| date.fail(lang, e.key(), &range))
            .ok()
    };
    let k = DayKind::parse(&f.kind);
    if k.is_none() {
        kind.fail(lang, "calendar.err.kind_invalid", &[]);
    }
    if let (Some(d), Some(k)) = (day, k)
        && let Err(e) = workdays::check_entry(d, k)
    {
        let weekday = crate::i18n::tr(lang, workdays::weekday_key(d)).to_string();
        date.fail(
            lang,
            e.key(),
            &[("date", fmt::date(d)), ("weekday", weekday)],
        );
    }
    let n = name.check(lang, validate::text(&f.name, 30, true));
    let entry = match (day, k, n, date.has_error()) {
        (Some(d), Some(k), Some(n), false) => Some((d, k, n)),
        _ => None,
    };
    let fields = DayFields {
        date,
        kind,
        name,
        day,
    };
    (fields, entry)
}

async fn add_day(ctx: Ctx, CsrfForm(f): CsrfForm<DayForm>) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ManageCalendar)?;
    let me = ctx.current()?.clone();
    let lang = ctx.lang();
    let (mut fields, entry) = parse_day_form(lang, &f);
    if let Some((d, k, n)) = entry {
        let added = db::run(ctx.pool(), move |c| {
            steps::add_calendar_day(c, &me, d, k, &n, lang)
        })
        .await;
        match added {
            Ok(d) => {
                return Ok(redirect_flash(
                    &format!("/admin/calendar?year={}", d.year()),
                    FlashKind::Success,
                    "calendar.added",
                ));
            }
            Err(StepError::Refused(r)) if r.key == steps::DAY_TAKEN => {
                fields.date.error = Some(r.message(lang));
            }
            Err(e) => return Err(e.into()),
        }
    }
    // Refused: the same page for the year of the date typed (if it was one), with the input.
    let year = fields
        .day
        .map(|d| d.year())
        .unwrap_or_else(|| crate::db::today().year());
    let (days, years) = load_year(&ctx, year).await?;
    let p = AdminPage {
        page: ctx.page(),
        year,
        years,
        days,
        date: fields.date,
        kind: fields.kind,
        name: fields.name,
        kinds: kind_options(lang),
    };
    html(&p, StatusCode::UNPROCESSABLE_ENTITY)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RemoveForm {}

async fn remove_day(
    ctx: Ctx,
    path: web::Path<String>,
    CsrfForm(_f): CsrfForm<RemoveForm>,
) -> Result<HttpResponse, AppError> {
    ctx.authorize(Action::ManageCalendar)?;
    let day = NaiveDate::parse_from_str(&path, "%Y-%m-%d").map_err(|_| AppError::NotFound)?;
    let me = ctx.current()?.clone();
    let removed = db::run(ctx.pool(), move |c| steps::remove_calendar_day(c, &me, day)).await?;
    if !removed {
        return Err(AppError::NotFound);
    }
    Ok(redirect_flash(
        &format!("/admin/calendar?year={}", day.year()),
        FlashKind::Success,
        "calendar.removed",
    ))
}
