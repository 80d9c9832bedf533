//! Queries of the public agency library 中介机构库: the filtered, keyset-paged list of active
//! agencies and the few batch look-ups a page of rows needs.
//!
//! Why the SQL looks the way it does:
//! - Keyset, never OFFSET: the position is a row-value comparison on the sort key plus the id,
//!   `(k1, k2, id) > (?, ?, ?)`, which both SQLite and PostgreSQL turn into an index range, so
//!   page 1,000 costs what page 1 costs. The indexes are in `2026-11-28-000003_library_indexes`.
//! - The grade sort key is `COALESCE(grade, 'Z')` (ungraded last) — the same expression as the
//!   index, or the planner cannot use it — taken one grade at a time (see [`fetch`]).
//! - Filters on other tables are correlated `EXISTS (… WHERE agency_id = agencies.user_id …)`:
//!   SQLite then walks the sort index and probes an index per row, stopping after one page.
//!   (`user_id IN (SELECT …)` made SQLite build the whole set — 15,000 ids for 环评 — on every
//!   request: 14 req/s in the bench.) PostgreSQL plans either form as a semi-join.
//! - No COUNT(*): "is there a next page" is answered by asking for one row more.
//! - Statements the connection can cache: diesel refuses to cache any statement containing
//!   `sql()`/`sql_query` text or an `eq_any` list, so every hot query here is built from DSL
//!   plus [`Frag`] (fixed SQL text with bind parameters, which diesel may cache since the text
//!   is the cache key). Values are binds, never inlined (except codes from a fixed vocabulary
//!   and today's date, see [`Frag::lit`]), and id lists are padded to a power of two (with -1,
//!   an id that cannot exist), so the number of distinct statements stays small.
//! - Statements SQLite need not re-prepare: SQLite 3.53 re-prepares a cached statement when a
//!   parameter its planner looked at is bound again — a STAT4 sample probe on an indexed
//!   column, or `LIMIT ?` — and diesel binds on every run, so such a statement was parsed and
//!   planned afresh every time (29 % of a list request's instructions). Binds are therefore
//!   written `CAST(? AS …)` (opaque to the planner) and the limit likewise; vocabulary codes
//!   are literals, which the planner may read once.
//! - One statement per page: each row's offered items and counting certificates come as two
//!   correlated `string_agg` subqueries of the page query ([`ITEMS_AGG`], [`quals_agg`]),
//!   not as two more statements with id lists; so do the periods of a restricted agency's
//!   listings and bans (`crate::credit::store::credit::RESTRICTIONS_AGG`, read only for the rows the
//!   `sanctioned` cache marks).

use chrono::NaiveDate;
use diesel::expression::{
    AppearsOnTable, BoxableExpression, Expression, SelectableExpression, ValidGrouping,
};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Text};

use crate::db::DbConnection;
use crate::db::schema::{agencies, agency_items, catalogue_adjustments, catalogue_items};
use crate::domain::listing::{self, Cursor, GradeFilter, PageAt, Sort};
use crate::domain::money::Money;
use crate::domain::search;
use crate::domain::status::ItemStatus;

type Db = <DbConnection as Connection>::Backend;
type Predicate = Box<dyn BoxableExpression<agencies::table, Db, SqlType = Bool>>;

/// The grade sort key; must match the index expression exactly.
const GRADE_KEY_SQL: &str = "COALESCE(agencies.grade, 'Z')";

