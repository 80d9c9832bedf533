//! The facts of the price and conduct signals (rules: `domain::signals`), each read by one
//! query over the last [`WINDOW_DAYS`] and limited to the items of one department (a
//! regulator's) or to none (an administrator's), plus the agencies' published fee ranges
//! beside the opened quotes of one announcement.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    agencies, agency_items, announcement_results, announcements, awards, catalogue_items,
    contract_payments, contract_signatures, contract_terms, contracts, projects, quote_openings,
    quotes, users,
};
use crate::domain::signals::{
    self as rules, Award, ContractFact, DEFAULT_MIN_AWARDS, DEFAULT_OVER_MEDIAN_PCT,
    DEFAULT_OWNER_REPEAT, FeeSignal, OverMedian, OwnerSignal, QuoteFact,
};
use crate::domain::status::{ContractStatus, Party, QuoteStatus};
use crate::domain::workdays::china_date;

/// How far back the signals look (openings, awards, contracts), in days.
pub const WINDOW_DAYS: i64 = 730;

/// The settings of the rules (`accounts::store::settings::KNOWN`).
pub const SETTING_OVER_MEDIAN_PCT: &str = "signal_price_over_median_pct";
pub const SETTING_MIN_AWARDS: &str = "signal_min_awards";
pub const SETTING_OWNER_REPEAT: &str = "signal_owner_repeat";

/// What the signals are about, by id, for the page.
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// announcement id → (project name, item name)
    pub announcements: HashMap<i64, (String, String)>,
    pub agencies: HashMap<i64, String>,
    pub owners: HashMap<i64, String>,
    /// contract id → announcement id
    pub contracts: HashMap<i64, i64>,
}

/// The signals of one department (or all), with the names they mention.
#[derive(Clone, Debug, Default)]
pub struct Signals {
    pub fees: Vec<FeeSignal>,
    pub over_median: Vec<OverMedian>,
    pub owners: Vec<OwnerSignal>,
    pub names: Names,
    pub pct: i64,
    pub min_awards: i64,
    pub repeat: i64,
}

impl Signals {
    pub fn count(&self) -> usize {
        self.fees.len() + self.over_median.len() + self.owners.len()
    }
}

/// Gathers and judges every signal for `department` (`None`: all departments).
pub fn gather(c: &mut DbConnection, department: Option<i64>) -> QueryResult<Signals> {
    let s = crate::accounts::store::settings::load(c)?;
    let positive = |k: &str, d: i64| {
        let v = s.get(k);
        if v > 0 { v } else { d }
    };
    let pct = positive(SETTING_OVER_MEDIAN_PCT, DEFAULT_OVER_MEDIAN_PCT);
    let min_awards = positive(SETTING_MIN_AWARDS, DEFAULT_MIN_AWARDS);
    let repeat = positive(SETTING_OWNER_REPEAT, DEFAULT_OWNER_REPEAT);
    let payment_days = s.get("payment_due_working_days");
    let now = crate::db::now();
    let today = crate::db::today();
    let since = now - Duration::days(WINDOW_DAYS);
    let mut names = Names::default();

    let quotes = quote_facts(c, department, since, &mut names)?;
    let awards = award_facts(c, department, since, &mut names)?;
    let (contracts, from) = contract_facts(c, department, since, &mut names)?;
    let cal = crate::accounts::store::calendar::load_from(c, from.unwrap_or(today))?;
    Ok(Signals {
        fees: rules::fee_signals(&quotes),
        over_median: rules::over_median(
            &awards,
            pct,
            usize::try_from(min_awards).unwrap_or(usize::MAX),
        ),
        owners: rules::owner_conduct(
            &contracts,
            &cal,
            payment_days,
            today,
            usize::try_from(repeat).unwrap_or(usize::MAX),
        ),
        names,
        pct,
        min_awards,
        repeat,
    })
}

type QuoteRow = (
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
    String,
    String,
);

