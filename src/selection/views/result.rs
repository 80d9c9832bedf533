//! The result section of an announcement page after opening: winner, every quote with its
//! commitment, excluded quotes with the reason, the draw proofs, publicity, objections, and
//! the forms the viewer may use (each offered only where the policy lets this user make its
//! POST: the owner's steps as the announcement's owner, the agency's as the agency itself).

use std::collections::HashMap;

use crate::auth::policy::Action;
use crate::domain::selection::{Benchmark, Detail, QuoteError, ScoreRow, Verdict};
use crate::domain::status::AnnouncementStatus;
use crate::selection::store::announcement::Announcement;
use crate::selection::store::opening::{Loaded, OpenedQuote, StoredExclusion, StoredOutcome};
use crate::web::{Ctx, fmt, fmt_time};

pub struct QuoteRow {
    pub agency_id: i64,
    pub name: String,
    pub amount: String,
    pub commitment: String,
    pub nonce: String,
    pub low_flag: bool,
    pub justification: String,
    pub justification_state: String,
    /// Empty when the quote took part; else the reason it could not win.
    pub excluded: String,
    pub rank: String,
    /// The fee range the agency publishes for the item (明码标价), empty if none.
    pub fee_range: String,
    /// The opened quote lies outside that range (`domain::signals::outside_range`).
    pub outside_range: bool,
}

pub struct DrawView {
    pub first_rank: usize,
    pub proof_json: String,
    pub input: String,
    pub seed: String,
    pub candidates: String,
    pub ranking: String,
}

pub struct ObjectionView {
    pub id: i64,
    pub agency: String,
    pub grounds: String,
    pub filed_at: String,
    pub answer_due: String,
    pub answer: String,
    pub upheld: String,
    pub open: bool,
    pub overdue: bool,
}

/// What `templates/selection/result/_section.html` shows on `/announcements/{id}` once opened.
pub struct ResultView {
    pub id: i64,
    pub opened_at: String,
    pub seed: String,
    pub seed_commitment: String,
    pub status: String,
    pub verdict: String,
    pub winner: String,
    pub winner_amount: String,
    pub rows: Vec<QuoteRow>,
    pub takes_quotes: bool,
    pub detail: Vec<String>,
    pub draws: Vec<DrawView>,
    pub justify_by: String,
    pub publicity_ends: String,
    pub confirm_by: String,
    pub awarded: String,
    pub objections: Vec<ObjectionView>,
    pub next_round: Option<i64>,
    // What the signed-in user may do here.
    pub can_object: bool,
    pub can_confirm: bool,
    pub can_justify: bool,
    pub owner: bool,
    pub can_rerun: bool,
    /// (agency id, name, ineligible reason) for the owner's choice.
    pub choices: Vec<(i64, String, String)>,
    /// Agencies whose justification waits for the owner's decision.
    pub to_decide: Vec<(i64, String)>,
    /// For the two parties after the award: their contract (or, for the owner, the page
    /// where a draft is generated when no model text existed).
    pub contract_link: String,
}

/// What the result section is built from: the opened result and, depending on the state
/// and the viewer, what keeps a quote from winning, the owner's choices and the contract.
pub struct ResultRows {
    pub loaded: Option<Loaded>,
    /// Before the outcome (justification pending): agency → locale key of its exclusion.
    pub pending: HashMap<i64, &'static str>,
    /// The owner's choice: agency and the locale key of why it is ineligible, if it is.
    pub choices: Vec<(i64, Option<&'static str>)>,
    pub contract_id: Option<i64>,
    /// Each quoting agency's published fee range for the item (min, max in fen), read only
    /// once the quotes are opened.
    pub fee_ranges: crate::supervision::store::signals::FeeRanges,
}

/// The agencies' names as the result knows them ("#id" for one it does not).
struct Names<'a>(&'a HashMap<i64, String>);

impl Names<'_> {
    fn of(&self, id: i64) -> String {
        self.0.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
    }

    fn list(&self, ids: &[i64]) -> String {
        ids.iter()
            .map(|&i| self.of(i))
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// A score kept as an integer of hundredths (`places` 2) or ten-thousandths (4), written
/// out exactly: no float ever touches it.
fn points(v: i64, places: u32) -> String {
    let unit = 10_i64.pow(places);
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let u = unit.unsigned_abs();
    format!("{sign}{}.{:0w$}", a / u, a % u, w = places as usize)
}

fn reason_text(ctx: &Ctx, r: &StoredExclusion) -> String {
    // The locale keys are the ones `domain::selection::Exclusion::key` gives, but for quote
    // errors, which the result page words as `result.quote_error.*`.
    match r {
        StoredExclusion::Ineligible(rule) => ctx.t(rule).to_string(),
        StoredExclusion::Quote(e) => ctx.t(quote_error_key(e)).to_string(),
        StoredExclusion::AbnormallyLowNotJustified => {
            ctx.t("selection.exclude.abnormally_low").to_string()
        }
        StoredExclusion::OutsideBand => ctx.t("selection.exclude.outside_band").to_string(),
    }
}

fn quote_error_key(e: &QuoteError) -> &'static str {
    match e {
        QuoteError::NotPositive => "result.quote_error.not_positive",
        QuoteError::AboveCap { .. } => "result.quote_error.above_cap",
        QuoteError::OutsideGovRange { .. } => "result.quote_error.outside_gov_range",
    }
}

