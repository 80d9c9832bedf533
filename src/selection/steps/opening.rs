//! The timed steps of a selection: the opening at the deadline (and the result it computes),
//! and the daily advance that closes justification windows, confirmation windows and
//! forfeits a win that was not confirmed.
//!
//! Exactly one opening: [`open_if_due`] runs in one write transaction that starts with a
//! guarded update (`… WHERE status = 'published' AND deadline <= now`). On PostgreSQL a second
//! instance's update waits for the first transaction's row lock and then matches nothing; on
//! SQLite `BEGIN IMMEDIATE` already serialises writers. The result row's primary key is the
//! backstop. Every step here is audited against the announcement and mails the people it
//! concerns through the outbox, in the same transaction, except the opening's notice to every
//! bidder: that is its own transaction right after the opening commits ([`tell_opened`],
//! exactly once, the background pass telling what a stopped instance left).

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::db::schema::{
    agencies, announcement_results, announcements, projects, quotes, registrations,
};
use crate::db::{self, DbConnection, DbError, write_tx};
use crate::domain::agency_rules;
use crate::domain::credit::Kind;
use crate::domain::draw::Seed;
use crate::domain::money::Money;
use crate::domain::seal;
use crate::domain::selection::{
    self, Bar, Bid, Entrant, Mode, Outcome, Round, ScoredBid, Settings, Verdict, Weights,
};
use crate::domain::status::AnnouncementStatus;
use crate::domain::status::QuoteStatus;
use crate::domain::workdays::{self, Calendar};
use crate::mail::notify::mail_user;
use crate::selection::store::announcement::{self as ann, Announcement};
use crate::selection::store::opening::*;

// ------------------------------------------------------------------ opening

/// Opens announcement `id` if it is published and its deadline has passed; exactly one
/// opening per announcement whatever the number of instances. True if this call opened it.
/// The participants are told right after the opening commits ([`tell_opened`]).
pub fn open_if_due(
    conn: &mut DbConnection,
    key: &[u8; 32],
    id: i64,
    instance: &str,
) -> Result<bool, DbError> {
    let opened = open_only_if_due(conn, key, id, instance)?;
    if opened {
        tell_soon(conn, id);
    }
    Ok(opened)
}

/// The opening's own transaction ([`open_if_due`] without telling the participants): the
/// caller tells them with [`tell_opened`], or leaves it to the background job.
pub fn open_only_if_due(
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

/// Tells the participants and the owner of opened announcement `id` that it was opened, and
/// with what status, once whatever the number of instances (a guarded update of
/// `told_at`, the mail and its audit entry, in one transaction). A thousand bidders' mail is written here,
/// after the opening committed, not while the opening holds the announcement. False when
/// they were told already (or it is not opened).
pub fn tell_opened(conn: &mut DbConnection, id: i64) -> Result<bool, DbError> {
    write_tx(conn, |c| {
        let claimed = diesel::update(
            announcement_results::table
                .filter(announcement_results::announcement_id.eq(id))
                .filter(announcement_results::told_at.is_null()),
        )
        .set(announcement_results::told_at.eq(db::now()))
        .execute(c)?;
        if claimed != 1 {
            return Ok(false);
        }
        let Some(a) = ann::find(c, id)? else {
            return Ok(false);
        };
        mail_participants(c, &a, "opened", &[("status", a.status.to_string())])?;
        audit::record(
            c,
            &Actor::system(),
            "selection.told",
            "announcement",
            id,
            &serde_json::json!({ "status": a.status }),
            "",
        )?;
        Ok(true)
    })
}

/// [`tell_opened`] right after an opening: a failure leaves the notice to the background job
/// ([`tell_untold`]); the opening stands.
fn tell_soon(conn: &mut DbConnection, id: i64) {
    if let Err(e) = tell_opened(conn, id) {
        tracing::warn!(announcement = id, error = %e, "opening notice left to the job");
    }
}

/// Tells the participants of every opening not told yet (an instance stopped between an
/// opening and its notice); returns how many were told.
pub fn tell_untold(conn: &mut DbConnection) -> Result<usize, DbError> {
    let untold: Vec<i64> = announcement_results::table
        .filter(announcement_results::told_at.is_null())
        .select(announcement_results::announcement_id)
        .order(announcement_results::announcement_id)
        .limit(100)
        .load(conn)?;
    let mut n = 0;
    for id in untold {
        match tell_opened(conn, id) {
            Ok(true) => n += 1,
            Ok(false) => {}
            Err(e) => tracing::error!(announcement = id, error = %e, "opening notice failed"),
        }
    }
    Ok(n)
}

/// Opens every announcement whose deadline has passed (the background job), then tells the
/// participants of every opening not told yet; returns how many this instance opened.
pub fn open_due(conn: &mut DbConnection, key: &[u8; 32], instance: &str) -> Result<usize, DbError> {
    let due: Vec<i64> = announcements::table
        .filter(announcements::status.eq(AnnouncementStatus::Published))
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
    tell_untold(conn)?;
    Ok(n)
}

/// What the audit entry of an opening records.
#[derive(Serialize)]
struct OpenedState<'a> {
    status: AnnouncementStatus,
    responses: usize,
    winner: Option<i64>,
    seed: &'a str,
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
            .filter(announcements::status.eq(AnnouncementStatus::Published))
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
    // Each phase's time at debug level (`RUST_LOG=opening=debug`): where an opening's time goes.
    let t = std::time::Instant::now();
    let responses = open_responses(c, key, &a, mode, today)?;
    let opened_in = t.elapsed();
    let cal = calendar(c, today)?;
    let decided = decide(c, &a, mode, &seed_hex, &responses, today, &cal)?;
    let decided_in = t.elapsed() - opened_in;
    record_opening(
        c,
        &a,
        instance,
        now,
        &seed_hex,
        decided,
        responses.len(),
        today,
        &cal,
    )?;
    tracing::debug!(
        target: "opening",
        announcement = id,
        responses = responses.len(),
        open_us = opened_in.as_micros() as u64,
        decide_us = decided_in.as_micros() as u64,
        record_us = (t.elapsed() - opened_in - decided_in).as_micros() as u64,
        "opened"
    );
    Ok(true)
}

