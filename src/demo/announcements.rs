//! Bulk announcements for load tests and for the charts of `/stats`:
//! `zhongjie demo --announcements M` adds M announcements published over the last two years
//! by the demo owners, across the selection modes and the items of every department, with
//! the rest of their life where the time since allows it — quotes, the opening (a realistic
//! share fails, 流标), the confirmed award, the contract (signed, most of them accepted,
//! some late) and the owner's rating. Rows go in as multi-row inserts per backend, like
//! [`super::agencies::generate`]; nothing here runs the selection rules (that is what the
//! story's three demo selections are for), so the rows are shaped like real ones but their
//! seeds and quotes are not sealed. Deterministic: the same database state gives the same rows.
//! Ends with `ANALYZE` of what it loaded so the planner sees the new sizes.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::agencies::{Rng, insert_rows};
use crate::audit::{self, Actor};
use crate::db::schema::{
    agencies, announcement_results, announcements, awards, catalogue_items, contracts,
    credit_records, evaluations, model_text_versions, projects, quote_openings, quotes,
};
use crate::db::{self, DbConnection, DbError};
use crate::domain::credit::{Kind, Source, stars_mean_x100};
use crate::domain::outcome::{StoredOutcome, VERSION};
use crate::domain::selection::{AfterFailure, Detail, Mode, Verdict};
use crate::domain::status::{
    AnnouncementStatus, ContractStatus, ItemStatus, QuoteStatus, RaterKind,
};

const BATCH: usize = 1000;
/// Publication dates spread over this many days before now.
const SPAN_DAYS: i64 = 730;
/// Marks the generated announcements (their witness line).
const WITNESS: &str = "批量演示数据（负载测试）";

/// What every batch draws from.
struct Pools {
    /// (project, owner) of the bulk projects, one per demo owner.
    projects: Vec<(i64, i64)>,
    /// (item, statutory working days).
    items: Vec<(i64, i32)>,
    agencies: Vec<i64>,
    model_version: i64,
}

fn pools(c: &mut DbConnection, now: NaiveDateTime) -> Result<Pools, DbError> {
    let owners: Vec<(i64, String)> = projects::table
        .select((projects::owner_id, projects::region))
        .order(projects::id)
        .load(c)?;
    let mut seen = std::collections::BTreeSet::new();
    let owners: Vec<(i64, String)> = owners.into_iter().filter(|o| seen.insert(o.0)).collect();
    let mut list = Vec::new();
    for (k, (owner, region)) in owners.iter().enumerate() {
        diesel::insert_into(projects::table)
            .values((
                projects::owner_id.eq(owner),
                projects::name.eq(format!("批量演示项目 {}", k + 1)),
                projects::code.eq(format!("BULK-{}", k + 1)),
                projects::region.eq(region),
                projects::fiscal_funds.eq(true),
                projects::total_investment_fen.eq(500_000_000i64),
                projects::created_at.eq(now),
                projects::updated_at.eq(now),
            ))
            .execute(c)?;
        let id: i64 = projects::table
            .filter(projects::owner_id.eq(owner))
            .select(diesel::dsl::max(projects::id))
            .first::<Option<i64>>(c)?
            .unwrap_or(0);
        list.push((id, *owner));
    }
    Ok(Pools {
        projects: list,
        items: catalogue_items::table
            .filter(catalogue_items::status.eq(ItemStatus::Retained))
            .order(catalogue_items::id)
            .select((catalogue_items::id, catalogue_items::time_limit_days))
            .load(c)?,
        agencies: agencies::table
            .order(agencies::user_id)
            .select(agencies::user_id)
            .load(c)?,
        model_version: model_text_versions::table
            .select(diesel::dsl::min(model_text_versions::id))
            .first::<Option<i64>>(c)?
            .unwrap_or(0),
    })
}

