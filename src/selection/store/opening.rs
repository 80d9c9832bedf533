//! Opening at the deadline, the result, justification of abnormally low quotes, the owner's
//! choice, objections, confirmation, award and forfeit.
//!
//! Exactly one opening: [`open_if_due`] runs in one write transaction that starts with a
//! guarded update (`… WHERE status = 'published' AND deadline <= now`). On PostgreSQL a second
//! instance's update waits for the first transaction's row lock and then matches nothing; on
//! SQLite `BEGIN IMMEDIATE` already serialises writers. The result row's primary key is the
//! backstop. Every step here is audited against the announcement and mails the people it
//! concerns through the outbox, in the same transaction.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::credit::store::sanctions::mail_user;
use crate::db::schema::{
    agencies, announcement_results, announcements, awards, objections, projects, quotes,
    registrations,
};
use crate::db::{self, DbConnection, DbError, write_tx};
use crate::domain::agency_rules;
use crate::domain::credit::Kind;
use crate::domain::draw::Seed;
use crate::domain::money::Money;
use crate::domain::seal;
use crate::domain::selection::{
    self, Bar, Bid, Entrant, Limits, Mode, Outcome, Round, ScoredBid, Settings, Verdict, Weights,
};
use crate::domain::workdays::{self, Calendar};
use crate::error::{StepError, conflict, refused};
use crate::selection::store::announcement::{
    self as ann, Announcement, AnnouncementResult, status,
};

/// Locale key of the exclusion for a quote made before a material edit and not re-confirmed.
pub const NOT_RECONFIRMED: &str = "result.exclude.not_reconfirmed";
/// Locale key: the sealed box did not open or its commitment did not recompute.
pub const SEAL_BROKEN: &str = "result.exclude.seal_broken";

/// Working days of the result steps.
pub const PUBLICITY_DAYS: u32 = 3;
pub const CONFIRM_DAYS: u32 = 2;
pub const ANSWER_DAYS: u32 = 3;
pub const JUSTIFY_DAYS: u32 = 2;

fn calendar(c: &mut DbConnection, from: NaiveDate) -> QueryResult<Calendar> {
    crate::accounts::store::calendar::load_from(c, from)
}

// ------------------------------------------------------------------ opening

/// Opens announcement `id` if it is published and its deadline has passed; exactly one
/// opening per announcement whatever the number of instances. True if this call opened it.
pub fn open_if_due(
    conn: &mut DbConnection,
    key: &[u8; 32],
    id: i64,
    instance: &str,
) -> Result<bool, DbError> {
    let Some(a) = ann::find(conn, id)? else {
        return Ok(false);
    };
    if !a.due(db::now()) {
        return Ok(false);
    }
    write_tx(conn, |c| open_in_tx(c, key, id, instance))
}

/// Opens every announcement whose deadline has passed (the background job); returns how
/// many this instance opened.
pub fn open_due(conn: &mut DbConnection, key: &[u8; 32], instance: &str) -> Result<usize, DbError> {
    let due: Vec<i64> = announcements::table
        .filter(announcements::status.eq(status::PUBLISHED))
        .filter(announcements::deadline.le(db::now()))
        .select(announcements::id)
        .order(announcements::deadline)
        .limit(100)
        .load(conn)?;
    let mut n = 0;
    for id in due {
        match write_tx(conn, |c| open_in_tx(c, key, id, instance)) {
            Ok(true) => n += 1,
            Ok(false) => {}
            // One broken announcement must not stop the others; it stays due and is logged.
            Err(e) => tracing::error!(announcement = id, error = %e, "opening failed"),
        }
    }
    Ok(n)
}

/// What the audit entry of an opening records.
#[derive(Serialize)]
struct OpenedState<'a> {
    status: &'a str,
    responses: usize,
    winner: Option<i64>,
    seed: &'a str,
}

/// The facts of one agency's response gathered at opening.
struct Response {
    agency_id: i64,
    ineligible: Option<&'static str>,
    /// Quote modes: the opened amount and commitment.
    quote: Option<(Money, String)>,
}