/// The responses at opening: the registrations, and for quote modes the quotes, opened and
/// written in clear now.
fn open_responses(
    c: &mut DbConnection,
    key: &[u8; 32],
    a: &Announcement,
    mode: Mode,
    today: NaiveDate,
) -> Result<Vec<Response>, DbError> {
    let id = a.id;
    let registered: Vec<i64> = registrations::table
        .filter(registrations::announcement_id.eq(id))
        .select(registrations::agency_id)
        .order(registrations::agency_id)
        .load(c)?;
    if mode.takes_quotes() {
        return open_quotes(c, key, a, today);
    }
    let mut responses = Vec::new();
    let mut eligible =
        crate::selection::store::bidding::eligibility_many(c, a, &registered, today)?;
    for agency_id in registered {
        responses.push(Response {
            agency_id,
            ineligible: first_refusal(eligible.remove(&agency_id)),
            quote: None,
        });
    }
    Ok(responses)
}

/// Quote modes: opens every active sealed quote, checks its commitment, writes the amounts
/// in clear and reads each agency's response (a broken seal, a quote not re-confirmed after a
/// material change, or the first eligibility rule failed).
fn open_quotes(
    c: &mut DbConnection,
    key: &[u8; 32],
    a: &Announcement,
    today: NaiveDate,
) -> Result<Vec<Response>, DbError> {
    let id = a.id;
    let t = std::time::Instant::now();
    // Each box (about 4 kB) is opened as its row is read and dropped at once: holding the
    // 1,000 boxes first made the allocator ask the system for fresh, zeroed pages.
    let mut opened: Vec<(i64, i64, String, i32, Option<seal::Sealed>)> = Vec::new();
    for row in quotes::table
        .filter(quotes::announcement_id.eq(id))
        .filter(quotes::status.eq(QuoteStatus::Active))
        .select((
            quotes::id,
            quotes::agency_id,
            quotes::sealed,
            quotes::commitment,
            quotes::announcement_version,
        ))
        .order(quotes::agency_id)
        .load_iter::<(i64, i64, String, String, i32), diesel::connection::DefaultLoadingMode>(c)?
    {
        let (qid, agency_id, sealed, commitment, version) = row?;
        let q = seal::open_quote(key, id, agency_id, &sealed)
            .ok()
            .filter(|q| {
                seal::commitment(id, agency_id, Money::from_fen(q.amount_fen), &q.nonce)
                    == commitment
            });
        opened.push((qid, agency_id, commitment, version, q));
    }
    let unsealed_in = t.elapsed();
    let ids: Vec<i64> = opened.iter().map(|r| r.1).collect();
    let mut eligible = crate::selection::store::bidding::eligibility_many(c, a, &ids, today)?;
    let eligible_in = t.elapsed() - unsealed_in;
    let mut responses = Vec::with_capacity(opened.len());
    let mut clear = Vec::with_capacity(opened.len());
    for (qid, agency_id, commitment, version, q) in opened {
        let mut ineligible = None;
        let amount = match q {
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
    tracing::debug!(
        target: "opening",
        quotes = clear.len(),
        eligibility_us = eligible_in.as_micros() as u64,
        read_and_unseal_us = unsealed_in.as_micros() as u64,
        write_clear_us = (t.elapsed() - eligible_in - unsealed_in).as_micros() as u64,
        "quotes opened"
    );
    Ok(responses)
}

/// What the opening decides: direct selection waits for the owner's choice; quote modes
/// screen the amounts and, when abnormally low quotes are flagged (each flagged agency is
/// marked and mailed), wait for their justification; otherwise the mode runs. Returns the
/// new status, the outcome if there is one yet, and the justification deadline.
fn decide(
    c: &mut DbConnection,
    a: &Announcement,
    mode: Mode,
    seed_hex: &str,
    responses: &[Response],
    today: NaiveDate,
    cal: &Calendar,
) -> Result<(AnnouncementStatus, Option<Outcome>, Option<NaiveDate>), DbError> {
    let id = a.id;
    let settings = Settings::default();
    let mut justify_by = None;
    let (new_status, outcome) = if mode == Mode::Direct {
        (AnnouncementStatus::Choosing, None)
    } else if mode.takes_quotes() {
        let limits = limits(c, a)?;
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
            (AnnouncementStatus::Justifying, None)
        } else {
            let o = run_mode(c, a, seed_hex, responses, &[])?;
            (status_of(&o), Some(o))
        }
    } else {
        let o = run_mode(c, a, seed_hex, responses, &[])?;
        (status_of(&o), Some(o))
    };
    let (new_status, outcome) = match outcome {
        Some(o) if owner_may_choose(&o) => (AnnouncementStatus::Choosing, Some(o)),
        o => (new_status, o),
    };

    Ok((new_status, outcome, justify_by))
}

/// Writes the opening inside its transaction: the result row (not yet told, see
/// [`tell_opened`]), the status, the outcome and the audit entry.
#[allow(clippy::too_many_arguments)]
fn record_opening(
    c: &mut DbConnection,
    a: &Announcement,
    instance: &str,
    now: chrono::NaiveDateTime,
    seed_hex: &str,
    decided: (AnnouncementStatus, Option<Outcome>, Option<NaiveDate>),
    responses: usize,
    today: NaiveDate,
    cal: &Calendar,
) -> Result<(), DbError> {
    let id = a.id;
    let (new_status, outcome, justify_by) = decided;
    diesel::insert_into(announcement_results::table)
        .values((
            announcement_results::announcement_id.eq(id),
            announcement_results::opened_at.eq(now),
            announcement_results::opened_by.eq(instance),
            announcement_results::seed_revealed.eq(seed_hex),
            announcement_results::justify_by.eq(justify_by),
        ))
        .execute(c)?;
    set_status(c, id, new_status)?;
    let winner = match &outcome {
        Some(o) => apply_outcome(c, a, o, today, cal)?,
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
            responses,
            winner,
            seed: seed_hex,
        },
        "",
    )?;
    Ok(())
}