/// One piece of a [`Frag`].
#[derive(Clone, Debug)]
enum Part {
    Sql(&'static str),
    /// SQL text made by this module from checked values (a whitelisted code, a date).
    Lit(String),
    Text(String),
    Int(i64),
}

/// A boolean SQL condition: fixed text with bind parameters. Unlike `diesel::dsl::sql`, it
/// does not mark the statement as unsafe to cache, so the text must never carry values
/// (they go in as binds) — the text is the key of the prepared-statement cache. The only
/// exception are [`Frag::lit`] values, which come from a short whitelist.
///
/// Binds are written `CAST(? AS …)`, not a bare `?`: SQLite re-prepares a cached statement
/// whenever a parameter that its planner looked at (a STAT4 sample probe, `LIMIT ?`) is
/// bound again — on every execution, since diesel binds every time. A cast hides the value
/// from the planner (the plan then rests on sqlite_stat1's averages, as it does for any
/// value not known at prepare time), so the statement is prepared once per connection.
/// PostgreSQL folds the cast away.
#[derive(Clone, Debug, Default)]
struct Frag(Vec<Part>);

impl Frag {
    fn sql(mut self, s: &'static str) -> Frag {
        self.0.push(Part::Sql(s));
        self
    }
    /// A string literal in the SQL text. Only for values from a fixed vocabulary (region
    /// codes, grade keys, qualification types): each distinct value is one more cached
    /// statement, and the planner may use its statistics without re-preparing.
    fn lit(mut self, v: &str) -> Frag {
        debug_assert!(v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        let safe: String = v
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        self.0.push(Part::Lit(format!("'{safe}'")));
        self
    }
    /// A date literal (`'YYYY-MM-DD'`, which both backends compare with a date column).
    /// Today's date changes once a day, so this adds one cached statement per day.
    fn date(mut self, v: NaiveDate) -> Frag {
        self.0
            .push(Part::Lit(format!("'{}'", v.format("%Y-%m-%d"))));
        self
    }
    fn text(mut self, v: &str) -> Frag {
        self.0.push(Part::Text(v.to_string()));
        self
    }
    fn int(mut self, v: i64) -> Frag {
        self.0.push(Part::Int(v));
        self
    }
    /// `?, ?, …` binding `ids`, padded with -1 to a power of two (at least 4).
    fn ids(mut self, ids: &[i64]) -> Frag {
        let n = ids.len().max(4).next_power_of_two();
        for i in 0..n {
            if i > 0 {
                self.0.push(Part::Sql(", "));
            }
            self.0.push(Part::Int(ids.get(i).copied().unwrap_or(-1)));
        }
        self
    }
    fn boxed(self) -> Predicate {
        Box::new(self)
    }
}

impl Expression for Frag {
    type SqlType = Bool;
}
impl<QS> AppearsOnTable<QS> for Frag {}
impl<QS> SelectableExpression<QS> for Frag {}
impl<GB> ValidGrouping<GB> for Frag {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}
impl QueryId for Frag {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}
impl QueryFragment<Db> for Frag {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Db>) -> QueryResult<()> {
        for p in &self.0 {
            match p {
                Part::Sql(s) => out.push_sql(s),
                Part::Lit(s) => out.push_sql(s),
                Part::Text(v) => {
                    out.push_sql("CAST(");
                    out.push_bind_param::<Text, String>(v)?;
                    out.push_sql(" AS TEXT)");
                }
                Part::Int(v) => {
                    out.push_sql("CAST(");
                    out.push_bind_param::<diesel::sql_types::BigInt, i64>(v)?;
                    out.push_sql(" AS BIGINT)");
                }
            }
        }
        Ok(())
    }
}

/// `ORDER BY` text (fixed strings only) and the row limit, bound as `CAST(? AS BIGINT)`
/// (diesel's `.limit()` binds a bare `?`, which makes SQLite 3.53 re-prepare the statement
/// on every execution: the planner reads a bound LIMIT).
#[derive(Clone, Debug)]
struct OrderSql(&'static str, i64);
impl Expression for OrderSql {
    type SqlType = Text;
}
impl<QS> AppearsOnTable<QS> for OrderSql {}
impl<QS> SelectableExpression<QS> for OrderSql {}
impl<GB> ValidGrouping<GB> for OrderSql {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}
impl QueryId for OrderSql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}
impl QueryFragment<Db> for OrderSql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Db>) -> QueryResult<()> {
        out.push_sql(self.0);
        out.push_sql(" LIMIT CAST(");
        out.push_bind_param::<diesel::sql_types::BigInt, i64>(&self.1)?;
        out.push_sql(" AS BIGINT)");
        Ok(())
    }
}

