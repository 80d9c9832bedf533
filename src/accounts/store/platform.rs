//! The platform clock's row (table `platform_clock`, see `crate::clock`): the demo flag set
//! when `zhongjie demo` creates a database, and the timers that fall due next. Its writes (the
//! demo flag, the administrator's move of a demo database's clock) are steps in
//! `crate::accounts::steps`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::platform_clock as pc;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = pc)]
pub struct ClockRow {
    pub demo: bool,
    pub offset_seconds: i64,
    pub flagged_at: Option<NaiveDateTime>,
    pub moved_at: Option<NaiveDateTime>,
    pub moved_by: Option<i64>,
}

pub fn read(c: &mut DbConnection) -> QueryResult<ClockRow> {
    pc::table.find(1).select(ClockRow::as_select()).first(c)
}

/// What falls due next on the platform, for the trainer deciding how far to move the clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upcoming {
    /// Platform date the timer falls due (China date).
    pub on: chrono::NaiveDate,
    /// For a quote deadline: its time (UTC).
    pub at: Option<NaiveDateTime>,
    pub kind: Timer,
    /// Announcement id (contract id for [`Timer::SignBy`]).
    pub id: i64,
    pub project: String,
}

/// Which timer of an announcement or contract falls due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    QuoteDeadline,
    JustifyBy,
    PublicityEnds,
    ConfirmBy,
    /// A contract's signing deadline; the others are an announcement's.
    SignBy,
}

impl Timer {
    /// The tail of its locale key (`clock.due.*`).
    pub fn as_str(self) -> &'static str {
        match self {
            Timer::QuoteDeadline => "quote_deadline",
            Timer::JustifyBy => "justify_by",
            Timer::PublicityEnds => "publicity_ends",
            Timer::ConfirmBy => "confirm_by",
            Timer::SignBy => "sign_by",
        }
    }
}

/// The next `limit` timers from `today` on: quote deadlines of published announcements, the
/// dates of opened ones (justification, publicity, confirmation) and contracts' sign-by days.
pub fn upcoming(
    c: &mut DbConnection,
    today: chrono::NaiveDate,
    limit: usize,
) -> QueryResult<Vec<Upcoming>> {
    let lim = limit as i64;
    let mut out = quote_deadlines(c, lim)?;
    out.extend(result_dates(c, today)?);
    out.extend(sign_by_days(c, today, lim)?);
    out.sort_by_key(|x| (x.on, x.at, x.id));
    out.truncate(limit);
    Ok(out)
}

/// The quote deadlines of published announcements, earliest first.
fn quote_deadlines(c: &mut DbConnection, lim: i64) -> QueryResult<Vec<Upcoming>> {
    use crate::db::schema::{announcements as a, projects};
    use crate::domain::status::AnnouncementStatus;
    let open: Vec<(i64, NaiveDateTime, String)> = a::table
        .inner_join(projects::table)
        .filter(a::status.eq(AnnouncementStatus::Published))
        .order(a::deadline)
        .limit(lim)
        .select((a::id, a::deadline, projects::name))
        .load(c)?;
    Ok(open
        .into_iter()
        .map(|(id, deadline, project)| Upcoming {
            on: crate::domain::workdays::china_date(deadline.and_utc()),
            at: Some(deadline),
            kind: Timer::QuoteDeadline,
            id,
            project,
        })
        .collect())
}

/// The dates of opened announcements still to come: the justification's while quotes are
/// justified, the end of publicity and the confirmation's during publicity.
fn result_dates(c: &mut DbConnection, today: chrono::NaiveDate) -> QueryResult<Vec<Upcoming>> {
    use crate::db::schema::{announcement_results as r, announcements as a, projects};
    use crate::domain::status::AnnouncementStatus;
    type Dates = (
        i64,
        AnnouncementStatus,
        String,
        Option<chrono::NaiveDate>,
        Option<chrono::NaiveDate>,
        Option<chrono::NaiveDate>,
    );
    let opened: Vec<Dates> = r::table
        .inner_join(a::table.inner_join(projects::table))
        .filter(a::status.eq_any([
            AnnouncementStatus::Justifying,
            AnnouncementStatus::Publicity,
        ]))
        .select((
            a::id,
            a::status,
            projects::name,
            r::justify_by,
            r::publicity_ends,
            r::confirm_by,
        ))
        .load(c)?;
    let mut out = Vec::new();
    for (id, st, project, justify, publicity, confirm) in opened {
        let dates: &[(Timer, Option<chrono::NaiveDate>)] = if st == AnnouncementStatus::Justifying {
            &[(Timer::JustifyBy, justify)]
        } else {
            &[
                (Timer::PublicityEnds, publicity),
                (Timer::ConfirmBy, confirm),
            ]
        };
        for &(kind, on) in dates {
            if let Some(on) = on.filter(|d| *d >= today) {
                out.push(Upcoming {
                    on,
                    at: None,
                    kind,
                    id,
                    project: project.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// The sign-by days of contracts not yet signed, earliest first.
fn sign_by_days(
    c: &mut DbConnection,
    today: chrono::NaiveDate,
    lim: i64,
) -> QueryResult<Vec<Upcoming>> {
    use crate::db::schema::{announcements as a, contracts, projects};
    use crate::domain::status::ContractStatus;
    let signing: Vec<(i64, chrono::NaiveDate, String)> = contracts::table
        .inner_join(a::table.on(a::id.eq(contracts::announcement_id)))
        .inner_join(projects::table.on(projects::id.eq(a::project_id)))
        .filter(contracts::status.eq_any([ContractStatus::Draft, ContractStatus::Signing]))
        .filter(contracts::sign_by.ge(today))
        .order(contracts::sign_by)
        .limit(lim)
        .select((contracts::id, contracts::sign_by, projects::name))
        .load(c)?;
    Ok(signing
        .into_iter()
        .map(|(id, on, project)| Upcoming {
            on,
            at: None,
            kind: Timer::SignBy,
            id,
            project,
        })
        .collect())
}
