//! The platform clock's row (table `platform_clock`, see `crate::clock`): the demo flag set
//! when `zhongjie demo` creates a database, and the one write on it, the administrator's move
//! of a demo database's clock.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::audit::{self, Actor};
use crate::db::schema::{platform_clock as pc, sessions};
use crate::db::{self, DbConnection, DbError};
use crate::domain::rehearsal::{self, Step};

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

/// Flags a database as a demo/training database, at its creation: only while it has no
/// accounts yet (the database refuses otherwise, so a production database can never become
/// one). Returns whether the database is a demo database afterwards. Call inside the write
/// that loads the demo, before its first account.
pub fn flag_demo_at_creation(c: &mut DbConnection) -> Result<bool, DbError> {
    use crate::db::schema::users;
    let row = read(c)?;
    if row.demo {
        return Ok(true);
    }
    let accounts: i64 = users::table.count().get_result(c)?;
    if accounts > 0 {
        return Ok(false);
    }
    let now = db::now();
    diesel::update(pc::table.find(1).filter(pc::demo.eq(false)))
        .set((pc::demo.eq(true), pc::flagged_at.eq(Some(now))))
        .execute(c)?;
    audit::record(
        c,
        &Actor::system(),
        "platform.demo_flag",
        "platform_clock",
        1,
        &serde_json::json!({ "demo": true, "flagged_at": now }),
        "demo",
    )?;
    Ok(true)
}

/// A moved clock: its offset afterwards, and the platform time before and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moved {
    pub offset_seconds: i64,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
}

/// Why a move was refused.
#[derive(Debug)]
pub enum MoveRefused {
    /// Not a demo database: nothing to move, the page does not exist.
    NotDemo,
    /// Someone moved the clock since the page was loaded (`seen` is stale): nothing changed;
    /// the administrator looks at the new time and decides again.
    MovedMeanwhile,
    Db(DbError),
}

impl From<DbError> for MoveRefused {
    fn from(e: DbError) -> Self {
        MoveRefused::Db(e)
    }
}

impl From<diesel::result::Error> for MoveRefused {
    fn from(e: diesel::result::Error) -> Self {
        MoveRefused::Db(e.into())
    }
}

/// Moves a demo database's clock forward by `step`, from the offset the administrator saw
/// (`seen`), in one transaction: the guarded update of the offset, the open sessions carried
/// along (their age is unchanged, so nobody is signed out by a rehearsal step), and the audit
/// entry. The caller records the new offset in its pool's clock.
pub fn move_forward(
    c: &mut DbConnection,
    actor: &Actor,
    step: Step,
    seen: i64,
) -> Result<Moved, MoveRefused> {
    db::write_tx(c, |c| {
        let row = read(c)?;
        if !row.demo {
            return Err(MoveRefused::NotDemo);
        }
        if row.offset_seconds != seen {
            return Err(MoveRefused::MovedMeanwhile);
        }
        // "Now" on the offset just read (this process may not have seen it yet).
        let real = crate::clock::system_now();
        let from = real + chrono::Duration::seconds(row.offset_seconds);
        let today = crate::domain::workdays::china_date(from.and_utc());
        let cal = crate::accounts::store::calendar::load_from(c, today)?;
        let to = rehearsal::advance(from, step, &cal);
        let delta = (to - from).num_seconds();
        let offset = row.offset_seconds + delta;
        let n = diesel::update(
            pc::table
                .find(1)
                .filter(pc::demo.eq(true))
                .filter(pc::offset_seconds.eq(seen)),
        )
        .set((
            pc::offset_seconds.eq(offset),
            pc::moved_at.eq(Some(to)),
            pc::moved_by.eq(actor.id),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(MoveRefused::MovedMeanwhile);
        }
        let open: Vec<(String, NaiveDateTime, NaiveDateTime)> = sessions::table
            .select((
                sessions::id_hash,
                sessions::created_at,
                sessions::last_seen_at,
            ))
            .load(c)?;
        let shift = chrono::Duration::seconds(delta);
        for (id, created, seen_at) in open {
            diesel::update(sessions::table.find(id))
                .set((
                    sessions::created_at.eq(created + shift),
                    sessions::last_seen_at.eq(seen_at + shift),
                ))
                .execute(c)?;
        }
        audit::record(
            c,
            actor,
            "platform.clock_move",
            "platform_clock",
            1,
            &serde_json::json!({
                "unit": step.unit(),
                "amount": step.amount(),
                "from": from,
                "to": to,
                "offset_seconds": offset,
            }),
            "",
        )?;
        Ok(Moved {
            offset_seconds: offset,
            from,
            to,
        })
    })
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
    use crate::db::schema::{announcement_results as r, announcements as a, contracts, projects};
    use crate::domain::status::{AnnouncementStatus, ContractStatus};
    let lim = limit as i64;
    let mut out = Vec::new();
    let open: Vec<(i64, NaiveDateTime, String)> = a::table
        .inner_join(projects::table)
        .filter(a::status.eq(AnnouncementStatus::Published))
        .order(a::deadline)
        .limit(lim)
        .select((a::id, a::deadline, projects::name))
        .load(c)?;
    for (id, deadline, project) in open {
        out.push(Upcoming {
            on: crate::domain::workdays::china_date(deadline.and_utc()),
            at: Some(deadline),
            kind: Timer::QuoteDeadline,
            id,
            project,
        });
    }
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
    let signing: Vec<(i64, chrono::NaiveDate, String)> = contracts::table
        .inner_join(a::table.on(a::id.eq(contracts::announcement_id)))
        .inner_join(projects::table.on(projects::id.eq(a::project_id)))
        .filter(contracts::status.eq_any([ContractStatus::Draft, ContractStatus::Signing]))
        .filter(contracts::sign_by.ge(today))
        .order(contracts::sign_by)
        .limit(lim)
        .select((contracts::id, contracts::sign_by, projects::name))
        .load(c)?;
    for (id, on, project) in signing {
        out.push(Upcoming {
            on,
            at: None,
            kind: Timer::SignBy,
            id,
            project,
        });
    }
    out.sort_by_key(|x| (x.on, x.at, x.id));
    out.truncate(limit);
    Ok(out)
}