/// A correlated scalar subquery in the select list (fixed SQL text made in this module).
#[derive(Clone, Debug)]
struct Agg(String);
impl Expression for Agg {
    type SqlType = diesel::sql_types::Nullable<Text>;
}
impl<QS> AppearsOnTable<QS> for Agg {}
impl<QS> SelectableExpression<QS> for Agg {}
impl<GB> ValidGrouping<GB> for Agg {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}
impl QueryId for Agg {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}
impl QueryFragment<Db> for Agg {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Db>) -> QueryResult<()> {
        out.push_sql(&self.0);
        Ok(())
    }
}

/// The offered items of each listed agency, as one string per row: fetched with the page
/// in the same statement (a per-row index probe), instead of two more statements with a
/// list of 20 ids each, which cost as much as the page itself. Unordered; sorted in Rust.
/// `string_agg` is PostgreSQL's and SQLite's (3.44+) name for the same aggregate.
const ITEMS_AGG: &str = "(SELECT string_agg(CAST(agency_items.id AS TEXT) || ':' || \
     CAST(agency_items.item_id AS TEXT), ',') FROM agency_items \
     WHERE agency_items.agency_id = agencies.user_id)";

/// The approved certificates counting on `today` of each listed agency (see [`ITEMS_AGG`]).
fn quals_agg(today: NaiveDate) -> String {
    let d = today.format("%Y-%m-%d");
    format!(
        "(SELECT string_agg(CAST(agency_certificates.id AS TEXT) || ':' || \
         agency_certificates.qual_type || ':' || CAST(agency_certificates.level AS TEXT), ',') \
         FROM agency_certificates WHERE agency_certificates.agency_id = agencies.user_id \
         AND agency_certificates.status = 'approved' \
         AND agency_certificates.valid_from <= '{d}' AND agency_certificates.valid_to > '{d}')"
    )
}

/// A catalogue item without its long texts: what filters, search and list rows need.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = catalogue_items)]
pub struct ItemRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub keywords: String,
    pub industry: String,
    pub time_limit_days: i32,
    pub pricing: String,
    pub status: ItemStatus,
}

/// What changes whenever the catalogue does: (number of adjustments, last adjustment id).
/// Every change of an item goes through `crate::catalogue::store::save_item`, which appends an
/// adjustment in the same transaction, and adjustments are never deleted, so the count grows
/// with every committed change — whatever the order in which concurrent transactions commit
/// (which the largest id alone would not show). One index-only aggregate: cheap enough to
/// run on every request, so a cache keyed by it stays correct across instances.
pub type CatalogueStamp = (i64, Option<i64>);

pub fn catalogue_stamp(conn: &mut DbConnection) -> QueryResult<CatalogueStamp> {
    use diesel::dsl::{count_star, max};
    catalogue_adjustments::table
        .select((count_star(), max(catalogue_adjustments::id)))
        // Not `.first()`: its bound `LIMIT ?` makes SQLite re-prepare on every run.
        .get_result(conn)
}

pub fn item_refs(conn: &mut DbConnection) -> QueryResult<Vec<ItemRef>> {
    catalogue_items::table
        .order(catalogue_items::code)
        .select(ItemRef::as_select())
        .load(conn)
}

/// The name search, resolved: the grams the name must all carry, and the catalogue items
/// whose name or keywords match (agencies offering one of them match too).
#[derive(Clone, Debug, Default)]
pub struct NameSearch {
    pub grams: Vec<String>,
    /// Normalised query; names of candidates found by grams of a longer query are checked
    /// for it in Rust (grams only prove every pair occurs somewhere).
    pub normalised: String,
    pub item_ids: Vec<i64>,
}

impl NameSearch {
    fn needs_recheck(&self) -> bool {
        self.normalised.chars().count() > 2
    }
}