/// Opened quotes outside the range their agency publishes for the item (the SQL keeps only
/// those; the rule decides again).
fn quote_facts(
    c: &mut DbConnection,
    department: Option<i64>,
    since: chrono::NaiveDateTime,
    names: &mut Names,
) -> QueryResult<Vec<QuoteFact>> {
    let mut q = quotes::table
        .inner_join(announcements::table.on(announcements::id.eq(quotes::announcement_id)))
        .inner_join(
            announcement_results::table
                .on(announcement_results::announcement_id.eq(quotes::announcement_id)),
        )
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(announcements::item_id)))
        .inner_join(projects::table.on(projects::id.eq(announcements::project_id)))
        .inner_join(agencies::table.on(agencies::user_id.eq(quotes::agency_id)))
        .inner_join(
            agency_items::table.on(agency_items::agency_id
                .eq(quotes::agency_id)
                .and(agency_items::item_id.eq(announcements::item_id))),
        )
        .inner_join(quote_openings::table.on(quote_openings::quote_id.eq(quotes::id)))
        .filter(quotes::status.eq(QuoteStatus::Active))
        .filter(announcement_results::opened_at.ge(since))
        .filter(
            quote_openings::amount_fen
                .nullable()
                .lt(agency_items::fee_min_fen)
                .or(quote_openings::amount_fen
                    .nullable()
                    .gt(agency_items::fee_max_fen)),
        )
        .select((
            quotes::announcement_id,
            quotes::agency_id,
            quote_openings::amount_fen,
            agency_items::fee_min_fen,
            agency_items::fee_max_fen,
            announcement_results::winner_id,
            projects::name,
            catalogue_items::name,
            agencies::name,
        ))
        .order((quotes::announcement_id.desc(), quotes::agency_id))
        .into_boxed();
    if let Some(d) = department {
        q = q.filter(catalogue_items::department_id.eq(d));
    }
    let rows: Vec<QuoteRow> = q.load(c)?;
    Ok(rows
        .into_iter()
        .map(
            |(ann, agency, amount, min, max, winner, project, item, name)| {
                names.announcements.insert(ann, (project, item));
                names.agencies.insert(agency, name);
                QuoteFact {
                    announcement_id: ann,
                    agency_id: agency,
                    amount_fen: amount,
                    fee_min_fen: min,
                    fee_max_fen: max,
                    won: winner == Some(agency),
                }
            },
        )
        .collect())
}

type AwardRow = (i64, i64, i64, Option<i64>, String, String, String);

/// Priced awards of the department's items.
fn award_facts(
    c: &mut DbConnection,
    department: Option<i64>,
    since: chrono::NaiveDateTime,
    names: &mut Names,
) -> QueryResult<Vec<Award>> {
    let mut q = awards::table
        .inner_join(announcements::table.on(announcements::id.eq(awards::announcement_id)))
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(announcements::item_id)))
        .inner_join(projects::table.on(projects::id.eq(announcements::project_id)))
        .inner_join(agencies::table.on(agencies::user_id.eq(awards::agency_id)))
        .filter(awards::amount_fen.is_not_null())
        .filter(awards::confirmed_at.ge(since))
        .select((
            awards::announcement_id,
            announcements::item_id,
            awards::agency_id,
            awards::amount_fen,
            projects::name,
            catalogue_items::name,
            agencies::name,
        ))
        .order(awards::announcement_id)
        .into_boxed();
    if let Some(d) = department {
        q = q.filter(catalogue_items::department_id.eq(d));
    }
    let rows: Vec<AwardRow> = q.load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(ann, item, agency, amount, project, item_name, name)| {
            names.announcements.insert(ann, (project, item_name));
            names.agencies.insert(agency, name);
            Some(Award {
                announcement_id: ann,
                item_id: item,
                agency_id: agency,
                amount_fen: amount?,
            })
        })
        .collect())
}

type ContractRow = (
    i64,
    i64,
    i64,
    ContractStatus,
    Option<chrono::NaiveDateTime>,
    String,
);