fn open_in_tx(
    c: &mut DbConnection,
    key: &[u8; 32],
    id: i64,
    instance: &str,
) -> Result<bool, DbError> {
    // Quotes and other bidding writes in flight finish first (`bidding::hold_open`).
    crate::selection::store::bidding::hold_for_opening(c, id)?;
    let now = db::now();
    // The guard: only one transaction ever moves a due announcement on.
    let claimed = diesel::update(
        announcements::table
            .filter(announcements::id.eq(id))
            .filter(announcements::status.eq(status::PUBLISHED))
            .filter(announcements::deadline.le(now)),
    )
    .set(announcements::updated_at.eq(now))
    .execute(c)?;
    if claimed != 1 {
        return Ok(false);
    }
    let Some(a) = ann::find(c, id)? else {
        return Ok(false);
    };
    let seed_hex = a
        .seed_sealed
        .as_deref()
        .and_then(|s| seal::open_seed(key, id, s).ok())
        .ok_or_else(|| DbError::invalid("the draw seed does not open with this sealing key"))?;
    let today = workdays::china_date(now.and_utc());
    let mode = a.mode().unwrap_or(Mode::RandomDraw);

    // Registrations, and for quote modes the quotes, opened and written in clear now.
    let registered: Vec<i64> = registrations::table
        .filter(registrations::announcement_id.eq(id))
        .select(registrations::agency_id)
        .order(registrations::agency_id)
        .load(c)?;
    let mut responses = Vec::new();
    if mode.takes_quotes() {
        let rows: Vec<(i64, i64, String, String, i32)> = quotes::table
            .filter(quotes::announcement_id.eq(id))
            .filter(quotes::status.eq("active"))
            .select((
                quotes::id,
                quotes::agency_id,
                quotes::sealed,
                quotes::commitment,
                quotes::announcement_version,
            ))
            .order(quotes::agency_id)
            .load(c)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let mut eligible = crate::selection::store::bidding::eligibility_many(c, &a, &ids, today)?;
        let mut clear = Vec::with_capacity(rows.len());
        for (qid, agency_id, sealed, commitment, version) in rows {
            let opened = seal::open_quote(key, id, agency_id, &sealed)
                .ok()
                .filter(|q| {
                    seal::commitment(id, agency_id, Money::from_fen(q.amount_fen), &q.nonce)
                        == commitment
                });
            let mut ineligible = None;
            let amount = match opened {
                Some(q) => {
                    let m = Money::from_fen(q.amount_fen);
                    clear.push((qid, q));
                    m
                }
                None => {
                    ineligible = Some(SEAL_BROKEN);
                    Money::ZERO
                }
            };
            if ineligible.is_none() && version < a.version {
                ineligible = Some(NOT_RECONFIRMED);
            }
            if ineligible.is_none() {
                ineligible = first_refusal(eligible.remove(&agency_id));
            }
            responses.push(Response {
                agency_id,
                ineligible,
                quote: Some((amount, commitment)),
            });
        }
        write_clear(c, &clear)?;
    } else {
        let mut eligible =
            crate::selection::store::bidding::eligibility_many(c, &a, &registered, today)?;
        for agency_id in registered {
            responses.push(Response {
                agency_id,
                ineligible: first_refusal(eligible.remove(&agency_id)),
                quote: None,
            });
        }
    }

    let settings = Settings::default();
    let cal = calendar(c, today)?;
    let mut justify_by = None;
    let (new_status, outcome) = if mode == Mode::Direct {
        (status::CHOOSING, None)
    } else if mode.takes_quotes() {
        let limits = limits(c, &a)?;
        let valid: Vec<(i64, Money)> = responses
            .iter()
            .filter(|r| r.ineligible.is_none())
            .filter_map(|r| r.quote.as_ref().map(|q| (r.agency_id, q.0)))
            .filter(|(_, m)| selection::validate_quote(*m, &limits).is_ok())
            .collect();
        let flags = selection::abnormally_low(&valid, settings.abnormal_low_percent);
        let enough = selection::tally(valid.len(), a.earlier_failures as u32, &settings)
            == Verdict::Selected;
        if !flags.is_empty() && enough {
            for f in &flags {
                diesel::update(
                    quotes::table
                        .filter(quotes::announcement_id.eq(id))
                        .filter(quotes::agency_id.eq(f.agency_id)),
                )
                .set(quotes::low_flag.eq(true))
                .execute(c)?;
                mail_user(
                    c,
                    f.agency_id,
                    "justify_low",
                    &[
                        ("id", id.to_string()),
                        ("amount", crate::web::fmt::money(f.amount)),
                    ],
                )?;
            }
            justify_by = Some(cal.add_working_days(today, JUSTIFY_DAYS));
            (status::JUSTIFYING, None)
        } else {
            let o = run_mode(c, &a, &seed_hex, &responses, &[])?;
            (status_of(&o), Some(o))
        }
    } else {
        let o = run_mode(c, &a, &seed_hex, &responses, &[])?;
        (status_of(&o), Some(o))
    };
    let (new_status, outcome) = match outcome {
        Some(o) if owner_may_choose(&o) => (status::CHOOSING, Some(o)),
        o => (new_status, o),
    };

    diesel::insert_into(announcement_results::table)
        .values((
            announcement_results::announcement_id.eq(id),
            announcement_results::opened_at.eq(now),
            announcement_results::opened_by.eq(instance),
            announcement_results::seed_revealed.eq(&seed_hex),
            announcement_results::justify_by.eq(justify_by),
        ))
        .execute(c)?;
    set_status(c, id, new_status)?;
    let winner = match &outcome {
        Some(o) => apply_outcome(c, &a, o, today, &cal)?,
        None => None,
    };
    audit::record(
        c,
        &Actor::system(),
        "selection.opened",
        "announcement",
        id,
        &OpenedState {
            status: new_status,
            responses: responses.len(),
            winner,
            seed: &seed_hex,
        },
        "",
    )?;
    mail_participants(c, &a, "opened", &[("status", new_status.to_string())])?;
    Ok(true)
}

/// The locale key of the first failed eligibility rule (an agency row that vanished counts
/// as not active).
fn first_refusal(
    r: Option<Result<(), Vec<crate::domain::eligibility::Refusal>>>,
) -> Option<&'static str> {
    match r {
        Some(Ok(())) => None,
        Some(Err(refusals)) => refusals.first().map(|r| r.key()),
        None => Some(crate::domain::eligibility::Refusal::NotActive.key()),
    }
}