/// Adds `n` announcements with their history; returns how many were added.
pub fn generate(c: &mut DbConnection, n: usize) -> Result<usize, String> {
    let now = db::now();
    let start: i64 = announcements::table
        .filter(announcements::witness.eq(WITNESS))
        .count()
        .get_result(c)
        .map_err(|e| e.to_string())?;
    let pools = db::write_tx(c, |c| pools(c, now)).map_err(|e: DbError| e.to_string())?;
    if pools.projects.is_empty() || pools.items.is_empty() || pools.agencies.len() < 8 {
        return Err("load the demo first: owners, items and agencies are needed".into());
    }
    if pools.model_version == 0 {
        return Err("load the demo first: a model contract text is needed".into());
    }
    let mut done = 0;
    while done < n {
        let size = BATCH.min(n - done);
        let first = usize::try_from(start).unwrap_or(0) + done;
        db::write_tx(c, |c| insert_batch(c, &pools, first, size, now))
            .map_err(|e: DbError| e.to_string())?;
        done += size;
    }
    db::write_tx(c, |c| {
        audit::record(
            c,
            &Actor::system(),
            "announcement.generate_bulk",
            "announcement",
            "bulk",
            &(start, n),
            &format!("{n} announcements"),
        )
    })
    .map_err(|e| e.to_string())?;
    crate::db::refresh_statistics(c).map_err(|e| e.to_string())?;
    Ok(done)
}

fn sha_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// One announcement as planned before its rows are written.
struct Plan {
    seed: String,
    project: (i64, i64),
    item: (i64, i32),
    mode: Mode,
    cap: i64,
    published: NaiveDateTime,
    deadline: NaiveDateTime,
    /// Responding agencies, the winner first (empty: 流标).
    ranking: Vec<i64>,
    quotes: Vec<(i64, i64)>,
    failed_valid: usize,
}

fn plan(rng: &mut Rng, pools: &Pools, i: usize, now: NaiveDateTime) -> Plan {
    let mode = match rng.below(20) {
        0..=6 => Mode::LowestPrice,
        7..=11 => Mode::RandomDraw,
        12..=14 => Mode::ReasonablePrice,
        15..=16 => Mode::WeightedScoring,
        _ => Mode::Direct,
    };
    let age = Duration::minutes((rng.next() % (SPAN_DAYS as u64 * 24 * 60)) as i64);
    let published = now - age;
    let deadline = published + Duration::days(5 + rng.below(5) as i64);
    let cap = 1_000_000 + (rng.below(49) as i64) * 1_000_000;
    let failed = mode != Mode::Direct && rng.below(100) < 9;
    let k = if mode == Mode::Direct {
        1
    } else if failed {
        rng.below(3)
    } else {
        3 + rng.below(5)
    };
    let mut chosen: Vec<i64> = Vec::with_capacity(k);
    while chosen.len() < k {
        let a = *rng.pick(&pools.agencies);
        if !chosen.contains(&a) {
            chosen.push(a);
        }
    }
    let quoting = matches!(
        mode,
        Mode::LowestPrice | Mode::ReasonablePrice | Mode::WeightedScoring
    );
    let mut quotes: Vec<(i64, i64)> = if quoting {
        chosen
            .iter()
            .map(|a| (*a, cap * (62 + rng.below(38) as i64) / 100))
            .collect()
    } else {
        Vec::new()
    };
    if mode == Mode::LowestPrice {
        quotes.sort_by_key(|q| q.1);
        chosen = quotes.iter().map(|q| q.0).collect();
    }
    Plan {
        seed: sha_hex(&format!("bulk-seed-{i}")),
        project: *rng.pick(&pools.projects),
        item: *rng.pick(&pools.items),
        mode,
        cap,
        published,
        deadline,
        ranking: if failed { Vec::new() } else { chosen },
        quotes,
        failed_valid: k,
    }
}

