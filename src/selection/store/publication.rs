//! The owner's side of a selection read back: projects and announcements by owner, the
//! public list, the terms of a stored announcement, the facts the publication rules need
//! (read inside the writer's transaction by `crate::selection::steps::publication`), the
//! self-preparation declarations, and what the department sees of them.

use crate::db::OneRow;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use serde::Serialize;

use crate::catalogue::store::{Item, RegionalAssessment};
use crate::db::DbConnection;
use crate::db::schema::*;
use crate::domain::credit::Grade;
use crate::domain::fairness;
use crate::domain::money::Money;
use crate::domain::publication::{self as rules, *};
use crate::domain::selection::{self, Mode, Weights};
use crate::domain::status::AnnouncementStatus;
use crate::selection::store::announcement::{self as ann, Announcement, Project};

/// Whose projects a list shows: an owner account's own, or those a department commissioned
/// (whichever of its staff created them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerScope {
    Owner(i64),
    Department(i64),
}

/// The projects of an owner side, newest first.
pub fn projects_of(conn: &mut DbConnection, scope: OwnerScope) -> QueryResult<Vec<Project>> {
    let q = projects::table.into_boxed();
    let q = match scope {
        OwnerScope::Owner(o) => q
            .filter(projects::owner_id.eq(o))
            .filter(projects::department_id.is_null()),
        OwnerScope::Department(d) => q.filter(projects::department_id.eq(d)),
    };
    q.order(projects::id.desc())
        .select(Project::as_select())
        .load(conn)
}

/// An announcement with the names a list shows.
#[derive(Clone, Debug)]
pub struct Row {
    pub a: Announcement,
    pub project_name: String,
    pub item_code: String,
    pub item_name: String,
}

type RowTuple = (Announcement, String, String, String);

fn rows(v: Vec<RowTuple>) -> Vec<Row> {
    v.into_iter()
        .map(|(a, project_name, item_code, item_name)| Row {
            a,
            project_name,
            item_code,
            item_name,
        })
        .collect()
}

/// Every announcement of an owner side (drafts included), newest first.
pub fn announcements_of_owner(conn: &mut DbConnection, scope: OwnerScope) -> QueryResult<Vec<Row>> {
    let q = announcements::table
        .inner_join(projects::table)
        .inner_join(catalogue_items::table)
        .into_boxed();
    let q = match scope {
        OwnerScope::Owner(o) => q
            .filter(announcements::owner_id.eq(o))
            .filter(announcements::owner_department_id.is_null()),
        OwnerScope::Department(d) => q.filter(announcements::owner_department_id.eq(d)),
    };
    q.order(announcements::id.desc())
        .select((
            Announcement::as_select(),
            projects::name,
            catalogue_items::code,
            catalogue_items::name,
        ))
        .load::<RowTuple>(conn)
        .map(rows)
}