/// Writes the opened amounts, nonces and notes in clear: a few statements of up to 200 rows
/// (`WITH v AS (VALUES …) UPDATE … FROM v`, both backends), not one statement per quote.
fn write_clear(c: &mut DbConnection, clear: &[(i64, seal::Sealed)]) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Text};
    // PostgreSQL: one statement of a fixed shape for all the quotes (arrays, unnested).
    if let DbConnection::Pg(pg) = c {
        if clear.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = clear.iter().map(|(id, _)| *id).collect();
        let amounts: Vec<i64> = clear.iter().map(|(_, s)| s.amount_fen).collect();
        let nonces: Vec<&str> = clear.iter().map(|(_, s)| s.nonce.as_str()).collect();
        let notes: Vec<&str> = clear.iter().map(|(_, s)| s.note.as_str()).collect();
        diesel::sql_query(
            "UPDATE quotes SET amount_fen = v.amount, nonce = v.nonce, note = v.note \
             FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[]) \
             AS v(id, amount, nonce, note) WHERE quotes.id = v.id",
        )
        .bind::<Array<BigInt>, _>(&ids)
        .bind::<Array<BigInt>, _>(&amounts)
        .bind::<Array<Text>, _>(&nonces)
        .bind::<Array<Text>, _>(&notes)
        .execute(pg)?;
        return Ok(());
    }
    for chunk in clear.chunks(200) {
        let pg = matches!(c, DbConnection::Pg(_));
        let mut values = String::new();
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                values.push_str(", ");
            }
            if pg {
                let b = i * 4;
                values.push_str(&format!(
                    "(${}::BIGINT, ${}::BIGINT, ${}::TEXT, ${}::TEXT)",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4
                ));
            } else {
                values.push_str(
                    "(CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS TEXT))",
                );
            }
        }
        let sql = format!(
            "WITH v(id, amount, nonce, note) AS (VALUES {values}) \
             UPDATE quotes SET amount_fen = v.amount, nonce = v.nonce, note = v.note \
             FROM v WHERE quotes.id = v.id"
        );
        match c {
            DbConnection::Pg(pg) => {
                let mut q = diesel::sql_query(&sql).into_boxed::<diesel::pg::Pg>();
                for (qid, s) in chunk {
                    q = q
                        .bind::<BigInt, _>(*qid)
                        .bind::<BigInt, _>(s.amount_fen)
                        .bind::<Text, _>(s.nonce.clone())
                        .bind::<Text, _>(s.note.clone());
                }
                q.execute(pg)?;
            }
            DbConnection::Sqlite(lite) => {
                let mut q = diesel::sql_query(&sql).into_boxed::<diesel::sqlite::Sqlite>();
                for (qid, s) in chunk {
                    q = q
                        .bind::<BigInt, _>(*qid)
                        .bind::<BigInt, _>(s.amount_fen)
                        .bind::<Text, _>(s.nonce.clone())
                        .bind::<Text, _>(s.note.clone());
                }
                q.execute(lite)?;
            }
        }
    }
    Ok(())
}

fn set_status(c: &mut DbConnection, id: i64, s: &str) -> QueryResult<usize> {
    diesel::update(announcements::table.find(id))
        .set((
            announcements::status.eq(s),
            announcements::updated_at.eq(db::now()),
        ))
        .execute(c)
}

fn status_of(o: &Outcome) -> &'static str {
    match o.verdict {
        Verdict::Selected => status::PUBLICITY,
        Verdict::Failed { .. } => status::FAILED,
    }
}

fn owner_may_choose(o: &Outcome) -> bool {
    matches!(
        o.verdict,
        Verdict::Failed {
            next: selection::AfterFailure::OwnerMaySelect,
            ..
        }
    )
}

/// The cap and government range quotes are checked against.
/// The limits the opening checks quotes against again: the same as at quoting
/// (`bidding::limits`).
fn limits(c: &mut DbConnection, a: &Announcement) -> QueryResult<Limits> {
    Ok(Limits {
        cap: a.cap().unwrap_or(Money::from_fen(i64::MAX)),
        gov_range: crate::selection::store::bidding::gov_range(c, a.item_id)?,
    })
}

/// Runs the announcement's mode over the responses. `unjustified` are agencies whose
/// abnormally low quote was not justified (or whose justification was rejected).
fn run_mode(
    c: &mut DbConnection,
    a: &Announcement,
    seed_hex: &str,
    responses: &[Response],
    unjustified: &[i64],
) -> Result<Outcome, DbError> {
    let seed = Seed::from_hex(seed_hex).map_err(|_| bad("seed"))?;
    let settings = Settings::default();
    let round = Round {
        seed: &seed,
        earlier_failures: a.earlier_failures as u32,
        settings: &settings,
    };
    let mode = a.mode().unwrap_or(Mode::RandomDraw);
    let bids: Vec<Bid> = responses
        .iter()
        .filter_map(|r| {
            r.quote.as_ref().map(|(amount, commitment)| Bid {
                agency_id: r.agency_id,
                amount: *amount,
                commitment: commitment.clone(),
                barred: match r.ineligible {
                    Some(rule) => Some(Bar::Ineligible(rule)),
                    None if unjustified.contains(&r.agency_id) => {
                        Some(Bar::AbnormallyLowNotJustified)
                    }
                    None => None,
                },
            })
        })
        .collect();
    let r = match mode {
        Mode::Direct | Mode::RandomDraw => {
            let entrants: Vec<Entrant> = responses
                .iter()
                .map(|r| Entrant {
                    agency_id: r.agency_id,
                    ineligible: r.ineligible,
                })
                .collect();
            selection::random_draw(&entrants, &round)
        }
        Mode::LowestPrice => selection::lowest_price(&bids, &limits(c, a)?, &round),
        Mode::ReasonablePrice => selection::reasonable_price(&bids, &limits(c, a)?, &round),
        Mode::WeightedScoring => {
            let weights = Weights {
                price: a.weight_price.unwrap_or(0) as u32,
                credit: a.weight_credit.unwrap_or(0) as u32,
                qualification: a.weight_qual.unwrap_or(0) as u32,
            };
            let ids: Vec<i64> = bids.iter().map(|b| b.agency_id).collect();
            let mut scores = scores_many(c, a, &ids)?;
            let scored = bids
                .into_iter()
                .map(|b| {
                    let (credit_x100, qualification_x100) =
                        scores.remove(&b.agency_id).unwrap_or((0, 0));
                    ScoredBid {
                        bid: b,
                        credit_x100,
                        qualification_x100,
                    }
                })
                .collect::<Vec<_>>();
            selection::weighted_scoring(&scored, &weights, &limits(c, a)?, &round)
        }
    };
    r.map_err(|e| bad(&e.to_string()))
}