/// Why each excluded agency cannot win: from the outcome, or before it (justification
/// pending) from what already keeps a quote from winning.
fn excluded_reasons(
    ctx: &Ctx,
    l: &Loaded,
    pending: &HashMap<i64, &'static str>,
) -> HashMap<i64, String> {
    match l.outcome.as_ref() {
        Some(o) => o
            .excluded
            .iter()
            .map(|e| (e.agency_id, reason_text(ctx, &e.reason)))
            .collect(),
        None => pending
            .iter()
            .map(|(id, key)| (*id, ctx.t(key).to_string()))
            .collect(),
    }
}

fn justification_state(ctx: &Ctx, q: &OpenedQuote) -> String {
    let key = match (q.low_flag, q.justification.is_some(), q.justification_ok) {
        (false, _, _) => return String::new(),
        (true, false, _) => "result.justify.waiting",
        (true, true, None) => "result.justify.submitted",
        (true, true, Some(true)) => "result.justify.accepted",
        (true, true, Some(false)) => "result.justify.rejected",
    };
    ctx.t(key).to_string()
}

/// The rows of the result table, ranked first (in rank order), then the others by agency.
/// A mode without quotes lists the ranked and the excluded agencies only.
fn quote_rows(
    ctx: &Ctx,
    l: &Loaded,
    takes_quotes: bool,
    names: &Names,
    excluded: &HashMap<i64, String>,
    ranking: &[i64],
    fee_ranges: &crate::supervision::store::signals::FeeRanges,
) -> Vec<QuoteRow> {
    let range_of = |id: i64| fee_ranges.get(&id).copied().unwrap_or((None, None));
    let rank_of = |id: i64| {
        ranking
            .iter()
            .position(|&r| r == id)
            .map(|p| (p + 1).to_string())
            .unwrap_or_default()
    };
    let excluded_of = |id: i64| excluded.get(&id).cloned().unwrap_or_default();
    let mut rows: Vec<QuoteRow> = if takes_quotes {
        l.quotes
            .iter()
            .map(|q| QuoteRow {
                agency_id: q.agency_id,
                name: names.of(q.agency_id),
                amount: q.amount.map(fmt::money).unwrap_or_default(),
                commitment: q.commitment.clone(),
                nonce: q.nonce.clone().unwrap_or_default(),
                low_flag: q.low_flag,
                justification: q.justification.clone().unwrap_or_default(),
                justification_state: justification_state(ctx, q),
                excluded: excluded_of(q.agency_id),
                rank: rank_of(q.agency_id),
                fee_range: match range_of(q.agency_id) {
                    (None, None) => String::new(),
                    (lo, hi) => crate::supervision::views::range_text(ctx.lang(), lo, hi),
                },
                outside_range: q.amount.is_some_and(|m| {
                    let (lo, hi) = range_of(q.agency_id);
                    crate::domain::signals::outside_range(m.fen(), lo, hi).is_some()
                }),
            })
            .collect()
    } else {
        let mut ids: Vec<i64> = ranking.to_vec();
        ids.extend(excluded.keys().copied());
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .map(|id| QuoteRow {
                agency_id: id,
                name: names.of(id),
                amount: String::new(),
                commitment: String::new(),
                nonce: String::new(),
                low_flag: false,
                justification: String::new(),
                justification_state: String::new(),
                excluded: excluded_of(id),
                rank: rank_of(id),
                fee_range: String::new(),
                outside_range: false,
            })
            .collect()
    };
    rows.sort_by_key(|r| {
        (
            r.rank.is_empty(),
            r.rank.parse::<usize>().unwrap_or(0),
            r.agency_id,
        )
    });
    rows
}

fn verdict(ctx: &Ctx, a: &Announcement, outcome: Option<&StoredOutcome>) -> String {
    match outcome {
        _ if a.status == AnnouncementStatus::Annulled => {
            ctx.t("result.verdict.annulled").to_string()
        }
        None if a.status == AnnouncementStatus::Justifying => {
            ctx.t("result.verdict.justifying").to_string()
        }
        None => ctx.t("result.verdict.choosing").to_string(),
        Some(o) => match o.verdict {
            Verdict::Selected => ctx.t("result.verdict.selected").to_string(),
            Verdict::Failed {
                valid,
                required,
                next,
            } => crate::i18n::tr_args(
                ctx.lang(),
                "result.verdict.failed",
                &[
                    ("valid", &valid.to_string()),
                    ("required", &required.to_string()),
                    ("next", ctx.t(next.key())),
                ],
            ),
        },
    }
}

