//! Demo announcements: one open for quotes, one random draw and one reasonable-price draw
//! already opened (result, commitments and draw proof on their pages), so a visitor sees every
//! stage. Quotes are sealed under the configured sealing key exactly as the quote form seals
//! them, and the opened ones went through the real opening step.

use chrono::Duration;
use diesel::prelude::*;

use crate::db::schema::{announcements, projects, quotes, registrations, users};
use crate::db::{self, DbConnection, DbError};
use crate::domain::draw::Seed;
use crate::domain::money::Money;
use crate::domain::seal;
use crate::models::announcement as ann;
use crate::models::audit::{self, Actor};

struct Demo {
    owner: &'static str,
    project: &'static str,
    code: &'static str,
    fiscal: bool,
    investment_yuan: i64,
    scope: &'static str,
    mode: &'static str,
    cap_yuan: Option<i64>,
    /// Days from now; negative: the deadline has passed and the announcement is opened.
    deadline_days: i64,
    /// Quotes in yuan for the first agencies (modes with quotes), else registrations only.
    quotes: &'static [i64],
    registrants: usize,
}

const DEMOS: &[Demo] = &[
    Demo {
        owner: "owner@demo.zhongjie.cn",
        project: "攀枝花钒钛高新区综合管廊（一期）工程",
        code: "2026-510402-48-01-581130",
        fiscal: true,
        investment_yuan: 386_000_000,
        scope: "承担本项目相关专项报告的编制工作，按国家和四川省现行技术规范开展现场调查、资料收集、分析论证，编制报告并配合审批部门完成技术审查及修改完善。",
        mode: "lowest_price",
        cap_yuan: Some(280_000),
        deadline_days: 8,
        quotes: &[236_000, 251_500],
        registrants: 3,
    },
    Demo {
        owner: "owner2@demo.zhongjie.cn",
        project: "东区炳草岗片区老旧小区改造项目",
        code: "2026-510402-47-01-602215",
        fiscal: true,
        investment_yuan: 52_600_000,
        scope: "对改造范围内的建筑及附属设施开展专项评估，出具评估报告，并对审查意见进行答复和修改。",
        mode: "random_draw",
        cap_yuan: Some(90_000),
        deadline_days: -1,
        quotes: &[],
        registrants: 4,
    },
    Demo {
        owner: "owner@demo.zhongjie.cn",
        project: "攀枝花钒钛高新区标准化厂房（三期）项目",
        code: "2026-510402-48-01-577041",
        fiscal: false,
        investment_yuan: 128_000_000,
        scope: "编制专项技术报告，参加专家评审会并按评审意见修改，直至取得审批部门批复。",
        mode: "reasonable_price",
        cap_yuan: Some(160_000),
        deadline_days: -1,
        quotes: &[138_000, 142_500, 131_000, 145_000, 99_000, 139_800],
        registrants: 0,
    },
];

/// The retained item the most demo agencies are eligible for, and those agencies (ascending
/// ids), judged by the real eligibility rules for a deadline a week ahead.
fn best_item(c: &mut DbConnection) -> Result<Option<(i64, Vec<i64>)>, DbError> {
    use crate::db::schema::{agencies, catalogue_items};
    // Owners commission only what the enterprise pays for: the department-paid items are the
    // departments' own to publish (附件4 (五)).
    let items: Vec<i64> = catalogue_items::table
        .filter(catalogue_items::status.eq("retained"))
        .filter(catalogue_items::payer.ne("department"))
        .order(catalogue_items::id)
        .select(catalogue_items::id)
        .load(c)?;
    let all: Vec<i64> = agencies::table
        .filter(agencies::status.eq("active"))
        .order(agencies::user_id)
        .select(agencies::user_id)
        .load(c)?;
    let now = db::now();
    let today = crate::domain::workdays::today();
    let mut best: Option<(i64, Vec<i64>)> = None;
    for item in items {
        let probe = ann::Announcement {
            id: 0,
            project_id: 0,
            owner_id: 0,
            item_id: item,
            previous_id: None,
            round: 1,
            earlier_failures: 0,
            scope: String::new(),
            time_limit_days: 1,
            cap_fen: None,
            mode: String::new(),
            deadline: now + Duration::days(8),
            min_grade: None,
            complaint_phone: String::new(),
            witness: String::new(),
            weight_price: None,
            weight_credit: None,
            weight_qual: None,
            status: String::new(),
            version: 1,
            seed_sealed: None,
            seed_commitment: None,
            published_at: None,
            cancel_reason: None,
            cancelled_at: None,
            created_at: now,
            updated_at: now,
            owner_department_id: None,
            time_limit_reason: String::new(),
            regional_exception: String::new(),
            regional_exception_reason: String::new(),
        };
        let mut ok = Vec::new();
        for &ag in &all {
            if crate::models::bidding::eligibility(c, &probe, ag, today)?.is_ok() {
                ok.push(ag);
            }
        }
        if best.as_ref().is_none_or(|b| ok.len() > b.1.len()) {
            best = Some((item, ok));
        }
    }
    Ok(best)
}