fn insert_batch(
    c: &mut DbConnection,
    pools: &Pools,
    first: usize,
    size: usize,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let mut rng = Rng(first as u64 ^ 0xA11C_0000);
    let plans: Vec<Plan> = (first..first + size)
        .map(|i| plan(&mut rng, pools, i, now))
        .collect();
    let rows: Vec<_> = plans
        .iter()
        .map(|p| {
            let opened = p.deadline <= now;
            let status = match (opened, p.ranking.is_empty()) {
                (false, _) => AnnouncementStatus::Published,
                (true, true) => AnnouncementStatus::Failed,
                (true, false) if p.deadline + Duration::days(8) <= now => {
                    AnnouncementStatus::Awarded
                }
                (true, false) => AnnouncementStatus::Publicity,
            };
            let weighted = p.mode == Mode::WeightedScoring;
            (
                announcements::project_id.eq(p.project.0),
                announcements::owner_id.eq(p.project.1),
                announcements::item_id.eq(p.item.0),
                announcements::scope.eq("按服务事项办事指南开展中介服务，提交成果文件。"),
                announcements::time_limit_days.eq(p.item.1.max(1)),
                announcements::cap_fen.eq(Some(p.cap)),
                announcements::mode.eq(p.mode.code()),
                announcements::deadline.eq(p.deadline),
                announcements::complaint_phone.eq("0812-3336000"),
                announcements::witness.eq(WITNESS),
                announcements::weight_price.eq(weighted.then_some(50)),
                announcements::weight_credit.eq(weighted.then_some(30)),
                announcements::weight_qual.eq(weighted.then_some(20)),
                announcements::status.eq(status),
                announcements::seed_commitment.eq(Some(&p.seed)),
                announcements::published_at.eq(Some(p.published)),
                announcements::created_at.eq(p.published),
                announcements::updated_at.eq(p.published),
            )
        })
        .collect();
    for chunk in rows.chunks(250) {
        insert_rows!(c, announcements::table, chunk)?;
    }
    let seeds: Vec<&str> = plans.iter().map(|p| p.seed.as_str()).collect();
    let mut ids: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for chunk in seeds.chunks(500) {
        let found: Vec<(Option<String>, i64)> = announcements::table
            .filter(announcements::seed_commitment.eq_any(chunk))
            .select((announcements::seed_commitment, announcements::id))
            .load(c)?;
        ids.extend(found.into_iter().filter_map(|(s, id)| Some((s?, id))));
    }
    let planned: Vec<(i64, &Plan)> = plans
        .iter()
        .filter_map(|p| ids.get(&p.seed).map(|id| (*id, p)))
        .collect();
    history(c, &mut rng, pools, &planned, now)
}