fn bad(what: &str) -> DbError {
    DbError::invalid(format!("selection: {what}"))
}

/// Weighted scoring: each agency's credit score (hundredths, from the credit library) and its
/// qualification score (`selection::qualification_score_x100`), in three queries.
fn scores_many(
    c: &mut DbConnection,
    a: &Announcement,
    agency_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, (i32, i32)>> {
    let credit: Vec<(i64, Option<i32>)> = agencies::table
        .filter(agencies::user_id.eq_any(agency_ids))
        .select((agencies::user_id, agencies::credit_score))
        .load(c)?;
    let required = crate::selection::store::bidding::required_quals(c, a.item_id)?;
    let mut certs = crate::selection::store::bidding::certificates_of(c, agency_ids)?;
    let day = workdays::china_date(a.deadline.and_utc());
    Ok(credit
        .into_iter()
        .map(|(id, score)| {
            let rows = certs.remove(&id).unwrap_or_default();
            let facts: Vec<agency_rules::CertFacts> = rows
                .iter()
                .map(crate::selection::store::bidding::CertRow::facts)
                .collect();
            let held = agency_rules::valid_qualifications(&facts, day);
            (
                id,
                (
                    score.unwrap_or(0).clamp(0, 10_000),
                    selection::qualification_score_x100(&required, &held),
                ),
            )
        })
        .collect())
}

/// Stores an outcome: the winner and its price, publicity and confirmation dates, or 流标.
/// Returns the winner.
fn apply_outcome(
    c: &mut DbConnection,
    a: &Announcement,
    o: &Outcome,
    today: NaiveDate,
    cal: &Calendar,
) -> Result<Option<i64>, DbError> {
    let json = serde_json::to_string(o).map_err(|e| bad(&e.to_string()))?;
    let winner = o.winner();
    let amount: Option<i64> = match winner {
        Some(w) => quotes::table
            .filter(quotes::announcement_id.eq(a.id))
            .filter(quotes::agency_id.eq(w))
            .select(quotes::amount_fen)
            .first::<Option<i64>>(c)
            .optional()?
            .flatten(),
        None => None,
    };
    let (publicity_ends, confirm_by) = if winner.is_some() {
        let p = cal.add_working_days(today, PUBLICITY_DAYS);
        (Some(p), Some(cal.add_working_days(p, CONFIRM_DAYS)))
    } else {
        (None, None)
    };
    diesel::update(announcement_results::table.find(a.id))
        .set((
            announcement_results::outcome.eq(json),
            announcement_results::winner_id.eq(winner),
            announcement_results::winner_amount_fen.eq(amount),
            announcement_results::winner_rank.eq(winner.map(|_| 0)),
            announcement_results::publicity_ends.eq(publicity_ends),
            announcement_results::confirm_by.eq(confirm_by),
        ))
        .execute(c)?;
    Ok(winner)
}

/// Mails the owner and every agency that registered or quoted, each in its language (one
/// query for the addressees, batched inserts: an opening may concern a thousand agencies).
fn mail_participants(
    c: &mut DbConnection,
    a: &Announcement,
    kind: &str,
    args: &[(&str, String)],
) -> QueryResult<()> {
    use crate::db::schema::users;
    let mut args: Vec<(&str, String)> = args.to_vec();
    args.push(("id", a.id.to_string()));
    let project: String = projects::table
        .find(a.project_id)
        .select(projects::name)
        .first(c)?;
    args.push(("project", project));
    let mut ids = participants(c, a.id)?;
    ids.push(a.owner_id);
    let people: Vec<(i64, String, String, String, String)> = users::table
        .filter(users::id.eq_any(&ids))
        .order(users::id)
        .select((
            users::id,
            users::email,
            users::locale,
            users::contact_name,
            users::org_name,
        ))
        .load(c)?;
    let mails: Vec<(i64, String, String, String)> = people
        .into_iter()
        .map(|(id, email, locale, name, org)| {
            let lang = crate::i18n::Lang::parse(&locale).unwrap_or(crate::i18n::Lang::Zh);
            let mut a: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            a.push(("name", name.as_str()));
            a.push(("org", org.as_str()));
            let (s, b) = crate::mail::compose(lang, kind, &a);
            (id, email, s, b)
        })
        .collect();
    crate::mail::store::enqueue_many(c, &mails)
}

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

// ------------------------------------------------------------------ after opening

/// Reloads the responses of an opened announcement (amounts already in clear).
fn responses_after_opening(
    c: &mut DbConnection,
    a: &Announcement,
) -> Result<Vec<Response>, DbError> {
    let today = workdays::china_date(a.deadline.and_utc()).max(crate::db::today());
    let mode = a.mode().unwrap_or(Mode::RandomDraw);
    let mut out = Vec::new();
    if mode.takes_quotes() {
        let rows: Vec<(i64, Option<i64>, String, i32)> = quotes::table
            .filter(quotes::announcement_id.eq(a.id))
            .filter(quotes::status.eq("active"))
            .select((
                quotes::agency_id,
                quotes::amount_fen,
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

/// The agency's justification of its abnormally low quote (within the justification window).
pub fn justify(c: &mut DbConnection, id: i64, agency_id: i64, text: &str) -> Result<(), StepError> {
    write_tx(c, |c| {
        let a = ann::find(c, id)?.ok_or_else(|| refused("result.err.not_found"))?;
        if a.status != status::JUSTIFYING {
            return Err(conflict("result.err.not_justifying"));
        }
        let r = ann::result_of(c, id)?.ok_or_else(|| conflict("result.err.not_justifying"))?;
        if r.justify_by.is_some_and(|d| crate::db::today() > d) {
            return Err(conflict("result.err.justify_closed"));
        }
        let n = diesel::update(
            quotes::table
                .filter(quotes::announcement_id.eq(id))
                .filter(quotes::agency_id.eq(agency_id))
                .filter(quotes::low_flag.eq(true))
                .filter(quotes::justified_at.is_null()),
        )
        .set((
            quotes::justification.eq(text),
            quotes::justified_at.eq(db::now()),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(conflict("result.err.no_flag"));
        }
        audit::record(
            c,
            &Actor::user(agency_id, crate::auth::Role::Agency),
            "selection.justified",
            "announcement",
            id,
            &serde_json::json!({ "agency": agency_id }),
            "",
        )?;
        mail_user(c, a.owner_id, "justification", &[("id", id.to_string())])?;
        Ok(())
    })
}

/// The owner accepts or rejects a justification; when every flag is decided the round
/// finishes.
pub fn decide_justification(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    agency_id: i64,
    accept: bool,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let a = ann::find(c, id)?.ok_or_else(|| refused("result.err.not_found"))?;
        if a.status != status::JUSTIFYING {
            return Err(conflict("result.err.not_justifying"));
        }
        let n = diesel::update(
            quotes::table
                .filter(quotes::announcement_id.eq(id))
                .filter(quotes::agency_id.eq(agency_id))
                .filter(quotes::low_flag.eq(true))
                .filter(quotes::justified_at.is_not_null())
                .filter(quotes::justification_ok.is_null()),
        )
        .set(quotes::justification_ok.eq(accept))
        .execute(c)?;
        if n != 1 {
            return Err(conflict("result.err.nothing_to_decide"));
        }
        audit::record(
            c,
            actor,
            "selection.justification_decided",
            "announcement",
            id,
            &serde_json::json!({ "agency": agency_id, "accepted": accept }),
            "",
        )?;
        mail_user(
            c,
            agency_id,
            if accept {
                "justification_accepted"
            } else {
                "justification_rejected"
            },
            &[("id", id.to_string())],
        )?;
        let open: i64 = quotes::table
            .filter(quotes::announcement_id.eq(id))
            .filter(quotes::low_flag.eq(true))
            .filter(quotes::justification_ok.is_null())
            .count()
            .get_result(c)?;
        if open == 0 {
            finish_justifying(c, &a)?;
        }
        Ok(())
    })
}

/// Ends the justification step: quotes flagged and not accepted cannot win; the mode runs.
fn finish_justifying(c: &mut DbConnection, a: &Announcement) -> Result<(), DbError> {
    let r = ann::result_of(c, a.id)?.ok_or_else(|| bad("no result"))?;
    let unjustified: Vec<i64> = quotes::table
        .filter(quotes::announcement_id.eq(a.id))
        .filter(quotes::low_flag.eq(true))
        .filter(
            quotes::justification_ok
                .is_null()
                .or(quotes::justification_ok.eq(false)),
        )
        .select(quotes::agency_id)
        .load(c)?;
    let responses = responses_after_opening(c, a)?;
    let o = run_mode(c, a, &r.seed_revealed, &responses, &unjustified)?;
    let today = crate::db::today();
    let cal = calendar(c, today)?;
    let s = if owner_may_choose(&o) {
        status::CHOOSING
    } else {
        status_of(&o)
    };
    set_status(c, a.id, s)?;
    let winner = apply_outcome(c, a, &o, today, &cal)?;
    audit::record(
        c,
        &Actor::system(),
        "selection.result",
        "announcement",
        a.id,
        &serde_json::json!({ "status": s, "winner": winner }),
        "",
    )?;
    mail_participants(c, a, "opened", &[("status", s.to_string())])?;
    Ok(())
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

/// The owner's choice (direct selection, or among respondents after repeated 流标).
pub fn choose(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    agency_id: i64,
) -> Result<(), StepError> {
    write_tx(c, |c| {
        let a = ann::find(c, id)?.ok_or_else(|| refused("result.err.not_found"))?;
        if a.status != status::CHOOSING {
            return Err(conflict("result.err.not_choosing"));
        }
        let responses = responses_after_opening(c, &a)?;
        let entrants: Vec<Entrant> = responses
            .iter()
            .map(|r| Entrant {
                agency_id: r.agency_id,
                ineligible: r.ineligible,
            })
            .collect();
        let Some(chosen) = entrants.iter().find(|e| e.agency_id == agency_id) else {
            return Err(refused("result.err.not_a_respondent"));
        };
        let fiscal: bool = projects::table
            .find(a.project_id)
            .select(projects::fiscal_funds)
            .first(c)?;
        let settings = Settings::default();
        let o = if a.mode() == Some(Mode::Direct) {
            selection::direct(fiscal, chosen)
        } else {
            selection::owner_choice(
                a.earlier_failures as u32 + 1,
                &entrants,
                agency_id,
                &settings,
            )
        };
        let o = o.map_err(|e| StepError::Refused {
            key: e.key(),
            args: e.args(),
            conflict: false,
        })?;
        let today = crate::db::today();
        let cal = calendar(c, today)?;
        set_status(c, id, status::PUBLICITY)?;
        apply_outcome(c, &a, &o, today, &cal)?;
        audit::record(
            c,
            actor,
            "selection.chosen",
            "announcement",
            id,
            &serde_json::json!({ "agency": agency_id }),
            "",
        )?;
        mail_participants(
            c,
            &a,
            "opened",
            &[("status", status::PUBLICITY.to_string())],
        )?;
        Ok(())
    })
}

// ------------------------------------------------------------------ objections

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

/// A participant objects 质疑 during publicity.
pub fn object(
    c: &mut DbConnection,
    id: i64,
    agency_id: i64,
    grounds: &str,
) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let a = ann::find(c, id)?.ok_or_else(|| refused("result.err.not_found"))?;
        let r = ann::result_of(c, id)?;
        let today = crate::db::today();
        let in_publicity = a.status == status::PUBLICITY
            && r.as_ref()
                .and_then(|r| r.publicity_ends)
                .is_some_and(|p| today <= p);
        if !in_publicity {
            return Err(conflict("result.err.not_in_publicity"));
        }
        if !participants(c, id)?.contains(&agency_id) {
            return Err(StepError::Refused {
                key: "result.err.not_participant",
                args: Vec::new(),
                conflict: false,
            });
        }
        let cal = calendar(c, today)?;
        let due = cal.add_working_days(today, ANSWER_DAYS);
        diesel::insert_into(objections::table)
            .values((
                objections::announcement_id.eq(id),
                objections::agency_id.eq(agency_id),
                objections::grounds.eq(grounds),
                objections::filed_at.eq(db::now()),
                objections::answer_due.eq(due),
            ))
            .execute(c)?;
        let oid: i64 = objections::table
            .filter(objections::announcement_id.eq(id))
            .filter(objections::agency_id.eq(agency_id))
            .order(objections::id.desc())
            .select(objections::id)
            .first(c)?;
        audit::record(
            c,
            &Actor::user(agency_id, crate::auth::Role::Agency),
            "selection.objection_filed",
            "announcement",
            id,
            &serde_json::json!({ "objection": oid }),
            "",
        )?;
        mail_user(
            c,
            a.owner_id,
            "objection_filed",
            &[("id", id.to_string()), ("due", due.to_string())],
        )?;
        Ok(oid)
    })
}

/// The owner answers an objection; an upheld one annuls the result (the owner re-runs it).
pub fn answer(
    c: &mut DbConnection,
    actor: &Actor,
    objection_id: i64,
    text: &str,
    upheld: bool,
) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let o: Objection = objections::table
            .find(objection_id)
            .select(Objection::as_select())
            .first(c)
            .optional()?
            .ok_or_else(|| refused("result.err.not_found"))?;
        let a = ann::find(c, o.announcement_id)?.ok_or_else(|| refused("result.err.not_found"))?;
        if o.answered_at.is_some() {
            return Err(conflict("result.err.already_answered"));
        }
        diesel::update(objections::table.find(objection_id))
            .set((
                objections::answer.eq(text),
                objections::upheld.eq(upheld),
                objections::answered_at.eq(db::now()),
                objections::answered_by.eq(actor.id),
            ))
            .execute(c)?;
        if upheld && a.status == status::PUBLICITY {
            set_status(c, a.id, status::ANNULLED)?;
        }
        audit::record(
            c,
            actor,
            "selection.objection_answered",
            "announcement",
            a.id,
            &serde_json::json!({ "objection": objection_id, "upheld": upheld }),
            "",
        )?;
        mail_participants(
            c,
            &a,
            if upheld {
                "objection_upheld"
            } else {
                "objection_answered"
            },
            &[],
        )?;
        Ok(a.id)
    })
}