/// How the winner was found, one line each: the benchmark and its band (lowest-price
/// modes) or every agency's scores (weighted scoring).
fn detail_lines(ctx: &Ctx, outcome: Option<&StoredOutcome>, names: &Names) -> Vec<String> {
    let Some(o) = outcome else {
        return Vec::new();
    };
    match &o.detail {
        Detail::Benchmark(b) => benchmark_lines(ctx, b, names),
        Detail::Scores { rows } => score_lines(ctx, rows, names),
        Detail::None => Vec::new(),
    }
}

fn benchmark_lines(ctx: &Ctx, b: &Benchmark, names: &Names) -> Vec<String> {
    // The band is exact to four decimals in the outcome; pages show the whole fen inside it.
    let (low, high) = match crate::domain::selection::band_in_fen(b.low, b.high) {
        Some((l, h)) => (fmt::money(l), fmt::money(h)),
        None => (b.low.to_string(), b.high.to_string()),
    };
    vec![
        crate::i18n::tr_args(
            ctx.lang(),
            "result.benchmark",
            &[
                ("used", &b.quotes_used.to_string()),
                ("benchmark", &fmt::money(b.benchmark)),
                ("band", &b.band_percent.to_string()),
                ("low", &low),
                ("high", &high),
            ],
        ),
        crate::i18n::tr_args(ctx.lang(), "result.pool", &[("pool", &names.list(&b.pool))]),
    ]
}

fn score_lines(ctx: &Ctx, rows: &[ScoreRow], names: &Names) -> Vec<String> {
    rows.iter()
        .map(|r| {
            crate::i18n::tr_args(
                ctx.lang(),
                "result.score_row",
                &[
                    ("name", &names.of(r.agency_id)),
                    ("amount", &fmt::money(r.amount)),
                    ("price", &points(r.price_x100, 2)),
                    ("credit", &points(i64::from(r.credit_x100), 2)),
                    ("qual", &points(i64::from(r.qualification_x100), 2)),
                    ("total", &points(r.total_x10000, 4)),
                ],
            )
        })
        .collect()
}

