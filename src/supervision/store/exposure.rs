//! The exposure record's reads: one page of listings, bans (with their persons) and credit
//! records, each source read newest first from the cursor with a LIMIT, merged in
//! `domain::exposure::merge`. No OFFSET and no COUNT, so a deep page costs what the first
//! does; the indexes of migration `000019_signals` serve each source's order
//! (`(starts_on, id)`, `(department_id, starts_on, id)` on the sanction tables,
//! `(kind, effective_on, id)` and `(points, effective_on)` on the records).

use chrono::NaiveDate;
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{agencies, banned_persons, blacklist_entries, credit_records, market_bans};
use crate::domain::exposure::{
    self as rules, Cursor, Filter, Keyed, Kind, NOT_DEDUCTIONS, RECORD_KINDS, Source,
};
use crate::domain::status::ListingEnd;

/// One entry of the record, as stored (the page masks and formats it).
#[derive(Clone, Debug)]
pub struct Entry {
    pub source: Source,
    pub id: i64,
    pub kind: Kind,
    /// When it took effect (a sanction's first day, a record's effective day).
    pub date: NaiveDate,
    /// A sanction's end (exclusive); a record's validity end.
    pub ends_on: NaiveDate,
    /// A listing ended early, and whether by credit repair.
    pub ended_on: Option<NaiveDate>,
    pub repaired: bool,
    pub agency_id: i64,
    pub agency: String,
    pub uscc: String,
    pub department_id: Option<i64>,
    pub reason: String,
    /// An automatic record's evidence as a locale key with arguments (`credit::Evidence`).
    pub evidence_i18n: Option<String>,
    pub basis: String,
    /// A record's points (negative: a deduction).
    pub points: Option<i32>,
    /// What caused a record ("complaint", "inspection" …) and its id.
    pub ref_kind: Option<String>,
    pub ref_id: Option<i64>,
    /// A ban's persons: (name, whole ID number — mask before showing).
    pub persons: Vec<(String, String)>,
}

impl Keyed for Entry {
    fn cursor(&self) -> Cursor {
        Cursor {
            date: self.date,
            source: self.source,
            id: self.id,
        }
    }
}

/// One page: at most `size` entries after `after`, and the cursor of the next page.
pub fn page(
    c: &mut DbConnection,
    f: &Filter,
    after: Option<&Cursor>,
    size: usize,
    min_deduction: i64,
) -> QueryResult<(Vec<Entry>, Option<Cursor>)> {
    let want = i64::try_from(size + 1).unwrap_or(i64::MAX);
    let mut rows = Vec::new();
    for s in f.sources() {
        match s {
            Source::Blacklist => rows.extend(listings(c, f, after, want)?),
            Source::Ban => rows.extend(bans(c, f, after, want)?),
            Source::Record => {
                let kinds: Vec<&str> = match f.kind {
                    Some(Kind::Complaint) => vec![RECORD_KINDS[0]],
                    Some(Kind::Inspection) => vec![RECORD_KINDS[1]],
                    Some(Kind::Deduction) => Vec::new(),
                    _ => RECORD_KINDS.to_vec(),
                };
                // One statement per kind: each is a range of `(kind, effective_on, id)` read
                // in order and stopped by its LIMIT, where an IN over both would sort them.
                for k in kinds {
                    rows.extend(records(c, f, after, want, Some(&[k]), min_deduction)?);
                }
                if matches!(f.kind, None | Some(Kind::Deduction)) {
                    rows.extend(records(c, f, after, want, None, min_deduction)?);
                }
            }
        }
    }
    Ok(rules::merge(rows, size))
}

type ListingRow = (
    i64,
    i64,
    i64,
    String,
    String,
    NaiveDate,
    NaiveDate,
    Option<NaiveDate>,
    Option<ListingEnd>,
    String,
    String,
);