/// Loads the demo announcements (once: nothing happens when projects exist already).
/// Returns how many announcements it made.
pub fn load(c: &mut DbConnection, key: &[u8; 32], instance: &str) -> Result<usize, DbError> {
    let existing: i64 = projects::table.count().get_result(c)?;
    if existing > 0 {
        return Ok(0);
    }
    let Some((item, offering)) = best_item(c)? else {
        return Ok(0);
    };
    let time_limit: i32 = crate::db::schema::catalogue_items::table
        .find(item)
        .select(crate::db::schema::catalogue_items::time_limit_days)
        .first(c)?;
    let mut made = 0;
    let mut opened = Vec::new();
    for d in DEMOS {
        let Some(owner) = users::table
            .filter(users::email.eq(d.owner))
            .select(users::id)
            .first::<i64>(c)
            .optional()?
        else {
            continue;
        };
        let id = db::write_tx(c, |c| -> Result<i64, DbError> {
            let now = db::now();
            diesel::insert_into(projects::table)
                .values((
                    projects::owner_id.eq(owner),
                    projects::name.eq(d.project),
                    projects::code.eq(d.code),
                    projects::region.eq("east"),
                    projects::fiscal_funds.eq(d.fiscal),
                    projects::total_investment_fen.eq(d.investment_yuan * 100),
                    projects::created_at.eq(now),
                    projects::updated_at.eq(now),
                ))
                .execute(c)?;
            let project: i64 = projects::table
                .filter(projects::code.eq(d.code))
                .select(projects::id)
                .first(c)?;
            let seed = Seed::generate().map_err(|e| bad(&e.to_string()))?;
            // Opened demos were published before their deadline, like real ones.
            let published = now - Duration::days(if d.deadline_days < 0 { 7 } else { 1 });
            diesel::insert_into(announcements::table)
                .values((
                    announcements::project_id.eq(project),
                    announcements::owner_id.eq(owner),
                    announcements::item_id.eq(item),
                    announcements::scope.eq(d.scope),
                    // The policy's 20%-faster default, so no reason is owed.
                    announcements::time_limit_days
                        .eq(crate::domain::publication::speedup_target(time_limit)),
                    announcements::cap_fen.eq(d.cap_yuan.map(|y| y * 100)),
                    announcements::mode.eq(d.mode),
                    announcements::deadline.eq(now + Duration::days(d.deadline_days.max(1))),
                    announcements::complaint_phone.eq("0812-12345"),
                    announcements::witness.eq("攀枝花市公共资源交易服务中心"),
                    announcements::status.eq(ann::status::PUBLISHED),
                    announcements::seed_commitment.eq(seed.commitment()),
                    announcements::published_at.eq(published),
                    announcements::created_at.eq(published),
                    announcements::updated_at.eq(published),
                ))
                .execute(c)?;
            let id: i64 = announcements::table
                .filter(announcements::project_id.eq(project))
                .select(announcements::id)
                .first(c)?;
            let sealed =
                seal::seal_seed(key, id, &seed.to_hex()).map_err(|e| bad(&e.to_string()))?;
            diesel::update(announcements::table.find(id))
                .set(announcements::seed_sealed.eq(sealed))
                .execute(c)?;
            let a = ann::find(c, id)?.ok_or_else(|| bad("announcement"))?;
            let today = crate::domain::workdays::today();
            let mut eligible = Vec::new();
            for &ag in &offering {
                if crate::models::bidding::eligibility(c, &a, ag, today)?.is_ok() {
                    eligible.push(ag);
                }
            }
            let n = d.registrants.max(d.quotes.len());
            for (i, &ag) in eligible.iter().take(n).enumerate() {
                diesel::insert_into(registrations::table)
                    .values((
                        registrations::announcement_id.eq(id),
                        registrations::agency_id.eq(ag),
                        registrations::created_at.eq(published + Duration::hours(2 + i as i64)),
                    ))
                    .execute(c)?;
                if let Some(&yuan) = d.quotes.get(i) {
                    let amount = Money::from_fen(yuan * 100);
                    let nonce = seal::new_nonce().map_err(|e| bad(&e.to_string()))?;
                    let boxed = seal::seal_quote(
                        key,
                        id,
                        ag,
                        &seal::Sealed {
                            amount_fen: amount.fen(),
                            nonce: nonce.clone(),
                            note: String::new(),
                        },
                    )
                    .map_err(|e| bad(&e.to_string()))?;
                    diesel::insert_into(quotes::table)
                        .values((
                            quotes::announcement_id.eq(id),
                            quotes::agency_id.eq(ag),
                            quotes::status.eq("active"),
                            quotes::sealed.eq(boxed),
                            quotes::commitment.eq(seal::commitment(id, ag, amount, &nonce)),
                            quotes::announcement_version.eq(1),
                            quotes::submitted_at
                                .eq(published + Duration::days(1) + Duration::hours(i as i64)),
                            quotes::client_addr.eq(format!("10.20.{}.{}", i / 200, 10 + i % 200)),
                        ))
                        .execute(c)?;
                }
            }
            audit::record(
                c,
                &Actor::user(owner, crate::auth::Role::Owner),
                "announcement.publish",
                "announcement",
                id,
                &serde_json::json!({ "mode": d.mode, "seed_commitment": seed.commitment() }),
                "demo",
            )?;
            if d.deadline_days < 0 {
                diesel::update(announcements::table.find(id))
                    .set(announcements::deadline.eq(now - Duration::hours(1)))
                    .execute(c)?;
            }
            Ok(id)
        })?;
        if d.deadline_days < 0 {
            opened.push((id, d.mode));
        }
        made += 1;
    }
    for &(id, _) in &opened {
        crate::models::opening::open_if_due(c, key, id, instance)?;
    }
    // The random draw's publicity is over and its winner has confirmed, through the real
    // confirmation step: the award and the contract draft from the model text are there for
    // the owner to fill in and both parties to sign.
    if let Some(&(id, _)) = opened.iter().find(|(_, m)| *m == "random_draw") {
        award(c, id)?;
    }
    Ok(made)
}

/// Ends the publicity of an opened demo announcement and confirms its winner.
fn award(c: &mut DbConnection, id: i64) -> Result<(), DbError> {
    use crate::db::schema::announcement_results as r;
    let Some(winner) = ann::result_of(c, id)?.and_then(|x| x.winner_id) else {
        return Ok(());
    };
    let today = crate::domain::workdays::today();
    diesel::update(r::table.find(id))
        .set((
            r::opened_at.eq(db::now() - Duration::days(6)),
            r::publicity_ends.eq(Some(today - Duration::days(1))),
            r::confirm_by.eq(Some(today + Duration::days(3))),
        ))
        .execute(c)?;
    match crate::models::opening::confirm(c, id, winner) {
        Ok(()) => Ok(()),
        Err(crate::models::opening::StepError::Db(e)) => Err(e),
        Err(crate::models::opening::StepError::Refused { key, .. }) => {
            Err(bad(&format!("confirm: {key}")))
        }
    }
}

fn bad(what: &str) -> DbError {
    DbError::invalid(format!("demo selection: {what}"))
}