/// The list filters, resolved against the catalogue.
#[derive(Clone, Debug)]
pub struct ListQuery {
    pub region: Option<String>,
    pub grade: Option<GradeFilter>,
    /// Offers one of these items (item and/or industry filter).
    pub item_ids: Option<Vec<i64>>,
    /// Offers an item (one of `item_ids`, if set) whose lowest fee is at most this.
    pub max_fee_fen: Option<Money>,
    /// Holds a certificate of this type at one of these levels that counts on `today`.
    pub qual: Option<(String, Vec<i32>)>,
    pub search: Option<NameSearch>,
    pub sort: Sort,
    /// Today in China: certificates count from `valid_from` up to, not including, `valid_to`.
    pub today: NaiveDate,
}

#[derive(Queryable, Clone, Debug)]
pub struct ListRow {
    pub user_id: i64,
    pub name: String,
    pub region: String,
    pub grade: Option<String>,
    /// Cached "under sanctions today" (no red-list mark then).
    pub sanctioned: bool,
    /// `id:item_id` of each offered item, comma-separated, in no order ([`ListRow::offered`]).
    pub items: Option<String>,
    /// `id:qual_type:level` of each approved certificate counting on the list's day
    /// ([`ListRow::counting_quals`]).
    pub quals: Option<String>,
    /// The periods of its listings and bans, only for rows marked `sanctioned`
    /// (`crate::credit::store::credit::RESTRICTIONS_AGG`; [`ListRow::restrictions`]).
    pub sanctions: Option<String>,
}

/// `a:b,c:d` pairs as (id, rest), sorted by id.
fn parse_agg(agg: Option<&str>) -> Vec<(i64, &str)> {
    let mut v: Vec<(i64, &str)> = agg
        .unwrap_or("")
        .split(',')
        .filter_map(|p| {
            let (id, rest) = p.split_once(':')?;
            Some((id.parse().ok()?, rest))
        })
        .collect();
    v.sort_unstable_by_key(|(id, _)| *id);
    v
}

impl ListRow {
    /// Item ids offered, in the order they were added.
    pub fn offered(&self) -> Vec<i64> {
        parse_agg(self.items.as_deref())
            .into_iter()
            .filter_map(|(_, item)| item.parse().ok())
            .collect()
    }

    /// (qualification type, level) of the certificates counting on the list's day, in the
    /// order they were added.
    pub fn counting_quals(&self) -> Vec<(&str, i32)> {
        parse_agg(self.quals.as_deref())
            .into_iter()
            .filter_map(|(_, rest)| {
                let (t, level) = rest.rsplit_once(':')?;
                Some((t, level.parse().ok()?))
            })
            .collect()
    }

    /// What keeps the agency from taking part on `day` (blacklist, ban, banned manager),
    /// each with its period.
    pub fn restrictions(&self, day: NaiveDate) -> Vec<crate::domain::credit::Restriction> {
        crate::credit::store::sanctions::restrictions_of_agg(self.sanctions.as_deref(), day)
    }

    pub fn cursor(&self, sort: Sort) -> Cursor {
        Cursor {
            sort,
            grade_key: listing::grade_key(self.grade.as_deref()),
            name: self.name.clone(),
            id: self.user_id,
        }
    }
}

/// One page: rows in display order, and where the list goes on in each direction.
#[derive(Clone, Debug)]
pub struct ListPage {
    pub rows: Vec<ListRow>,
    pub next: Option<Cursor>,
    pub prev: Option<Cursor>,
}