fn draws(outcome: Option<&StoredOutcome>, names: &Names) -> Vec<DrawView> {
    outcome
        .map(|o| {
            o.draws
                .iter()
                .map(|d| DrawView {
                    first_rank: d.first_rank + 1,
                    proof_json: serde_json::to_string(&d.proof).unwrap_or_default(),
                    input: d.proof.input.clone(),
                    seed: d.proof.seed.clone(),
                    candidates: names.list(&d.proof.candidates),
                    ranking: names.list(&d.proof.ranking),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn objections(
    ctx: &Ctx,
    l: &Loaded,
    names: &Names,
    today: chrono::NaiveDate,
) -> Vec<ObjectionView> {
    l.objections
        .iter()
        .map(|o| ObjectionView {
            id: o.id,
            agency: names.of(o.agency_id),
            grounds: o.grounds.clone(),
            filed_at: fmt_time(o.filed_at),
            answer_due: o.answer_due.to_string(),
            answer: o.answer.clone().unwrap_or_default(),
            upheld: match o.upheld {
                Some(true) => ctx.t("result.objection.upheld").to_string(),
                Some(false) => ctx.t("result.objection.rejected").to_string(),
                None => String::new(),
            },
            open: o.answered_at.is_none(),
            overdue: o.answered_at.is_none() && today > o.answer_due,
        })
        .collect()
}

/// What the signed-in agency may do on the result: object (a participant, during the
/// publicity), confirm (the winner, after the publicity) and justify (its own low quote).
struct AgencyActs {
    can_object: bool,
    can_confirm: bool,
    can_justify: bool,
}

impl AgencyActs {
    fn of(
        ctx: &Ctx,
        a: &Announcement,
        l: &Loaded,
        ranking: &[i64],
        excluded: &HashMap<i64, String>,
        today: chrono::NaiveDate,
    ) -> AgencyActs {
        let r = &l.result;
        let my = ctx
            .user()
            .map(|u| u.id)
            .filter(|&agency_id| ctx.allows(Action::TakePart { agency_id }));
        let in_publicity = a.status == AnnouncementStatus::Publicity
            && r.publicity_ends.is_some_and(|p| today <= p);
        let participant = my.is_some_and(|id| {
            l.names.contains_key(&id)
                && (l.quotes.iter().any(|q| q.agency_id == id)
                    || ranking.contains(&id)
                    || excluded.contains_key(&id))
        });
        AgencyActs {
            can_object: participant && in_publicity,
            can_confirm: my.is_some()
                && a.status == AnnouncementStatus::Publicity
                && r.winner_id == my
                && r.publicity_ends.is_some_and(|p| today > p)
                && r.confirm_by.is_some_and(|d| today <= d),
            can_justify: my.is_some()
                && a.status == AnnouncementStatus::Justifying
                && l.quotes
                    .iter()
                    .any(|q| Some(q.agency_id) == my && q.low_flag && q.justification.is_none()),
        }
    }
}

/// The owner's decisions waiting on the result: justifications to accept or reject.
fn to_decide(a: &Announcement, l: &Loaded, owner: bool, names: &Names) -> Vec<(i64, String)> {
    if !(owner && a.status == AnnouncementStatus::Justifying) {
        return Vec::new();
    }
    l.quotes
        .iter()
        .filter(|q| q.low_flag && q.justification.is_some() && q.justification_ok.is_none())
        .map(|q| (q.agency_id, names.of(q.agency_id)))
        .collect()
}

fn contract_link(
    ctx: &Ctx,
    a: &Announcement,
    l: &Loaded,
    owner: bool,
    contract_id: Option<i64>,
) -> String {
    match (contract_id, &l.award) {
        (Some(k), Some((w, _)))
            if ctx.allows(Action::ViewContract {
                owner: a.owner_side(),
                agency: *w,
                in_domain: false,
            }) =>
        {
            format!("/contracts/{k}")
        }
        (None, Some(_)) if owner => "/owner/contracts".to_string(),
        _ => String::new(),
    }
}

fn choices(
    ctx: &Ctx,
    choices: Vec<(i64, Option<&'static str>)>,
    names: &Names,
) -> Vec<(i64, String, String)> {
    choices
        .into_iter()
        .map(|(id, inel)| {
            (
                id,
                names.of(id),
                inel.map(|k| ctx.t(k).to_string()).unwrap_or_default(),
            )
        })
        .collect()
}

fn day(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

impl ResultView {
    /// The result section of announcement `a` for the viewer in `ctx`; `None` before
    /// opening. `owner`: the viewer manages the announcement.
    pub fn build(ctx: &Ctx, a: &Announcement, owner: bool, rows: ResultRows) -> Option<ResultView> {
        let l = rows.loaded?;
        let names = Names(&l.names);
        let today = crate::db::today();
        let outcome = l.outcome.as_ref();
        let excluded = excluded_reasons(ctx, &l, &rows.pending);
        let ranking: Vec<i64> = outcome.map(|o| o.ranking.clone()).unwrap_or_default();
        let takes_quotes = a.mode().is_some_and(|m| m.takes_quotes());
        let acts = AgencyActs::of(ctx, a, &l, &ranking, &excluded, today);
        let r = &l.result;
        let annulled = a.status == AnnouncementStatus::Annulled;
        Some(ResultView {
            id: a.id,
            opened_at: fmt_time(r.opened_at),
            seed: r.seed_revealed.clone(),
            seed_commitment: a.seed_commitment.clone().unwrap_or_default(),
            status: ctx.t(&a.status.label_key()).to_string(),
            verdict: verdict(ctx, a, outcome),
            // An annulled result names no winner: the objection was upheld.
            winner: r
                .winner_id
                .filter(|_| !annulled)
                .map(|w| names.of(w))
                .unwrap_or_default(),
            winner_amount: if annulled {
                String::new()
            } else {
                r.winner_amount.map(fmt::money).unwrap_or_default()
            },
            rows: quote_rows(
                ctx,
                &l,
                takes_quotes,
                &names,
                &excluded,
                &ranking,
                &rows.fee_ranges,
            ),
            takes_quotes,
            detail: detail_lines(ctx, outcome, &names),
            draws: draws(outcome, &names),
            justify_by: day(r.justify_by),
            publicity_ends: day(r.publicity_ends),
            confirm_by: day(r.confirm_by),
            contract_link: contract_link(ctx, a, &l, owner, rows.contract_id),
            awarded: l
                .award
                .map(|(id, at)| format!("{} · {}", names.of(id), fmt_time(at)))
                .unwrap_or_default(),
            objections: objections(ctx, &l, &names, today),
            next_round: l.next_round,
            can_object: acts.can_object,
            can_confirm: acts.can_confirm,
            can_justify: acts.can_justify,
            owner,
            can_rerun: owner
                && (a.status == AnnouncementStatus::Failed || annulled)
                && l.next_round.is_none(),
            choices: choices(ctx, rows.choices, &names),
            to_decide: to_decide(a, &l, owner, &names),
        })
    }
}