// ------------------------------------------------------------------ award

/// The winner confirms after publicity: exactly one award per announcement, guarded by the
/// status update and the `awards` primary key.
pub fn confirm(c: &mut DbConnection, id: i64, agency_id: i64) -> Result<(), StepError> {
    write_tx(c, |c| {
        let today = crate::db::today();
        let r = ann::result_of(c, id)?.ok_or_else(|| conflict("result.err.not_confirmable"))?;
        if r.winner_id != Some(agency_id) {
            return Err(refused("result.err.not_winner"));
        }
        if r.publicity_ends.is_some_and(|p| today <= p) {
            return Err(conflict("result.err.publicity_running"));
        }
        if r.confirm_by.is_some_and(|d| today > d) {
            return Err(conflict("result.err.confirm_late"));
        }
        let open: i64 = objections::table
            .filter(objections::announcement_id.eq(id))
            .filter(objections::answered_at.is_null())
            .count()
            .get_result(c)?;
        if open > 0 {
            return Err(conflict("result.err.objection_open"));
        }
        let n = diesel::update(
            announcements::table
                .filter(announcements::id.eq(id))
                .filter(announcements::status.eq(status::PUBLICITY)),
        )
        .set((
            announcements::status.eq(status::AWARDED),
            announcements::updated_at.eq(db::now()),
        ))
        .execute(c)?;
        if n != 1 {
            return Err(conflict("result.err.already_awarded"));
        }
        diesel::insert_into(awards::table)
            .values((
                awards::announcement_id.eq(id),
                awards::agency_id.eq(agency_id),
                awards::amount_fen.eq(r.winner_amount_fen),
                awards::confirmed_at.eq(db::now()),
                awards::confirmed_by.eq(agency_id),
            ))
            .execute(c)?;
        audit::record(
            c,
            &Actor::user(agency_id, crate::auth::Role::Agency),
            "selection.awarded",
            "announcement",
            id,
            &serde_json::json!({ "agency": agency_id, "amount_fen": r.winner_amount_fen }),
            "",
        )?;
        // The contract draft, in the award's transaction (none without a model text).
        crate::contracts::store::contract::draft_for_award(c, id)?;
        let a = ann::find(c, id)?.ok_or_else(|| refused("result.err.not_found"))?;
        mail_user(c, a.owner_id, "awarded_owner", &[("id", id.to_string())])?;
        for p in participants(c, id)? {
            let kind = if p == agency_id {
                "selected"
            } else {
                "not_selected"
            };
            mail_user(c, p, kind, &[("id", id.to_string())])?;
        }
        Ok(())
    })
}