// Subqueries are SQL text with bind parameters ([`Frag`]): diesel cannot box a subquery for
// the two-backend connection type.
fn filters(q: &ListQuery) -> Vec<Predicate> {
    // Status, region, grade and qualification type come from fixed vocabularies (checked
    // in `domain::listing::parse`) and are SQL literals: see [`Frag::lit`].
    let mut p: Vec<Predicate> = vec![Frag::default().sql("agencies.status = 'active'").boxed()];
    if let Some(r) = &q.region {
        p.push(Frag::default().sql("agencies.region = ").lit(r).boxed());
    }
    match &q.grade {
        Some(GradeFilter::Grade(g)) => {
            p.push(Frag::default().sql("agencies.grade = ").lit(g).boxed())
        }
        Some(GradeFilter::None) => p.push(Box::new(agencies::grade.is_null())),
        None => {}
    }
    if q.item_ids.is_some() || q.max_fee_fen.is_some() {
        let mut f = Frag::default()
            .sql("EXISTS (SELECT 1 FROM agency_items WHERE agency_id = agencies.user_id");
        if let Some(ids) = &q.item_ids {
            f = f.sql(" AND item_id IN (").ids(ids).sql(")");
        }
        if let Some(fee) = q.max_fee_fen {
            f = f
                .sql(" AND fee_min_fen IS NOT NULL AND fee_min_fen <= ")
                .int(fee.fen());
        }
        p.push(f.sql(")").boxed());
    }
    if let Some((qual_type, levels)) = &q.qual {
        let levels: Vec<i64> = levels.iter().map(|l| i64::from(*l)).collect();
        p.push(
            Frag::default()
                .sql(
                    "EXISTS (SELECT 1 FROM agency_certificates WHERE agency_id = agencies.user_id \
                     AND status = 'approved' AND qual_type = ",
                )
                .lit(qual_type)
                .sql(" AND valid_from <= ")
                .date(q.today)
                .sql(" AND valid_to > ")
                .date(q.today)
                .sql(" AND level IN (")
                .ids(&levels)
                .sql("))")
                .boxed(),
        );
    }
    if let Some(s) = &q.search {
        p.push(search_filter(s));
    }
    p
}

/// The name search: every gram of the name, or an offered item whose name matches.
// `LIMIT 1 OFFSET 0` keeps PostgreSQL from turning these OR-ed EXISTS into hashed
// subplans, which read every agency with the gram (15,000 for 环评) before the first row:
// 44 ms per query instead of 1.5 ms. Each stays a per-row index probe, as on SQLite.
fn search_filter(s: &NameSearch) -> Predicate {
    let mut f = Frag::default().sql("(");
    let mut any = false;
    if !s.grams.is_empty() {
        f = f.sql("(");
        for (i, g) in s.grams.iter().enumerate() {
            if i > 0 {
                f = f.sql(" AND ");
            }
            f = f
                .sql(
                    "EXISTS (SELECT 1 FROM agency_search_grams \
                     WHERE agency_id = agencies.user_id AND gram = ",
                )
                .text(g)
                .sql(" LIMIT 1 OFFSET 0)");
        }
        f = f.sql(")");
        any = true;
    }
    if !s.item_ids.is_empty() {
        if any {
            f = f.sql(" OR ");
        }
        f = f
            .sql(
                "EXISTS (SELECT 1 FROM agency_items \
                 WHERE agency_id = agencies.user_id AND item_id IN (",
            )
            .ids(&s.item_ids)
            .sql(") LIMIT 1 OFFSET 0)");
        any = true;
    }
    if !any {
        f = f.sql("1 = 0");
    }
    f.sql(")").boxed()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    /// In display order (the next page).
    Forward,
    /// Against display order (the previous page); rows come back reversed.
    Backward,
}