/// The public list: every announcement past its draft, newest publication first.
pub fn public_list(
    conn: &mut DbConnection,
    status_filter: Option<crate::domain::status::AnnouncementStatus>,
    mode_filter: Option<&str>,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<Row>> {
    let mut q = announcements::table
        .inner_join(projects::table)
        .inner_join(catalogue_items::table)
        .filter(announcements::status.ne(AnnouncementStatus::Draft))
        .into_boxed();
    if let Some(s) = status_filter {
        q = q.filter(announcements::status.eq(s));
    }
    if let Some(m) = mode_filter {
        q = q.filter(announcements::mode.eq(m.to_string()));
    }
    q.order((announcements::published_at.desc(), announcements::id.desc()))
        .limit(limit)
        .offset(offset)
        .select((
            Announcement::as_select(),
            projects::name,
            catalogue_items::code,
            catalogue_items::name,
        ))
        .load::<RowTuple>(conn)
        .map(rows)
}

/// Number of agencies registered for an announcement.
pub fn count_registrations(conn: &mut DbConnection, id: i64) -> QueryResult<i64> {
    registrations::table
        .filter(registrations::announcement_id.eq(id))
        .count()
        .get_result(conn)
}

/// The stored announcement as terms the rules understand.
pub fn terms_of(a: &Announcement) -> Option<Terms> {
    let weights = match (a.weight_price, a.weight_credit, a.weight_qual) {
        (Some(p), Some(c), Some(q)) => Some(Weights {
            price: u32::try_from(p).ok()?,
            credit: u32::try_from(c).ok()?,
            qualification: u32::try_from(q).ok()?,
        }),
        _ => None,
    };
    Some(Terms {
        item_id: a.item_id,
        scope: a.scope.clone(),
        time_limit_days: a.time_limit_days,
        cap: a.cap,
        mode: Mode::parse(&a.mode)?,
        deadline: a.deadline,
        min_grade: a.min_grade.as_deref().and_then(Grade::parse),
        weights,
        complaint_phone: a.complaint_phone.clone(),
        witness: a.witness.clone(),
        time_limit_reason: a.time_limit_reason.clone(),
        regional_exception: ProjectClass::parse(&a.regional_exception),
        regional_exception_reason: a.regional_exception_reason.clone(),
    })
}

pub fn item_facts(item: &Item) -> ItemFacts<'_> {
    ItemFacts {
        status: &item.status,
        payer: &item.payer,
        department_id: item.department_id,
        time_limit_days: item.time_limit_days,
        pricing: &item.pricing,
        price_min: item.price_min_fen,
        price_max: item.price_max_fen,
        self_preparable: item.self_preparable,
    }
}

/// Names of registered agencies that appear in any of `texts` (for the 公平竞争 screen).
/// One scan of `agencies` with a bound LIKE, then an exact check here (a name holding `%`
/// or `_` would otherwise match too widely).
pub fn agency_names_in(conn: &mut DbConnection, texts: &[&str]) -> QueryResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in texts.iter().filter(|t| !t.trim().is_empty()) {
        let cond = diesel::dsl::sql::<Bool>("CAST(")
            .bind::<Text, _>(t.to_string())
            .sql(" AS TEXT) LIKE ('%' || agencies.name || '%')");
        let names: Vec<String> = agencies::table
            .filter(cond)
            .select(agencies::name)
            .load(conn)?;
        out.extend(
            names.into_iter().filter(|n| {
                n.chars().count() >= fairness::NAME_MIN_CHARS && t.contains(n.as_str())
            }),
        );
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// An agency named on the avoided list: by unified social credit code or exact name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgencyRef {
    pub id: i64,
    pub name: String,
    pub uscc: String,
}

/// Agencies whose USCC or exact name is `s` (several only when names repeat).
pub fn find_agencies(conn: &mut DbConnection, s: &str) -> QueryResult<Vec<AgencyRef>> {
    let s = s.trim();
    let v: Vec<(i64, String, String)> = agencies::table
        .filter(agencies::uscc.eq(s.to_uppercase()).or(agencies::name.eq(s)))
        .order(agencies::user_id)
        .select((agencies::user_id, agencies::name, agencies::uscc))
        .load(conn)?;
    Ok(v.into_iter()
        .map(|(id, name, uscc)| AgencyRef { id, name, uscc })
        .collect())
}