fn listings(
    c: &mut DbConnection,
    f: &Filter,
    after: Option<&Cursor>,
    want: i64,
) -> QueryResult<Vec<Entry>> {
    let mut q = blacklist_entries::table
        .inner_join(agencies::table)
        .select((
            blacklist_entries::id,
            blacklist_entries::agency_id,
            blacklist_entries::department_id,
            blacklist_entries::reason,
            blacklist_entries::legal_basis,
            blacklist_entries::starts_on,
            blacklist_entries::ends_on,
            blacklist_entries::ended_on,
            blacklist_entries::end_kind,
            agencies::name,
            agencies::uscc,
        ))
        .order((
            blacklist_entries::starts_on.desc(),
            blacklist_entries::id.desc(),
        ))
        .limit(want)
        .into_boxed();
    if let Some(d) = f.department {
        q = q.filter(blacklist_entries::department_id.eq(d));
    }
    if let Some((from, until)) = f.year_span() {
        q = q.filter(
            blacklist_entries::starts_on
                .ge(from)
                .and(blacklist_entries::starts_on.lt(until)),
        );
    }
    if let Some(k) = after {
        q = q.filter(
            blacklist_entries::starts_on
                .lt(k.date)
                .or(blacklist_entries::starts_on
                    .eq(k.date)
                    .and(blacklist_entries::id.lt(k.id_bound(Source::Blacklist)))),
        );
    }
    let rows: Vec<ListingRow> = q.load(c)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, agency_id, dept, reason, basis, starts, ends, ended, end_kind, name, uscc)| {
                Entry {
                    source: Source::Blacklist,
                    id,
                    kind: Kind::Blacklist,
                    date: starts,
                    ends_on: ends,
                    ended_on: ended,
                    repaired: end_kind == Some(ListingEnd::Repaired),
                    agency_id,
                    agency: name,
                    uscc,
                    department_id: Some(dept),
                    reason,
                    evidence_i18n: None,
                    basis,
                    points: None,
                    ref_kind: None,
                    ref_id: None,
                    persons: Vec::new(),
                }
            },
        )
        .collect())
}

type BanRow = (
    i64,
    i64,
    i64,
    String,
    String,
    NaiveDate,
    NaiveDate,
    String,
    String,
);

fn bans(
    c: &mut DbConnection,
    f: &Filter,
    after: Option<&Cursor>,
    want: i64,
) -> QueryResult<Vec<Entry>> {
    let mut q = market_bans::table
        .inner_join(agencies::table)
        .select((
            market_bans::id,
            market_bans::agency_id,
            market_bans::department_id,
            market_bans::reason,
            market_bans::legal_basis,
            market_bans::starts_on,
            market_bans::ends_on,
            agencies::name,
            agencies::uscc,
        ))
        .order((market_bans::starts_on.desc(), market_bans::id.desc()))
        .limit(want)
        .into_boxed();
    if let Some(d) = f.department {
        q = q.filter(market_bans::department_id.eq(d));
    }
    if let Some((from, until)) = f.year_span() {
        q = q.filter(
            market_bans::starts_on
                .ge(from)
                .and(market_bans::starts_on.lt(until)),
        );
    }
    if let Some(k) = after {
        q = q.filter(
            market_bans::starts_on.lt(k.date).or(market_bans::starts_on
                .eq(k.date)
                .and(market_bans::id.lt(k.id_bound(Source::Ban)))),
        );
    }
    let rows: Vec<BanRow> = q.load(c)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let persons: Vec<(i64, String, String)> = if ids.is_empty() {
        Vec::new()
    } else {
        banned_persons::table
            .filter(banned_persons::ban_id.eq_any(&ids))
            .order(banned_persons::id)
            .select((
                banned_persons::ban_id,
                banned_persons::name,
                banned_persons::id_number,
            ))
            .load(c)?
    };
    Ok(rows
        .into_iter()
        .map(
            |(id, agency_id, dept, reason, basis, starts, ends, name, uscc)| Entry {
                source: Source::Ban,
                id,
                kind: Kind::Ban,
                date: starts,
                ends_on: ends,
                ended_on: None,
                repaired: false,
                agency_id,
                agency: name,
                uscc,
                department_id: Some(dept),
                reason,
                evidence_i18n: None,
                basis,
                points: None,
                ref_kind: None,
                ref_id: None,
                persons: persons
                    .iter()
                    .filter(|p| p.0 == id)
                    .map(|p| (p.1.clone(), p.2.clone()))
                    .collect(),
            },
        )
        .collect())
}