/// Up to `limit` rows strictly beyond `from` in direction `dir`.
///
/// The grade sort runs one query per grade (`COALESCE(grade, 'Z') = ?`, then the name range):
/// SQLite cannot bound an index range by a row value whose first part is an expression, but
/// it can take the expression by equality and the row value `(name, user_id)` as the range.
/// There are five grade keys, and a page usually needs one of them.
fn fetch(
    conn: &mut DbConnection,
    q: &ListQuery,
    dir: Dir,
    from: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<ListRow>> {
    if q.sort != Sort::Grade {
        return fetch_one(conn, q, dir, None, from, limit);
    }
    let mut keys: Vec<&str> = match &q.grade {
        Some(GradeFilter::Grade(g)) => vec![g.as_str()],
        Some(GradeFilter::None) => vec![listing::NO_GRADE_KEY],
        None => listing::GRADES
            .iter()
            .copied()
            .chain(std::iter::once(listing::NO_GRADE_KEY))
            .collect(),
    };
    if dir == Dir::Backward {
        keys.reverse();
    }
    // Start at the cursor's grade; the grades before it (in this direction) are done.
    let skip = from
        .and_then(|c| keys.iter().position(|k| *k == c.grade_key))
        .unwrap_or(0);
    let mut rows = Vec::new();
    for (i, key) in keys.iter().enumerate().skip(skip) {
        let bound = if i == skip { from } else { None };
        let got = fetch_one(conn, q, dir, Some(key), bound, limit - rows.len() as i64)?;
        rows.extend(got);
        if rows.len() as i64 >= limit {
            break;
        }
    }
    Ok(rows)
}

/// One SQL statement. With `grade_key`, only rows of that grade key, ordered by name.
fn fetch_one(
    conn: &mut DbConnection,
    q: &ListQuery,
    dir: Dir,
    grade_key: Option<&str>,
    from: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<ListRow>> {
    let mut query = agencies::table
        .select((
            agencies::user_id,
            agencies::name,
            agencies::region,
            agencies::grade,
            agencies::sanctioned,
            Agg(ITEMS_AGG.to_string()),
            Agg(quals_agg(q.today)),
            Agg(crate::credit::store::credit::RESTRICTIONS_AGG.to_string()),
        ))
        .into_boxed::<Db>();
    for p in filters(q) {
        query = query.filter(p);
    }
    if let Some(k) = grade_key {
        query = query.filter(Frag::default().sql(GRADE_KEY_SQL).sql(" = ").lit(k).boxed());
    }
    // In display order, is the sort key ascending? (Newest is id descending.)
    let ascending = match q.sort {
        Sort::Grade | Sort::Name => dir == Dir::Forward,
        Sort::Newest => dir == Dir::Backward,
    };
    let (op, order) = if ascending {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };
    if let Some(c) = from {
        let keyset = match q.sort {
            Sort::Grade | Sort::Name => Frag::default()
                .sql("(agencies.name, agencies.user_id) ")
                .sql(op)
                .sql(" (")
                .text(&c.name)
                .sql(", ")
                .int(c.id)
                .sql(")"),
            Sort::Newest => Frag::default()
                .sql("agencies.user_id ")
                .sql(op)
                .sql(" ")
                .int(c.id),
        };
        query = query.filter(keyset.boxed());
    }
    let order_sql = match (q.sort, order) {
        (Sort::Grade | Sort::Name, "ASC") => "agencies.name ASC, agencies.user_id ASC",
        (Sort::Grade | Sort::Name, _) => "agencies.name DESC, agencies.user_id DESC",
        (Sort::Newest, "ASC") => "agencies.user_id ASC",
        (Sort::Newest, _) => "agencies.user_id DESC",
    };
    query
        .order(OrderSql(order_sql, limit))
        .load::<ListRow>(conn)
}

/// Of `rows` found by the grams of a longer query, those whose name really contains the
/// query, or that offer a matching item.
fn recheck(
    conn: &mut DbConnection,
    s: &NameSearch,
    rows: Vec<ListRow>,
) -> QueryResult<Vec<ListRow>> {
    let unsure: Vec<i64> = rows
        .iter()
        .filter(|r| !search::normalised(&r.name).contains(&s.normalised))
        .map(|r| r.user_id)
        .collect();
    let by_item: Vec<i64> = if unsure.is_empty() || s.item_ids.is_empty() {
        Vec::new()
    } else {
        agency_items::table
            .filter(agency_items::agency_id.eq_any(&unsure))
            .filter(agency_items::item_id.eq_any(&s.item_ids))
            .select(agency_items::agency_id)
            .load(conn)?
    };
    Ok(rows
        .into_iter()
        .filter(|r| !unsure.contains(&r.user_id) || by_item.contains(&r.user_id))
        .collect())
}

/// Rows examined at most for one page of a longer search whose candidates fail the name
/// check; the page then ends early with a cursor at the last row examined.
const MAX_SCAN: usize = 2_000;

/// One page of `limit` rows at `at`.
pub fn page(
    conn: &mut DbConnection,
    q: &ListQuery,
    at: &PageAt,
    limit: i64,
) -> QueryResult<ListPage> {
    let (dir, start) = match at {
        PageAt::First => (Dir::Forward, None),
        PageAt::After(c) => (Dir::Forward, Some(c.clone())),
        PageAt::Before(c) => (Dir::Backward, Some(c.clone())),
    };
    let recheck_needed = q.search.as_ref().is_some_and(NameSearch::needs_recheck);
    let want = usize::try_from(limit).unwrap_or(0);
    let mut rows: Vec<ListRow> = Vec::new();
    let mut pos = start;
    let mut scanned = 0usize;
    // Some(cursor) when the list goes on beyond `rows` in direction `dir`.
    let batch_size = if recheck_needed {
        (limit + 1).max(200)
    } else {
        limit + 1
    };
    let more: Option<Cursor> = loop {
        let batch = fetch(conn, q, dir, pos.as_ref(), batch_size)?;
        let full = batch.len() as i64 == batch_size;
        scanned += batch.len();
        if let Some(last) = batch.last() {
            pos = Some(last.cursor(q.sort));
        }
        let kept = match (&q.search, recheck_needed) {
            (Some(s), true) => recheck(conn, s, batch)?,
            _ => batch,
        };
        rows.extend(kept);
        if rows.len() > want {
            rows.truncate(want);
            break rows.last().map(|r| r.cursor(q.sort));
        }
        if !full {
            break None;
        }
        if scanned >= MAX_SCAN {
            break pos.clone();
        }
    };
    Ok(match dir {
        Dir::Forward => {
            let prev = match at {
                PageAt::First => None,
                _ => rows.first().map(|r| r.cursor(q.sort)),
            };
            ListPage {
                rows,
                next: more,
                prev,
            }
        }
        Dir::Backward => {
            rows.reverse();
            let next = rows.last().map(|r| r.cursor(q.sort));
            ListPage {
                rows,
                next,
                prev: more,
            }
        }
    })
}

/// USCCs of these agencies (for downloads).
pub fn usccs(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    agencies::table
        .filter(agencies::user_id.eq_any(ids))
        .select((agencies::user_id, agencies::uscc))
        .load(conn)
}

impl ListQuery {
    /// Resolves a checked request against the catalogue: an item code that is not a retained
    /// item is refused (`library.bad_item`); industry and search become item id sets.
    pub fn resolve(
        req: &listing::ListRequest,
        items: &[ItemRef],
        today: NaiveDate,
    ) -> Result<ListQuery, listing::FilterError> {
        let retained = || items.iter().filter(|i| i.status == ItemStatus::Retained);
        let mut item_ids: Option<Vec<i64>> = None;
        if let Some(code) = &req.item_code {
            let item = retained()
                .find(|i| &i.code == code)
                .ok_or(listing::FilterError("library.bad_item"))?;
            item_ids = Some(vec![item.id]);
        }
        if let Some(ind) = &req.industry {
            let of_industry: Vec<i64> = retained()
                .filter(|i| &i.industry == ind)
                .map(|i| i.id)
                .collect();
            item_ids = Some(match item_ids {
                Some(ids) => ids
                    .into_iter()
                    .filter(|id| of_industry.contains(id))
                    .collect(),
                None => of_industry,
            });
        }
        let search = (!req.q_grams.is_empty()).then(|| NameSearch {
            grams: req.q_grams.clone(),
            normalised: req.q_norm.clone(),
            item_ids: retained()
                .filter(|i| listing::item_matches(&req.q_norm, &i.name, &i.keywords))
                .map(|i| i.id)
                .collect(),
        });
        Ok(ListQuery {
            region: req.region.clone(),
            grade: req.grade.clone(),
            item_ids,
            max_fee_fen: req.max_fee,
            qual: req
                .qual
                .as_ref()
                .map(|q| (q.qual_type.clone(), q.levels.clone())),
            search,
            sort: req.sort,
            today,
        })
    }
}