/// Quotes, openings, awards, contracts and ratings of the planned announcements.
fn history(
    c: &mut DbConnection,
    rng: &mut Rng,
    pools: &Pools,
    planned: &[(i64, &Plan)],
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let mut quote_rows = Vec::new();
    // The opened announcements' amounts, by (announcement, agency): written in clear once
    // the quotes have their ids.
    let mut opened_amounts = std::collections::HashMap::new();
    let mut opened = Vec::new();
    let mut results = Vec::new();
    let mut award_rows = Vec::new();
    let mut contract_rows = Vec::new();
    for (id, p) in planned {
        for (agency, _) in &p.quotes {
            quote_rows.push((
                quotes::announcement_id.eq(*id),
                quotes::agency_id.eq(*agency),
                quotes::status.eq(QuoteStatus::Active),
                quotes::sealed.eq(""),
                quotes::commitment.eq(sha_hex(&format!("{id}-{agency}"))),
                quotes::announcement_version.eq(1),
                quotes::submitted_at.eq(p.published + Duration::hours(20)),
            ));
        }
        if p.deadline > now {
            continue;
        }
        opened.push(*id);
        for (agency, amount) in &p.quotes {
            opened_amounts.insert((*id, *agency), *amount);
        }
        let verdict = if p.ranking.is_empty() {
            Verdict::Failed {
                valid: p.failed_valid,
                required: 3,
                next: AfterFailure::Republish,
            }
        } else {
            Verdict::Selected
        };
        let outcome = StoredOutcome {
            version: VERSION,
            verdict,
            ranking: p.ranking.clone(),
            excluded: Vec::new(),
            draws: Vec::new(),
            detail: Detail::None,
        };
        let winner = p.ranking.first().copied();
        let amount = winner.and_then(|w| p.quotes.iter().find(|q| q.0 == w).map(|q| q.1));
        results.push((
            announcement_results::announcement_id.eq(*id),
            announcement_results::opened_at.eq(p.deadline),
            announcement_results::opened_by.eq("system"),
            announcement_results::seed_revealed.eq(p.seed.clone()),
            announcement_results::outcome.eq(outcome.to_json().ok()),
            announcement_results::winner_id.eq(winner),
            announcement_results::winner_amount_fen.eq(amount),
            announcement_results::winner_rank.eq(winner.map(|_| 0)),
            // History: its bidders were told when it opened (the job tells only new openings).
            announcement_results::told_at.eq(Some(p.deadline)),
        ));
        let confirmed = p.deadline + Duration::days(8);
        let Some(w) = winner.filter(|_| confirmed <= now) else {
            continue;
        };
        award_rows.push((
            awards::announcement_id.eq(*id),
            awards::agency_id.eq(w),
            awards::amount_fen.eq(amount),
            awards::confirmed_at.eq(confirmed),
            awards::confirmed_by.eq(w),
        ));
        contract_rows.push(contract_row(rng, *id, p, w, amount, confirmed, now));
    }
    for chunk in quote_rows.chunks(500) {
        insert_rows!(c, quotes::table, chunk)?;
    }
    for ids in opened.chunks(500) {
        let rows: Vec<_> = quotes::table
            .filter(quotes::announcement_id.eq_any(ids))
            .select((quotes::id, quotes::announcement_id, quotes::agency_id))
            .load::<(i64, i64, i64)>(c)?
            .into_iter()
            .filter_map(|(q, a, agency)| {
                let amount = opened_amounts.get(&(a, agency))?;
                Some((
                    quote_openings::quote_id.eq(q),
                    quote_openings::amount_fen.eq(*amount),
                    quote_openings::nonce.eq(""),
                    quote_openings::note.eq(""),
                ))
            })
            .collect();
        for chunk in rows.chunks(500) {
            insert_rows!(c, quote_openings::table, chunk)?;
        }
    }
    for chunk in results.chunks(250) {
        insert_rows!(c, announcement_results::table, chunk)?;
    }
    for chunk in award_rows.chunks(500) {
        insert_rows!(c, awards::table, chunk)?;
    }
    let rows: Vec<_> = contract_rows
        .iter()
        .map(|k| {
            (
                contracts::announcement_id.eq(k.announcement),
                contracts::owner_id.eq(k.owner),
                contracts::agency_id.eq(k.agency),
                contracts::item_id.eq(k.item),
                contracts::model_text_version_id.eq(pools.model_version),
                contracts::price_limit_fen.eq(k.price),
                contracts::price_fen.eq(k.price),
                contracts::time_limit_days.eq(k.limit),
                contracts::status.eq(k.status),
                contracts::sign_by.eq(k.sign_by),
                contracts::signed_at.eq(k.signed),
                contracts::accepted_at.eq(k.accepted),
                contracts::created_at.eq(k.created),
                contracts::updated_at.eq(k.created),
            )
        })
        .collect();
    for chunk in rows.chunks(250) {
        insert_rows!(c, contracts::table, chunk)?;
    }
    ratings(c, rng, planned, &contract_rows)
}

struct NewContract {
    announcement: i64,
    owner: i64,
    agency: i64,
    item: i64,
    price: i64,
    limit: i32,
    status: ContractStatus,
    sign_by: chrono::NaiveDate,
    signed: Option<NaiveDateTime>,
    accepted: Option<NaiveDateTime>,
    created: NaiveDateTime,
}