/// The avoided units of an announcement with their names.
pub fn avoided_refs(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<AgencyRef>> {
    let v: Vec<(i64, String, String)> = announcement_avoided::table
        .inner_join(agencies::table.on(agencies::user_id.eq(announcement_avoided::agency_id)))
        .filter(announcement_avoided::announcement_id.eq(id))
        .order(agencies::user_id)
        .select((agencies::user_id, agencies::name, agencies::uscc))
        .load(conn)?;
    Ok(v.into_iter()
        .map(|(id, name, uscc)| AgencyRef { id, name, uscc })
        .collect())
}

/// The setting that holds the procurement threshold, in fen (附件4 (十一)).
pub const THRESHOLD_SETTING: &str = "procurement_threshold";

/// The regional assessment covering `item_id` in `region` on `day`, as the rules see it.
pub fn cover_for(
    conn: &mut DbConnection,
    item_id: i64,
    region: &str,
    day: chrono::NaiveDate,
) -> QueryResult<Option<(RegionalAssessment, Cover)>> {
    Ok(
        crate::catalogue::store::assessment_for(conn, item_id, region, day)?.map(|r| {
            let c = Cover {
                title: r.title.clone(),
                valid_until: r.valid_until,
            };
            (r, c)
        }),
    )
}

/// The assessments in force in `zone` on `day` (any item), one per item: the one valid the
/// longest.
pub fn covers_in_zone(
    conn: &mut DbConnection,
    zone: &str,
    day: chrono::NaiveDate,
) -> QueryResult<Vec<RegionalAssessment>> {
    use crate::db::schema::regional_assessments as ra;
    let all: Vec<RegionalAssessment> = ra::table
        .filter(ra::zone.eq(zone))
        .filter(ra::valid_until.ge(day))
        .order((ra::item_id, ra::valid_until.desc()))
        .select(RegionalAssessment::as_select())
        .load(conn)?;
    let mut out: Vec<RegionalAssessment> = Vec::new();
    for a in all {
        if out.last().is_none_or(|l| l.item_id != a.item_id) {
            out.push(a);
        }
    }
    Ok(out)
}

/// What the rules need besides the terms, read in the caller's transaction.
pub(crate) struct Facts {
    pub(crate) item: Item,
    pub(crate) fiscal_funds: bool,
    pub(crate) owner_department_id: Option<i64>,
    pub(crate) calendar: crate::domain::workdays::Calendar,
    pub(crate) agency_names: Vec<String>,
    pub(crate) threshold: Money,
    pub(crate) cover: Option<Cover>,
    pub(crate) self_prepared: bool,
}

impl Facts {
    pub(crate) fn setting(&self, now: NaiveDateTime) -> Setting<'_> {
        Setting {
            now,
            calendar: &self.calendar,
            fiscal_funds: self.fiscal_funds,
            owner_department_id: self.owner_department_id,
            weight_ranges: selection::Settings::default().weight_ranges,
            agency_names: &self.agency_names,
            procurement_threshold: self.threshold,
            regional_cover: self.cover.as_ref(),
            self_prepared: self.self_prepared,
        }
    }
}

/// The facts of the rules for announcement `a` with terms `t`.
pub(crate) fn facts(
    conn: &mut DbConnection,
    a: &Announcement,
    t: &Terms,
    now: NaiveDateTime,
) -> QueryResult<Facts> {
    let item =
        crate::catalogue::store::find(conn, t.item_id)?.ok_or(diesel::result::Error::NotFound)?;
    let project = ann::find_project(conn, a.project_id)?.ok_or(diesel::result::Error::NotFound)?;
    let today = rules::china_day(now);
    let threshold = crate::accounts::store::settings::load(conn)?.get(THRESHOLD_SETTING);
    Ok(Facts {
        fiscal_funds: project.fiscal_funds,
        owner_department_id: project.department_id,
        calendar: crate::accounts::store::calendar::load_from(conn, today)?,
        agency_names: agency_names_in(conn, &[&t.scope, &t.witness])?,
        threshold: Money::from_fen(threshold),
        cover: cover_for(conn, item.id, &project.region, today)?.map(|(_, c)| c),
        self_prepared: standing_self_preparation(conn, project.id, item.id)?.is_some(),
        item,
    })
}

/// The publication checks for a stored draft as they stand now (for the draft page).
pub fn publication_problems(
    conn: &mut DbConnection,
    a: &Announcement,
    now: NaiveDateTime,
) -> QueryResult<Vec<Problem>> {
    let Some(t) = terms_of(a) else {
        return Ok(vec![]);
    };
    let f = facts(conn, a, &t, now)?;
    Ok(rules::check(&t, &item_facts(&f.item), &f.setting(now)))
}

/// An owner's declaration that it prepares a self-preparable item itself (附件4 (九)).
#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = self_preparations)]
pub struct SelfPreparation {
    pub id: i64,
    pub project_id: i64,
    pub item_id: i64,
    pub note: String,
    pub declared_by: i64,
    pub declared_at: NaiveDateTime,
    pub withdrawn_by: Option<i64>,
    pub withdrawn_at: Option<NaiveDateTime>,
}

