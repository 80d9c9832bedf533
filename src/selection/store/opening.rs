//! The rows of an opened selection read back: the stored outcome, the participants, the
//! exclusions still waiting for a justification, the bids the owner may choose among, and the
//! objections. The writes are in `crate::selection::steps::{opening, result}`.

use crate::db::OneRow;
use diesel::prelude::*;
use serde::Serialize;

use chrono::NaiveDate;

use crate::db::schema::{
    agencies, announcements, awards, objections, quote_openings, quotes, registrations,
};
use crate::db::{DbConnection, DbError};
use crate::domain::money::Money;
use crate::domain::selection::{self, Limits, Mode};
use crate::domain::status::QuoteStatus;
use crate::domain::workdays;
use crate::domain::workdays::Calendar;
use crate::selection::store::announcement::{self as ann, Announcement, AnnouncementResult};

/// Locale key of the exclusion for a quote made before a material edit and not re-confirmed.
pub const NOT_RECONFIRMED: &str = "result.exclude.not_reconfirmed";

/// Locale key: the sealed box did not open or its commitment did not recompute.
pub const SEAL_BROKEN: &str = "result.exclude.seal_broken";

/// Working days of the result steps.
pub const PUBLICITY_DAYS: u32 = 3;

pub const CONFIRM_DAYS: u32 = 2;

pub const ANSWER_DAYS: u32 = 3;

pub const JUSTIFY_DAYS: u32 = 2;

/// Agencies that registered or quoted, ascending.
pub fn participants(c: &mut DbConnection, id: i64) -> QueryResult<Vec<i64>> {
    let mut v: Vec<i64> = registrations::table
        .filter(registrations::announcement_id.eq(id))
        .select(registrations::agency_id)
        .load(c)?;
    v.extend(
        quotes::table
            .filter(quotes::announcement_id.eq(id))
            .select(quotes::agency_id)
            .load::<i64>(c)?,
    );
    v.sort_unstable();
    v.dedup();
    Ok(v)
}

/// While abnormally low quotes await their justification no outcome is stored yet, but the
/// quotes that cannot win whatever the owner decides are known: a broken seal, a quote not
/// re-confirmed after a material change, an eligibility rule failed, an amount outside the
/// cap or the government range. The same reading the mode will run on when the step ends
/// (locale key of the reason per agency), so the page never calls such a quote valid.
pub fn pending_exclusions(
    c: &mut DbConnection,
    a: &Announcement,
) -> Result<std::collections::HashMap<i64, &'static str>, DbError> {
    let limits = limits(c, a)?;
    Ok(responses_after_opening(c, a)?
        .into_iter()
        .filter_map(|r| {
            let why = r.ineligible.or_else(|| {
                r.quote
                    .as_ref()
                    .and_then(|(m, _)| selection::validate_quote(*m, &limits).err())
                    .map(|e| match e {
                        selection::QuoteError::NotPositive => "result.quote_error.not_positive",
                        selection::QuoteError::AboveCap { .. } => "result.quote_error.above_cap",
                        selection::QuoteError::OutsideGovRange { .. } => {
                            "result.quote_error.outside_gov_range"
                        }
                    })
            })?;
            Some((r.agency_id, why))
        })
        .collect())
}

/// Agencies the owner may choose from: eligible registrants (direct selection) or valid
/// respondents (after a second 流标).
pub fn choosable(
    c: &mut DbConnection,
    a: &Announcement,
) -> Result<Vec<(i64, Option<&'static str>)>, DbError> {
    Ok(responses_after_opening(c, a)?
        .into_iter()
        .map(|r| (r.agency_id, r.ineligible))
        .collect())
}

#[derive(Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = objections)]
pub struct Objection {
    pub id: i64,
    pub announcement_id: i64,
    pub agency_id: i64,
    pub grounds: String,
    pub filed_at: chrono::NaiveDateTime,
    pub answer_due: NaiveDate,
    pub answer: Option<String>,
    pub upheld: Option<bool>,
    pub answered_at: Option<chrono::NaiveDateTime>,
    pub answered_by: Option<i64>,
}

pub fn objections_of(c: &mut DbConnection, id: i64) -> QueryResult<Vec<Objection>> {
    objections::table
        .filter(objections::announcement_id.eq(id))
        .order(objections::id)
        .select(Objection::as_select())
        .load(c)
}

pub use crate::domain::outcome::{StoredDraw, StoredExcluded, StoredExclusion, StoredOutcome};

/// The opened amount of `agency`'s quote for announcement `id`, if its box opened.
pub fn opened_amount(c: &mut DbConnection, id: i64, agency: i64) -> QueryResult<Option<i64>> {
    quotes::table
        .inner_join(quote_openings::table)
        .filter(quotes::announcement_id.eq(id))
        .filter(quotes::agency_id.eq(agency))
        .select(quote_openings::amount_fen)
        .one(c)
}

/// Everything the result page shows.
pub struct Loaded {
    pub result: AnnouncementResult,
    pub outcome: Option<StoredOutcome>,
    pub quotes: Vec<OpenedQuote>,
    pub objections: Vec<Objection>,
    pub names: std::collections::HashMap<i64, String>,
    pub award: Option<(i64, chrono::NaiveDateTime)>,
    pub next_round: Option<i64>,
}

/// An active quote of an opened announcement, with what its box held (nothing when it did
/// not open).
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = quotes)]
pub struct OpenedQuote {
    pub agency_id: i64,
    #[diesel(select_expression = quote_openings::amount_fen.nullable())]
    #[diesel(select_expression_type = diesel::dsl::Nullable<quote_openings::amount_fen>)]
    pub amount: Option<Money>,
    pub commitment: String,
    #[diesel(select_expression = quote_openings::nonce.nullable())]
    #[diesel(select_expression_type = diesel::dsl::Nullable<quote_openings::nonce>)]
    pub nonce: Option<String>,
    #[diesel(column_name = announcement_version)]
    pub version: i32,
    pub low_flag: bool,
    pub justification: Option<String>,
    pub justification_ok: Option<bool>,
}