/// The contract of a confirmed award: signed within days; accepted after about the working
/// days its limit allows (a fifth of them late), unless that is still to come.
fn contract_row(
    rng: &mut Rng,
    id: i64,
    p: &Plan,
    winner: i64,
    amount: Option<i64>,
    confirmed: NaiveDateTime,
    now: NaiveDateTime,
) -> NewContract {
    let limit = (p.item.1 * (70 + rng.below(31) as i32) / 100).max(1);
    let signed = confirmed + Duration::hours(20 + rng.below(150) as i64);
    let late = rng.below(5) == 0;
    let share = if late {
        105 + rng.below(40)
    } else {
        45 + rng.below(55)
    };
    // Working days to calendar days: seven for five.
    let days = (i64::from(limit) * share as i64 * 7) / (100 * 5);
    let accepted = signed + Duration::days(days.max(1)) + Duration::hours(3);
    let (status, signed, accepted) = if signed > now {
        (ContractStatus::Signing, None, None)
    } else if accepted > now {
        (ContractStatus::Signed, Some(signed), None)
    } else {
        (ContractStatus::Accepted, Some(signed), Some(accepted))
    };
    NewContract {
        announcement: id,
        owner: p.project.1,
        agency: winner,
        item: p.item.0,
        price: amount.unwrap_or(p.cap),
        limit,
        status,
        sign_by: crate::domain::workdays::china_date(confirmed.and_utc()) + Duration::days(20),
        signed,
        accepted,
        created: confirmed,
    }
}

/// The owners rate four in five accepted contracts a few days after acceptance; each rating
/// is also the agency's feedback credit record, as the rating step writes it.
fn ratings(
    c: &mut DbConnection,
    rng: &mut Rng,
    planned: &[(i64, &Plan)],
    made: &[NewContract],
) -> Result<(), DbError> {
    let announcement_ids: Vec<i64> = planned.iter().map(|p| p.0).collect();
    let mut ids: Vec<(i64, i64)> = Vec::new();
    for chunk in announcement_ids.chunks(500) {
        ids.extend(
            contracts::table
                .filter(contracts::announcement_id.eq_any(chunk))
                .select((contracts::announcement_id, contracts::id))
                .load::<(i64, i64)>(c)?,
        );
    }
    let ids: std::collections::HashMap<i64, i64> = ids.into_iter().collect();
    let now = db::now();
    let rule_version = crate::credit::store::credit::current_rules(c)?.version;
    let mut rows = Vec::new();
    let mut records = Vec::new();
    for k in made {
        let (Some(accepted), Some(id)) = (k.accepted, ids.get(&k.announcement)) else {
            continue;
        };
        let rated = accepted + Duration::days(1 + rng.below(5) as i64);
        if rng.below(5) == 0 || rated > now {
            continue;
        }
        let base = match rng.below(10) {
            0 => 2,
            1 | 2 => 3,
            _ => 5,
        };
        let stars: Vec<i32> = (0..5)
            .map(|_| (base - rng.below(2) as i32).clamp(1, 5))
            .collect();
        let as_u8: Vec<u8> = stars.iter().map(|s| *s as u8).collect();
        let on = crate::domain::workdays::china_date(rated.and_utc());
        records.push((
            credit_records::agency_id.eq(k.agency),
            credit_records::kind.eq(Kind::Evaluation),
            credit_records::points.eq(0),
            credit_records::stars_x100.eq(stars_mean_x100(&as_u8).ok()),
            credit_records::source.eq(Source::OwnerFeedback),
            credit_records::evidence.eq("项目业主的服务评价（批量演示数据）"),
            credit_records::legal_basis.eq(""),
            credit_records::recorded_by.eq(Some(k.owner)),
            credit_records::effective_on.eq(on),
            credit_records::valid_until.eq(on + Duration::days(3 * 365)),
            credit_records::rule_version.eq(rule_version),
            credit_records::created_at.eq(rated),
        ));
        let mut star = stars.into_iter();
        let mut star = || star.next().unwrap_or(5);
        rows.push((
            evaluations::contract_id.eq(*id),
            evaluations::agency_id.eq(k.agency),
            evaluations::rater_kind.eq(RaterKind::Owner),
            evaluations::rater_id.eq(k.owner),
            evaluations::quality.eq(star()),
            evaluations::timeliness.eq(star()),
            evaluations::attitude.eq(star()),
            evaluations::fees.eq(star()),
            evaluations::conduct.eq(star()),
            evaluations::comment.eq("按约定完成服务。"),
            evaluations::rated_at.eq(rated),
        ));
    }
    for chunk in rows.chunks(500) {
        insert_rows!(c, evaluations::table, chunk)?;
    }
    for chunk in records.chunks(500) {
        insert_rows!(c, credit_records::table, chunk)?;
    }
    Ok(())
}
