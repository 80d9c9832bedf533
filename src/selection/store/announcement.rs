//! Projects and announcements (tables `projects`, `announcements`, `announcement_avoided`,
//! `announcement_results`): the rows every selection step reads. The rules are in
//! `domain::selection`, `domain::publication` and `domain::eligibility`; the writes of each
//! step live with that step (`crate::selection::store::publication`, `crate::selection::store::bidding`, `crate::selection::store::opening`).

use crate::db::OneRow;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::policy::OwnerSide;
use crate::db::DbConnection;
use crate::db::schema::{announcement_avoided, announcement_results, announcements, projects};
use crate::domain::credit::Grade;
use crate::domain::money::Money;
use crate::domain::selection::Mode;
use crate::domain::status::AnnouncementStatus;

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = projects)]
pub struct Project {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    pub code: String,
    pub region: String,
    pub fiscal_funds: bool,
    #[diesel(column_name = total_investment_fen)]
    #[serde(rename = "total_investment_fen")]
    pub total_investment: Money,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The approval department that commissions the project (附件4 (五)), if any.
    pub department_id: Option<i64>,
}

impl Project {
    pub fn owner_side(&self) -> OwnerSide {
        OwnerSide {
            user: self.owner_id,
            department: self.department_id,
        }
    }
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = announcements)]
pub struct Announcement {
    pub id: i64,
    pub project_id: i64,
    pub owner_id: i64,
    pub item_id: i64,
    pub previous_id: Option<i64>,
    pub round: i32,
    pub earlier_failures: i32,
    pub scope: String,
    pub time_limit_days: i32,
    /// The cap price 最高限价 (none for the modes without quotes).
    #[diesel(column_name = cap_fen)]
    #[serde(rename = "cap_fen")]
    pub cap: Option<Money>,
    pub mode: String,
    /// UTC.
    pub deadline: NaiveDateTime,
    pub min_grade: Option<String>,
    pub complaint_phone: String,
    pub witness: String,
    pub weight_price: Option<i32>,
    pub weight_credit: Option<i32>,
    pub weight_qual: Option<i32>,
    pub status: AnnouncementStatus,
    pub version: i32,
    /// Sealed under the sealing key; never shown.
    #[serde(skip)]
    pub seed_sealed: Option<String>,
    pub seed_commitment: Option<String>,
    pub published_at: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The project's commissioning department (copied from the project).
    pub owner_department_id: Option<i64>,
    /// Why the time limit is longer than the 20%-faster target ('' when it is not).
    pub time_limit_reason: String,
    /// '', 'special' or 'major': the owner's declaration when a regional assessment covers
    /// the item (`domain::publication::ProjectClass`).
    pub regional_exception: String,
    pub regional_exception_reason: String,
}

impl Announcement {
    pub fn owner_side(&self) -> OwnerSide {
        OwnerSide {
            user: self.owner_id,
            department: self.owner_department_id,
        }
    }
    pub fn mode(&self) -> Option<Mode> {
        Mode::parse(&self.mode)
    }
    pub fn min_grade(&self) -> Option<Grade> {
        self.min_grade.as_deref().and_then(Grade::parse)
    }
    /// Published and the deadline has passed, but not opened yet: the opening step is due.
    pub fn due(&self, now: NaiveDateTime) -> bool {
        self.status == AnnouncementStatus::Published && now >= self.deadline
    }
    /// Registration and quotes are accepted.
    pub fn open_for_quotes(&self, now: NaiveDateTime) -> bool {
        self.status == AnnouncementStatus::Published && now < self.deadline
    }
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = announcement_results)]
pub struct AnnouncementResult {
    pub announcement_id: i64,
    pub opened_at: NaiveDateTime,
    pub opened_by: String,
    pub seed_revealed: String,
    pub outcome: Option<String>,
    pub winner_id: Option<i64>,
    #[diesel(column_name = winner_amount_fen)]
    pub winner_amount: Option<Money>,
    pub winner_rank: Option<i32>,
    pub justify_by: Option<NaiveDate>,
    pub publicity_ends: Option<NaiveDate>,
    pub confirm_by: Option<NaiveDate>,
}

pub fn find_project(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Project>> {
    projects::table
        .find(id)
        .select(Project::as_select())
        .one(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Announcement>> {
    announcements::table
        .find(id)
        .select(Announcement::as_select())
        .one(conn)
}

pub fn result_of(conn: &mut DbConnection, id: i64) -> QueryResult<Option<AnnouncementResult>> {
    announcement_results::table
        .find(id)
        .select(AnnouncementResult::as_select())
        .one(conn)
}

/// How an announcement is named to readers: its title "project · item", as its page heads
/// it (its number is its id). `None` if it does not exist.
pub fn title(conn: &mut DbConnection, id: i64) -> QueryResult<Option<String>> {
    use crate::db::schema::catalogue_items;
    let row: Option<(String, String)> = announcements::table
        .inner_join(projects::table)
        .inner_join(catalogue_items::table)
        .filter(announcements::id.eq(id))
        .select((projects::name, catalogue_items::name))
        .first(conn)
        .optional()?;
    Ok(row.map(|(p, i)| format!("{p} · {i}")))
}

/// The agencies the owner must avoid (回避单位), ascending.
pub fn avoided(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<i64>> {
    announcement_avoided::table
        .filter(announcement_avoided::announcement_id.eq(id))
        .select(announcement_avoided::agency_id)
        .order(announcement_avoided::agency_id)
        .load(conn)
}

/// One line of the home page's latest results: the announcement, its project and item, the
/// agency that won and confirmed, the amount (none for modes without quotes) and when.
#[derive(Clone, Debug)]
pub struct LatestAward {
    pub announcement_id: i64,
    pub project: String,
    pub item: String,
    pub agency: String,
    pub amount: Option<Money>,
    pub confirmed_at: NaiveDateTime,
}

/// The latest confirmed awards, newest first, in one statement.
pub fn latest_awards(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<LatestAward>> {
    use crate::db::schema::{agencies, awards, catalogue_items};
    let rows: Vec<(i64, String, String, String, Option<Money>, NaiveDateTime)> = awards::table
        .inner_join(announcements::table.on(announcements::id.eq(awards::announcement_id)))
        .inner_join(projects::table.on(projects::id.eq(announcements::project_id)))
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(announcements::item_id)))
        .inner_join(agencies::table.on(agencies::user_id.eq(awards::agency_id)))
        .order((awards::confirmed_at.desc(), awards::announcement_id.desc()))
        .limit(limit)
        .select((
            awards::announcement_id,
            projects::name,
            catalogue_items::name,
            agencies::name,
            awards::amount_fen,
            awards::confirmed_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(announcement_id, project, item, agency, amount, confirmed_at)| LatestAward {
                announcement_id,
                project,
                item,
                agency,
                amount,
                confirmed_at,
            },
        )
        .collect())
}