/// Writes the opened amounts, nonces and notes into `quote_openings`: rows of about 100 bytes
/// (the quotes' own rows, with their 4 kB boxes, are not rewritten), in one statement of a
/// fixed shape on PostgreSQL (arrays, unnested) and statements of up to 200 rows on SQLite.
fn write_clear(c: &mut DbConnection, clear: &[(i64, seal::Sealed)]) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Text};
    if clear.is_empty() {
        return Ok(());
    }
    match c {
        DbConnection::Pg(pg) => {
            let ids: Vec<i64> = clear.iter().map(|(id, _)| *id).collect();
            let amounts: Vec<i64> = clear.iter().map(|(_, s)| s.amount_fen).collect();
            let nonces: Vec<&str> = clear.iter().map(|(_, s)| s.nonce.as_str()).collect();
            let notes: Vec<&str> = clear.iter().map(|(_, s)| s.note.as_str()).collect();
            diesel::sql_query(
                "INSERT INTO quote_openings (quote_id, amount_fen, nonce, note) \
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[])",
            )
            .bind::<Array<BigInt>, _>(&ids)
            .bind::<Array<BigInt>, _>(&amounts)
            .bind::<Array<Text>, _>(&nonces)
            .bind::<Array<Text>, _>(&notes)
            .execute(pg)?;
        }
        DbConnection::Sqlite(lite) => {
            for chunk in clear.chunks(200) {
                let values = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
                let sql = format!(
                    "INSERT INTO quote_openings (quote_id, amount_fen, nonce, note) VALUES {values}"
                );
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

pub(super) fn set_status(
    c: &mut DbConnection,
    id: i64,
    s: AnnouncementStatus,
) -> QueryResult<usize> {
    diesel::update(announcements::table.find(id))
        .set((
            announcements::status.eq(s),
            announcements::updated_at.eq(db::now()),
        ))
        .execute(c)
}

pub(super) fn status_of(o: &Outcome) -> AnnouncementStatus {
    match o.verdict {
        Verdict::Selected => AnnouncementStatus::Publicity,
        Verdict::Failed { .. } => AnnouncementStatus::Failed,
    }
}

pub(super) fn owner_may_choose(o: &Outcome) -> bool {
    matches!(
        o.verdict,
        Verdict::Failed {
            next: selection::AfterFailure::OwnerMaySelect,
            ..
        }
    )
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
pub(super) fn apply_outcome(
    c: &mut DbConnection,
    a: &Announcement,
    o: &Outcome,
    today: NaiveDate,
    cal: &Calendar,
) -> Result<Option<i64>, DbError> {
    let json = StoredOutcome::from(o)
        .to_json()
        .map_err(|e| bad(&e.to_string()))?;
    let winner = o.winner();
    let amount: Option<i64> = match winner {
        Some(w) => opened_amount(c, a.id, w)?,
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
pub(super) fn mail_participants(
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

// ------------------------------------------------------------------ after opening

/// Ends the justification step: quotes flagged and not accepted cannot win; the mode runs.
pub(super) fn finish_justifying(c: &mut DbConnection, a: &Announcement) -> Result<(), DbError> {
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
        AnnouncementStatus::Choosing
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

// ------------------------------------------------------------------ objections

// ------------------------------------------------------------------ award

/// The background pass after opening: justification windows that closed, winners who did
/// not confirm in time (forfeit, recorded for the credit library, next-ranked takes over).
/// Returns how many announcements moved on.
pub fn advance(c: &mut DbConnection) -> Result<usize, DbError> {
    let today = crate::db::today();
    let mut n = 0;
    let late_justify: Vec<i64> = announcement_results::table
        .inner_join(announcements::table)
        .filter(announcements::status.eq(AnnouncementStatus::Justifying))
        .filter(announcement_results::justify_by.lt(today))
        .select(announcements::id)
        .load(c)?;
    for id in late_justify {
        write_tx(c, |c| -> Result<(), DbError> {
            if let Some(a) = ann::find(c, id)?
                && a.status == AnnouncementStatus::Justifying
            {
                finish_justifying(c, &a)?;
            }
            Ok(())
        })?;
        n += 1;
    }
    let late_confirm: Vec<i64> = announcement_results::table
        .inner_join(announcements::table)
        .filter(announcements::status.eq(AnnouncementStatus::Publicity))
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
    if a.status != AnnouncementStatus::Publicity || r.confirm_by.is_none_or(|d| d >= today) {
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
    let ranking = stored_outcome(id, r.outcome.as_deref())?
        .map(|o| o.ranking)
        .unwrap_or_default();
    let next_rank = r.winner_rank.unwrap_or(0) + 1;
    let next = ranking.get(next_rank as usize).copied();
    let cal = calendar(c, today)?;
    match next {
        Some(w) => {
            let amount: Option<i64> = opened_amount(c, id, w)?;
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
            set_status(c, id, AnnouncementStatus::Failed)?;
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