/// The background pass after opening: justification windows that closed, winners who did
/// not confirm in time (forfeit, recorded for the credit library, next-ranked takes over).
/// Returns how many announcements moved on.
pub fn advance(c: &mut DbConnection) -> Result<usize, DbError> {
    let today = crate::db::today();
    let mut n = 0;
    let late_justify: Vec<i64> = announcement_results::table
        .inner_join(announcements::table)
        .filter(announcements::status.eq(status::JUSTIFYING))
        .filter(announcement_results::justify_by.lt(today))
        .select(announcements::id)
        .load(c)?;
    for id in late_justify {
        write_tx(c, |c| -> Result<(), DbError> {
            if let Some(a) = ann::find(c, id)?
                && a.status == status::JUSTIFYING
            {
                finish_justifying(c, &a)?;
            }
            Ok(())
        })?;
        n += 1;
    }
    let late_confirm: Vec<i64> = announcement_results::table
        .inner_join(announcements::table)
        .filter(announcements::status.eq(status::PUBLICITY))
        .filter(announcement_results::confirm_by.lt(today))
        .select(announcements::id)
        .load(c)?;
    for id in late_confirm {
        write_tx(c, |c| forfeit(c, id, today))?;
        n += 1;
    }
    Ok(n)
}

/// The winner let the confirmation window pass: a forfeit record, and the next-ranked agency
/// takes its place (or 流标 when nobody is left).
fn forfeit(c: &mut DbConnection, id: i64, today: NaiveDate) -> Result<(), DbError> {
    let Some(a) = ann::find(c, id)? else {
        return Ok(());
    };
    let Some(r) = ann::result_of(c, id)? else {
        return Ok(());
    };
    if a.status != status::PUBLICITY || r.confirm_by.is_none_or(|d| d >= today) {
        return Ok(());
    }
    let Some(loser) = r.winner_id else {
        return Ok(());
    };
    let title = ann::title(c, id)?.unwrap_or_default();
    let evidence =
        crate::domain::credit::Evidence::new("credit.ev.forfeit").announcement(id, &title);
    crate::credit::store::credit::record_automatic(
        c,
        &crate::credit::store::credit::Automatic {
            agency_id: loser,
            kind: Kind::Forfeit,
            overrun_percent: 0,
            evidence: &evidence,
            ref_kind: "announcement",
            ref_id: id,
            effective_on: today,
        },
    )?;
    let ranking = r
        .outcome
        .as_deref()
        .and_then(|o| serde_json::from_str::<StoredOutcome>(o).ok())
        .map(|o| o.ranking)
        .unwrap_or_default();
    let next_rank = r.winner_rank.unwrap_or(0) + 1;
    let next = ranking.get(next_rank as usize).copied();
    let cal = calendar(c, today)?;
    match next {
        Some(w) => {
            let amount: Option<i64> = quotes::table
                .filter(quotes::announcement_id.eq(id))
                .filter(quotes::agency_id.eq(w))
                .select(quotes::amount_fen)
                .first::<Option<i64>>(c)
                .optional()?
                .flatten();
            diesel::update(announcement_results::table.find(id))
                .set((
                    announcement_results::winner_id.eq(w),
                    announcement_results::winner_amount_fen.eq(amount),
                    announcement_results::winner_rank.eq(next_rank),
                    announcement_results::confirm_by.eq(cal.add_working_days(today, CONFIRM_DAYS)),
                ))
                .execute(c)?;
            mail_user(c, w, "takes_over", &[("id", id.to_string())])?;
        }
        None => {
            set_status(c, id, status::FAILED)?;
        }
    }
    audit::record(
        c,
        &Actor::system(),
        "selection.forfeited",
        "announcement",
        id,
        &serde_json::json!({ "forfeited": loser, "next": next }),
        "",
    )?;
    mail_user(c, loser, "forfeited", &[("id", id.to_string())])?;
    Ok(())
}