/// Lapsed and accepted contracts of the department's items, with whether the owner had
/// signed the last revision of a lapsed one and the payments of an accepted one. Returns
/// them and the first acceptance day (where the calendar must start).
fn contract_facts(
    c: &mut DbConnection,
    department: Option<i64>,
    since: chrono::NaiveDateTime,
    names: &mut Names,
) -> QueryResult<(Vec<ContractFact>, Option<NaiveDate>)> {
    let mut q = contracts::table
        .inner_join(catalogue_items::table.on(catalogue_items::id.eq(contracts::item_id)))
        .inner_join(users::table.on(users::id.eq(contracts::owner_id)))
        .filter(contracts::status.eq_any([ContractStatus::Lapsed, ContractStatus::Accepted]))
        .filter(contracts::created_at.ge(since))
        .select((
            contracts::id,
            contracts::owner_id,
            contracts::announcement_id,
            contracts::status,
            contracts::accepted_at,
            users::org_name,
        ))
        .order(contracts::id)
        .into_boxed();
    if let Some(d) = department {
        q = q.filter(catalogue_items::department_id.eq(d));
    }
    let rows: Vec<ContractRow> = q.load(c)?;
    let lapsed: Vec<i64> = rows
        .iter()
        .filter(|r| r.3 == ContractStatus::Lapsed)
        .map(|r| r.0)
        .collect();
    let accepted: Vec<i64> = rows
        .iter()
        .filter(|r| r.3 == ContractStatus::Accepted)
        .map(|r| r.0)
        .collect();
    let owner_signed: HashSet<i64> = if lapsed.is_empty() {
        HashSet::new()
    } else {
        contract_signatures::table
            .inner_join(
                contract_terms::table.on(contract_terms::contract_id
                    .eq(contract_signatures::contract_id)
                    .and(contract_terms::revision.eq(contract_signatures::revision))),
            )
            .filter(contract_signatures::contract_id.eq_any(&lapsed))
            .filter(contract_signatures::party.eq(Party::Owner))
            .select(contract_signatures::contract_id)
            .load::<i64>(c)?
            .into_iter()
            .collect()
    };
    let mut paid: HashMap<i64, Vec<NaiveDate>> = HashMap::new();
    if !accepted.is_empty() {
        let rows: Vec<(i64, NaiveDate)> = contract_payments::table
            .filter(contract_payments::contract_id.eq_any(&accepted))
            .select((contract_payments::contract_id, contract_payments::paid_on))
            .load(c)?;
        for (k, d) in rows {
            paid.entry(k).or_default().push(d);
        }
    }
    let mut first: Option<NaiveDate> = None;
    let facts = rows
        .into_iter()
        .map(|(id, owner, ann, status, accepted_at, org)| {
            names.owners.insert(owner, org);
            names.contracts.insert(id, ann);
            let accepted_on = accepted_at.map(|t| china_date(t.and_utc()));
            if let Some(a) = accepted_on {
                first = Some(first.map_or(a, |f| f.min(a)));
            }
            ContractFact {
                contract_id: id,
                owner_id: owner,
                lapsed_by_owner: status == ContractStatus::Lapsed && !owner_signed.contains(&id),
                accepted_on: if status == ContractStatus::Accepted {
                    accepted_on
                } else {
                    None
                },
                paid_on: paid.remove(&id).unwrap_or_default(),
            }
        })
        .collect();
    Ok((facts, first))
}

/// agency id → its published (min, max) fee in fen for one item, either bound open.
pub type FeeRanges = HashMap<i64, (Option<i64>, Option<i64>)>;

/// The fee range each of `agencies` publishes for `item_id`: (min, max) in fen, either
/// open. An agency that no longer offers the item has none.
pub fn fee_ranges(
    c: &mut DbConnection,
    item_id: i64,
    agency_ids: &[i64],
) -> QueryResult<FeeRanges> {
    if agency_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, Option<i64>, Option<i64>)> = agency_items::table
        .filter(agency_items::item_id.eq(item_id))
        .filter(agency_items::agency_id.eq_any(agency_ids))
        .select((
            agency_items::agency_id,
            agency_items::fee_min_fen,
            agency_items::fee_max_fen,
        ))
        .load(c)?;
    Ok(rows.into_iter().map(|(a, lo, hi)| (a, (lo, hi))).collect())
}