pub fn load(c: &mut DbConnection, a: &Announcement) -> Result<Option<Loaded>, DbError> {
    let Some(result) = ann::result_of(c, a.id)? else {
        return Ok(None);
    };
    let outcome = stored_outcome(a.id, result.outcome.as_deref())?;
    let quotes = quotes::table
        .left_join(quote_openings::table)
        .filter(quotes::announcement_id.eq(a.id))
        .filter(quotes::status.eq(QuoteStatus::Active))
        .order(quotes::agency_id)
        .select(OpenedQuote::as_select())
        .load(c)?;
    let mut ids = participants(c, a.id)?;
    ids.extend(ann::avoided(c, a.id)?);
    let names: std::collections::HashMap<i64, String> = agencies::table
        .filter(agencies::user_id.eq_any(&ids))
        .select((agencies::user_id, agencies::name))
        .load::<(i64, String)>(c)?
        .into_iter()
        .collect();
    let award = awards::table
        .find(a.id)
        .select((awards::agency_id, awards::confirmed_at))
        .one(c)?;
    let next_round = announcements::table
        .filter(announcements::previous_id.eq(a.id))
        .select(announcements::id)
        .first(c)
        .optional()?;
    Ok(Some(Loaded {
        result,
        outcome,
        quotes,
        objections: objections_of(c, a.id)?,
        names,
        award,
        next_round,
    }))
}

/// The stored outcome of announcement `id`, if one is stored yet; one that does not read is
/// an error (an internal one: the code wrote it).
pub fn stored_outcome(id: i64, json: Option<&str>) -> Result<Option<StoredOutcome>, DbError> {
    json.map(|o| {
        StoredOutcome::parse(o).map_err(|e| DbError::invalid(format!("announcement {id}: {e}")))
    })
    .transpose()
}

/// The announcement objection `id` was raised on, if there is such an objection.
pub fn objection_announcement(c: &mut DbConnection, id: i64) -> QueryResult<Option<i64>> {
    use crate::db::schema::objections;
    objections::table
        .find(id)
        .select(objections::announcement_id)
        .one::<i64>(c)
}

/// The cap and government range quotes are checked against.
/// The limits the opening checks quotes against again: the same as at quoting
/// (`bidding::limits`).
pub(crate) fn limits(c: &mut DbConnection, a: &Announcement) -> QueryResult<Limits> {
    Ok(Limits {
        cap: a.cap.unwrap_or(Money::from_fen(i64::MAX)),
        gov_range: crate::selection::store::bidding::gov_range(c, a.item_id)?,
    })
}

/// The facts of one agency's response gathered at opening.
pub(crate) struct Response {
    pub(crate) agency_id: i64,
    pub(crate) ineligible: Option<&'static str>,
    /// Quote modes: the opened amount and commitment.
    pub(crate) quote: Option<(Money, String)>,
}

/// Reloads the responses of an opened announcement (amounts already in clear).
pub(crate) fn responses_after_opening(
    c: &mut DbConnection,
    a: &Announcement,
) -> Result<Vec<Response>, DbError> {
    let today = workdays::china_date(a.deadline.and_utc()).max(crate::db::today());
    let mode = a.mode().unwrap_or(Mode::RandomDraw);
    let mut out = Vec::new();
    if mode.takes_quotes() {
        let rows: Vec<(i64, Option<i64>, String, i32)> = quotes::table
            .left_join(quote_openings::table)
            .filter(quotes::announcement_id.eq(a.id))
            .filter(quotes::status.eq(QuoteStatus::Active))
            .select((
                quotes::agency_id,
                quote_openings::amount_fen.nullable(),
                quotes::commitment,
                quotes::announcement_version,
            ))
            .order(quotes::agency_id)
            .load(c)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let mut eligible = crate::selection::store::bidding::eligibility_many(c, a, &ids, today)?;
        for (agency_id, amount, commitment, version) in rows {
            let mut ineligible = match amount {
                None => Some(SEAL_BROKEN),
                Some(_) if version < a.version => Some(NOT_RECONFIRMED),
                Some(_) => None,
            };
            if ineligible.is_none() {
                ineligible = first_refusal(eligible.remove(&agency_id));
            }
            out.push(Response {
                agency_id,
                ineligible,
                quote: Some((Money::from_fen(amount.unwrap_or(0)), commitment)),
            });
        }
    } else {
        let regs: Vec<i64> = registrations::table
            .filter(registrations::announcement_id.eq(a.id))
            .select(registrations::agency_id)
            .order(registrations::agency_id)
            .load(c)?;
        let mut eligible = crate::selection::store::bidding::eligibility_many(c, a, &regs, today)?;
        for agency_id in regs {
            out.push(Response {
                agency_id,
                ineligible: first_refusal(eligible.remove(&agency_id)),
                quote: None,
            });
        }
    }
    Ok(out)
}

pub(crate) fn calendar(c: &mut DbConnection, from: NaiveDate) -> QueryResult<Calendar> {
    crate::accounts::store::calendar::load_from(c, from)
}

/// The locale key of the first failed eligibility rule (an agency row that vanished counts
/// as not active).
pub(crate) fn first_refusal(
    r: Option<Result<(), Vec<crate::domain::eligibility::Ineligible>>>,
) -> Option<&'static str> {
    match r {
        Some(Ok(())) => None,
        Some(Err(refusals)) => refusals.first().map(|r| r.key()),
        None => Some(crate::domain::eligibility::Ineligible::NotActive.key()),
    }
}