/// Re-publication after 流标 or an annulled result: a new draft copying the announcement,
/// one round later. Returns the new announcement's id.
pub fn republish_draft(c: &mut DbConnection, actor: &Actor, id: i64) -> Result<i64, StepError> {
    write_tx(c, |c| {
        let a = ann::find(c, id)?.ok_or_else(|| refused("result.err.not_found"))?;
        if a.status != status::FAILED && a.status != status::ANNULLED {
            return Err(conflict("result.err.not_republishable"));
        }
        let exists: i64 = announcements::table
            .filter(announcements::previous_id.eq(id))
            .count()
            .get_result(c)?;
        if exists > 0 {
            return Err(conflict("result.err.already_republished"));
        }
        let failures = a.earlier_failures + i32::from(a.status == status::FAILED);
        let now = db::now();
        diesel::insert_into(announcements::table)
            .values((
                announcements::project_id.eq(a.project_id),
                announcements::owner_id.eq(a.owner_id),
                announcements::owner_department_id.eq(a.owner_department_id),
                announcements::item_id.eq(a.item_id),
                announcements::previous_id.eq(Some(id)),
                announcements::round.eq(a.round + 1),
                announcements::earlier_failures.eq(failures),
                announcements::scope.eq(&a.scope),
                announcements::time_limit_days.eq(a.time_limit_days),
                announcements::cap_fen.eq(a.cap_fen),
                announcements::mode.eq(&a.mode),
                announcements::deadline.eq(a.deadline),
                announcements::min_grade.eq(&a.min_grade),
                announcements::complaint_phone.eq(&a.complaint_phone),
                announcements::witness.eq(&a.witness),
                announcements::weight_price.eq(a.weight_price),
                announcements::weight_credit.eq(a.weight_credit),
                announcements::weight_qual.eq(a.weight_qual),
                announcements::time_limit_reason.eq(&a.time_limit_reason),
                announcements::regional_exception.eq(&a.regional_exception),
                announcements::regional_exception_reason.eq(&a.regional_exception_reason),
                announcements::status.eq(status::DRAFT),
                announcements::created_at.eq(now),
                announcements::updated_at.eq(now),
            ))
            .execute(c)?;
        let new_id: i64 = announcements::table
            .filter(announcements::previous_id.eq(Some(id)))
            .select(announcements::id)
            .first(c)?;
        let avoided = ann::avoided(c, id)?;
        for ag in avoided {
            diesel::insert_into(crate::db::schema::announcement_avoided::table)
                .values((
                    crate::db::schema::announcement_avoided::announcement_id.eq(new_id),
                    crate::db::schema::announcement_avoided::agency_id.eq(ag),
                ))
                .execute(c)?;
        }
        audit::record(
            c,
            actor,
            "selection.rerun",
            "announcement",
            id,
            &serde_json::json!({ "next": new_id }),
            "",
        )?;
        audit::record(
            c,
            actor,
            "selection.created_from",
            "announcement",
            new_id,
            &serde_json::json!({ "previous": id }),
            "",
        )?;
        Ok(new_id)
    })
}