pub fn find_self_preparation(
    conn: &mut DbConnection,
    id: i64,
) -> QueryResult<Option<SelfPreparation>> {
    self_preparations::table
        .find(id)
        .select(SelfPreparation::as_select())
        .one(conn)
}

/// The standing (not withdrawn) declaration for an item in a project, if any.
pub fn standing_self_preparation(
    conn: &mut DbConnection,
    project_id: i64,
    item_id: i64,
) -> QueryResult<Option<SelfPreparation>> {
    self_preparations::table
        .filter(self_preparations::project_id.eq(project_id))
        .filter(self_preparations::item_id.eq(item_id))
        .filter(self_preparations::withdrawn_at.is_null())
        .select(SelfPreparation::as_select())
        .first(conn)
        .optional()
}

/// An announcement for the item in the project is past its draft and not cancelled.
pub(crate) fn announced(
    conn: &mut DbConnection,
    project_id: i64,
    item_id: i64,
) -> QueryResult<bool> {
    let n: i64 = announcements::table
        .filter(announcements::project_id.eq(project_id))
        .filter(announcements::item_id.eq(item_id))
        .filter(
            announcements::status
                .ne_all([AnnouncementStatus::Draft, AnnouncementStatus::Cancelled]),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// A declaration with the names its lists show.
#[derive(Clone, Debug)]
pub struct SelfPreparationRow {
    pub sp: SelfPreparation,
    pub item_code: String,
    pub item_name: String,
    pub project_id: i64,
    pub project_name: String,
    pub project_code: String,
    pub region: String,
    pub owner: String,
}

type SpTuple = (
    SelfPreparation,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
);

fn sp_rows(v: Vec<SpTuple>) -> Vec<SelfPreparationRow> {
    v.into_iter()
        .map(|t| SelfPreparationRow {
            sp: t.0,
            item_code: t.1,
            item_name: t.2,
            project_id: t.3,
            project_name: t.4,
            project_code: t.5,
            region: t.6,
            owner: t.7,
        })
        .collect()
}

/// Declarations, newest first: of one project, or of the items one department approves.
pub fn self_preparations(
    conn: &mut DbConnection,
    project_id: Option<i64>,
    item_department_id: Option<i64>,
) -> QueryResult<Vec<SelfPreparationRow>> {
    let mut q = self_preparations::table
        .inner_join(catalogue_items::table)
        .inner_join(projects::table)
        .inner_join(users::table.on(users::id.eq(projects::owner_id)))
        .into_boxed();
    if let Some(p) = project_id {
        q = q.filter(self_preparations::project_id.eq(p));
    }
    if let Some(d) = item_department_id {
        q = q.filter(catalogue_items::department_id.eq(d));
    }
    q.order(self_preparations::id.desc())
        .limit(500)
        .select((
            SelfPreparation::as_select(),
            catalogue_items::code,
            catalogue_items::name,
            projects::id,
            projects::name,
            projects::code,
            projects::region,
            users::org_name,
        ))
        .load::<SpTuple>(conn)
        .map(sp_rows)
}

/// Published announcements of a department's items whose time limit is beyond the
/// 20%-faster target (their reason stored), or that were published for a declared special or
/// major project in a zone with a regional assessment; newest first.
pub fn policy_exceptions_of_department(
    conn: &mut DbConnection,
    department_id: i64,
) -> QueryResult<(Vec<Row>, Vec<Row>)> {
    let base = || {
        announcements::table
            .inner_join(projects::table)
            .inner_join(catalogue_items::table)
            .filter(catalogue_items::department_id.eq(department_id))
            .filter(announcements::published_at.is_not_null())
            .order(announcements::id.desc())
            .limit(200)
            .select((
                Announcement::as_select(),
                projects::name,
                catalogue_items::code,
                catalogue_items::name,
            ))
            .into_boxed()
    };
    let slow = base()
        .filter(announcements::time_limit_reason.ne(""))
        .load::<RowTuple>(conn)
        .map(rows)?;
    let declared = base()
        .filter(announcements::regional_exception.ne(""))
        .load::<RowTuple>(conn)
        .map(rows)?;
    Ok((slow, declared))
}

/// (announcements published with a time limit beyond the 20%-faster target, announcements
/// published), over the whole platform.
pub fn speedup_counts(conn: &mut DbConnection) -> QueryResult<(i64, i64)> {
    let published: i64 = announcements::table
        .filter(announcements::published_at.is_not_null())
        .count()
        .get_result(conn)?;
    let beyond: i64 = announcements::table
        .filter(announcements::published_at.is_not_null())
        .filter(announcements::time_limit_reason.ne(""))
        .count()
        .get_result(conn)?;
    Ok((beyond, published))
}

/// The open-data download of the public list: the same filters, ordered by id (newest first),
/// `limit` rows below the id `before` (keyset: a deep page costs what the first does).
pub fn public_export(
    conn: &mut DbConnection,
    status_filter: Option<AnnouncementStatus>,
    mode_filter: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Row>> {
    let mut q = announcements::table
        .inner_join(projects::table)
        .inner_join(catalogue_items::table)
        .filter(announcements::status.ne(AnnouncementStatus::Draft))
        .into_boxed();
    if let Some(s) = status_filter {
        q = q.filter(announcements::status.eq(s));
    }
    if let Some(m) = mode_filter {
        q = q.filter(announcements::mode.eq(m.to_string()));
    }
    if let Some(b) = before {
        q = q.filter(announcements::id.lt(b));
    }
    q.order(announcements::id.desc())
        .limit(limit)
        .select((
            Announcement::as_select(),
            projects::name,
            catalogue_items::code,
            catalogue_items::name,
        ))
        .load::<RowTuple>(conn)
        .map(rows)
}

/// One announced result: a winner named and published (in publicity, or final).
#[derive(Clone, Debug)]
pub struct ResultRow {
    pub row: Row,
    pub opened_at: NaiveDateTime,
    pub winner: String,
    pub winner_uscc: String,
    pub amount: Option<Money>,
}

/// The open-data results: one row per announcement in publicity or awarded with a winner,
/// newest first, keyset on the announcement id; `mode` narrows.
pub fn results_export(
    conn: &mut DbConnection,
    mode_filter: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ResultRow>> {
    let mut q = announcements::table
        .inner_join(projects::table)
        .inner_join(catalogue_items::table)
        .inner_join(announcement_results::table)
        .inner_join(
            agencies::table.on(announcement_results::winner_id.eq(agencies::user_id.nullable())),
        )
        .filter(
            announcements::status
                .eq_any([AnnouncementStatus::Publicity, AnnouncementStatus::Awarded]),
        )
        .into_boxed();
    if let Some(m) = mode_filter {
        q = q.filter(announcements::mode.eq(m.to_string()));
    }
    if let Some(b) = before {
        q = q.filter(announcements::id.lt(b));
    }
    type Flat = (
        Announcement,
        String,
        String,
        String,
        NaiveDateTime,
        String,
        String,
        Option<Money>,
    );
    let v: Vec<Flat> = q
        .order(announcements::id.desc())
        .limit(limit)
        .select((
            Announcement::as_select(),
            projects::name,
            catalogue_items::code,
            catalogue_items::name,
            announcement_results::opened_at,
            agencies::name,
            agencies::uscc,
            announcement_results::winner_amount_fen,
        ))
        .load(conn)?;
    let (tuples, rest): (Vec<RowTuple>, Vec<_>) = v
        .into_iter()
        .map(|(a, p, c, n, opened, name, uscc, amount)| {
            ((a, p, c, n), (opened, name, uscc, amount))
        })
        .unzip();
    Ok(rows(tuples)
        .into_iter()
        .zip(rest)
        .map(
            |(row, (opened_at, winner, winner_uscc, amount))| ResultRow {
                row,
                opened_at,
                winner,
                winner_uscc,
                amount,
            },
        )
        .collect())
}