type RecordRow = (
    i64,
    i64,
    String,
    i32,
    String,
    String,
    Option<i64>,
    NaiveDate,
    NaiveDate,
    Option<String>,
    Option<i64>,
    Option<String>,
    String,
    String,
);

/// Records of `kinds` (upheld complaints, inspection problems), or with `kinds` `None` the
/// serious deductions of any other kind: not revoked, newest first.
fn records(
    c: &mut DbConnection,
    f: &Filter,
    after: Option<&Cursor>,
    want: i64,
    kinds: Option<&[&str]>,
    min_deduction: i64,
) -> QueryResult<Vec<Entry>> {
    let revoking = diesel::alias!(credit_records as revoking);
    let points_limit = i32::try_from(-min_deduction.clamp(1, 1_000_000)).unwrap_or(i32::MIN);
    let mut q = credit_records::table
        .inner_join(agencies::table)
        .filter(not(exists(
            revoking.filter(
                revoking
                    .field(credit_records::revokes_id)
                    .eq(credit_records::id.nullable()),
            ),
        )))
        .select((
            credit_records::id,
            credit_records::agency_id,
            credit_records::kind,
            credit_records::points,
            credit_records::evidence,
            credit_records::legal_basis,
            credit_records::department_id,
            credit_records::effective_on,
            credit_records::valid_until,
            credit_records::ref_kind,
            credit_records::ref_id,
            credit_records::evidence_i18n,
            agencies::name,
            agencies::uscc,
        ))
        .order((
            credit_records::effective_on.desc(),
            credit_records::id.desc(),
        ))
        .limit(want)
        .into_boxed();
    q = match kinds {
        Some(k) => q.filter(credit_records::kind.eq_any(k.to_vec())),
        None => q
            .filter(credit_records::points.le(points_limit))
            .filter(credit_records::kind.ne_all(NOT_DEDUCTIONS.to_vec())),
    };
    if let Some(d) = f.department {
        q = q.filter(credit_records::department_id.eq(d));
    }
    if let Some((from, until)) = f.year_span() {
        q = q.filter(
            credit_records::effective_on
                .ge(from)
                .and(credit_records::effective_on.lt(until)),
        );
    }
    if let Some(k) = after {
        q = q.filter(
            credit_records::effective_on
                .lt(k.date)
                .or(credit_records::effective_on
                    .eq(k.date)
                    .and(credit_records::id.lt(k.id_bound(Source::Record)))),
        );
    }
    let rows: Vec<RecordRow> = q.load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(
                id,
                agency_id,
                kind,
                points,
                evidence,
                basis,
                dept,
                effective_on,
                valid_until,
                ref_kind,
                ref_id,
                evidence_i18n,
                name,
                uscc,
            )| {
                let k = Kind::of_record(&kind, points, min_deduction)?;
                Some(Entry {
                    source: Source::Record,
                    id,
                    kind: k,
                    date: effective_on,
                    ends_on: valid_until,
                    ended_on: None,
                    repaired: false,
                    agency_id,
                    agency: name,
                    uscc,
                    department_id: dept,
                    reason: evidence,
                    evidence_i18n,
                    basis,
                    points: Some(points),
                    ref_kind,
                    ref_id,
                    persons: Vec::new(),
                })
            },
        )
        .collect())
}