/// An [`Outcome`] as stored (owned strings, read back for display and verification).
#[derive(Clone, Debug, serde::Deserialize)]
pub struct StoredOutcome {
    pub verdict: serde_json::Value,
    pub ranking: Vec<i64>,
    pub excluded: Vec<StoredExcluded>,
    pub draws: Vec<StoredDraw>,
    pub detail: serde_json::Value,
}

#[derive(Clone, Debug, serde::Deserialize)]
pub struct StoredExcluded {
    pub agency_id: i64,
    pub amount: Option<Money>,
    pub reason: serde_json::Value,
}

#[derive(Clone, Debug, serde::Deserialize)]
pub struct StoredDraw {
    pub first_rank: usize,
    pub proof: crate::domain::draw::Proof,
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

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = quotes)]
pub struct OpenedQuote {
    pub agency_id: i64,
    pub amount_fen: Option<i64>,
    pub commitment: String,
    pub nonce: Option<String>,
    #[diesel(column_name = announcement_version)]
    pub version: i32,
    pub low_flag: bool,
    pub justification: Option<String>,
    pub justification_ok: Option<bool>,
}

pub fn load(c: &mut DbConnection, a: &Announcement) -> QueryResult<Option<Loaded>> {
    let Some(result) = ann::result_of(c, a.id)? else {
        return Ok(None);
    };
    let outcome = result
        .outcome
        .as_deref()
        .and_then(|o| serde_json::from_str::<StoredOutcome>(o).ok());
    let quotes = quotes::table
        .filter(quotes::announcement_id.eq(a.id))
        .filter(quotes::status.eq("active"))
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
        .first(c)
        .optional()?;
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

/// The announcement objection `id` was raised on, if there is such an objection.
pub fn objection_announcement(c: &mut DbConnection, id: i64) -> QueryResult<Option<i64>> {
    use crate::db::schema::objections;
    objections::table
        .find(id)
        .select(objections::announcement_id)
        .first::<i64>(c)
        .optional()
}
