//! Demo selections, one at each stage a visitor should see: a lowest-price selection open for
//! quotes (owner@; `agency@` may still register and quote), a reasonable-price draw in
//! publicity (owner@), and a random draw whose winner has confirmed, so its contract draft
//! waits for the owner (owner2@) and the winner to fill in and sign.
//!
//! Each goes through the owner's and the agencies' steps at their dates in the story: the
//! project and the announcement through the form rules (`domain::publication`), publication
//! through the publication rules, registrations through the eligibility rules, quotes
//! sealed under the configured key exactly as the quote form seals them, the opening by the
//! real opening step after the deadline, the winner's confirmation by the real step after the
//! publicity. Only firms that offer the item and hold its qualifications take part: the
//! environmental-assessment job goes to environmental firms, the cost-consulting job to cost
//! consultants. Seeds and nonces are fixed ([`super::story::demo_bytes`]), so every load draws
//! the same winners; the draws are real draws all the same, verifiable from the published
//! seed, commitments and candidates.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use serde::Serialize;

use super::story::{Story, demo_bytes};
use crate::audit::{self, Actor};
use crate::auth::Role;
use crate::db::schema::{announcements, projects};
use crate::db::{self, DbConnection, DbError};
use crate::domain::draw::Seed;
use crate::domain::money::Money;
use crate::domain::publication::{self as rules, AnnouncementInput, ProjectInput};
use crate::domain::seal;
use crate::domain::selection;
use crate::selection::steps::publication::{self as publishing, SealedSeed};
use crate::selection::store::announcement as ann;
use crate::selection::store::bidding as bid;

/// How far a demo selection has come by today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Published, the deadline still ahead.
    Open,
    /// Opened after its deadline, its result in publicity.
    Opened,
    /// Opened, publicity over, the winner confirmed: the contract draft exists.
    Awarded,
}

pub struct Demo {
    pub owner: &'static str,
    pub project: &'static str,
    /// 投资项目代码.
    pub code: &'static str,
    pub region: &'static str,
    pub fiscal: bool,
    pub investment_yuan: i64,
    /// The catalogue item.
    pub item: &'static str,
    pub scope: &'static str,
    /// Working days (within 80% of the item's statutory limit).
    pub time_limit_days: i32,
    pub mode: &'static str,
    pub cap_yuan: Option<i64>,
    /// The complaint line of the department that regulates the item.
    pub complaint_phone: &'static str,
    pub witness: &'static str,
    /// Published this many working days before today (China time `hh:mm`).
    pub published_working_days_ago: u32,
    pub published_at: (u32, u32),
    /// The deadline: this many working days after the publication day, at `hh:mm`.
    pub deadline_working_days: u32,
    pub deadline_at: (u32, u32),
    /// The firms that register, in order, each with its quote in yuan (quote modes).
    pub bidders: &'static [(&'static str, Option<i64>)],
    pub stage: Stage,
}

pub const DEMOS: &[Demo] = &[
    Demo {
        owner: "owner2@demo.zhongjie.cn",
        project: "东区炳草岗片区老旧小区改造项目",
        code: "2026-510402-47-01-602215",
        region: "pzh_dongqu",
        fiscal: true,
        investment_yuan: 52_600_000,
        item: "PZH-ZJ-002",
        scope: "编制本项目工程量清单及招标控制价，参加造价管理机构的审核并按审核意见修改，配合招标人答复投标人对控制价的疑问。",
        time_limit_days: 12,
        mode: "random_draw",
        cap_yuan: Some(120_000),
        complaint_phone: "0812-3336102",
        witness: "攀枝花市公共资源交易服务中心",
        published_working_days_ago: 10,
        published_at: (9, 30),
        deadline_working_days: 5,
        deadline_at: (10, 0),
        bidders: &[
            ("agency2@demo.zhongjie.cn", None),
            ("zaojia1@demo.zhongjie.cn", None),
            ("zaojia2@demo.zhongjie.cn", None),
            ("zaojia3@demo.zhongjie.cn", None),
        ],
        stage: Stage::Awarded,
    },
    Demo {
        owner: "owner@demo.zhongjie.cn",
        project: "攀枝花钒钛高新区标准化厂房（三期）项目",
        code: "2026-510402-48-01-577041",
        region: "pzh_gaoxin",
        fiscal: false,
        investment_yuan: 128_000_000,
        item: "PZH-SL-001",
        scope: "编制本项目水土保持方案报告书，开展现场调查和水土流失预测，参加专家技术评审并按评审意见修改完善，直至取得水行政主管部门批复。",
        time_limit_days: 15,
        mode: "reasonable_price",
        cap_yuan: Some(160_000),
        complaint_phone: "0812-3336104",
        witness: "攀枝花市公共资源交易服务中心",
        published_working_days_ago: 6,
        published_at: (9, 30),
        deadline_working_days: 5,
        deadline_at: (10, 0),
        bidders: &[
            ("agency4@demo.zhongjie.cn", Some(138_000)),
            ("shuibao1@demo.zhongjie.cn", Some(142_500)),
            ("shuibao2@demo.zhongjie.cn", Some(131_000)),
            ("shuibao3@demo.zhongjie.cn", Some(145_000)),
            ("shuibao4@demo.zhongjie.cn", Some(99_000)),
            ("shuibao5@demo.zhongjie.cn", Some(139_800)),
        ],
        stage: Stage::Opened,
    },
    Demo {
        owner: "owner@demo.zhongjie.cn",
        project: "攀枝花钒钛高新区综合管廊（一期）工程",
        code: "2026-510402-48-01-581130",
        region: "pzh_gaoxin",
        fiscal: true,
        investment_yuan: 386_000_000,
        item: "PZH-HB-001",
        scope: "编制本项目环境影响报告书，开展环境现状调查与监测、环境影响预测与评价、环境风险评价和公众参与配合工作，配合生态环境部门技术评估并按评估意见修改完善，直至取得环评批复。",
        time_limit_days: 20,
        mode: "lowest_price",
        cap_yuan: Some(280_000),
        complaint_phone: "0812-3336101",
        witness: "攀枝花市公共资源交易服务中心",
        published_working_days_ago: 1,
        published_at: (14, 30),
        deadline_working_days: 6,
        deadline_at: (17, 0),
        bidders: &[
            ("huanping1@demo.zhongjie.cn", Some(236_000)),
            ("huanping2@demo.zhongjie.cn", Some(251_500)),
            ("huanping3@demo.zhongjie.cn", None),
        ],
        stage: Stage::Open,
    },
];

/// The fixed seed of a demo announcement (see the module doc).
pub fn demo_seed(d: &Demo) -> Seed {
    Seed::from_bytes(demo_bytes(&format!("seed|{}", d.code)))
}

/// The fixed nonce of a demo quote.
pub fn demo_nonce(d: &Demo, agency_email: &str) -> String {
    hex::encode(demo_bytes(&format!("nonce|{}|{agency_email}", d.code)))
}

fn bad(what: &str) -> DbError {
    DbError::invalid(format!("demo selection: {what}"))
}

fn announcement_of(c: &mut DbConnection, d: &Demo) -> Result<ann::Announcement, DbError> {
    let id: i64 = announcements::table
        .inner_join(projects::table)
        .filter(projects::code.eq(d.code))
        .select(announcements::id)
        .first(c)?;
    ann::find(c, id)?.ok_or_else(|| bad("announcement"))
}

#[derive(Serialize)]
struct RegistrationAudit {
    agency_id: i64,
}

#[derive(Serialize)]
struct QuoteAudit<'a> {
    agency_id: i64,
    kind: &'a str,
    commitment: &'a str,
    revision: i32,
    announcement_version: i32,
    status: &'a str,
}

/// Adds every step of the demo selections to the story.
pub fn plan<'a>(story: &mut Story<'a>, key: &'a [u8; 32], instance: &'a str, public_url: &'a str) {
    for d in DEMOS {
        let published_day = story.working_days_ago(d.published_working_days_ago);
        let deadline_day = story.add_working_days(published_day, d.deadline_working_days);
        let (ph, pm) = d.published_at;
        let (dh, dm) = d.deadline_at;
        let deadline = Story::at(deadline_day, dh, dm);

        // The owner enters the project, drafts the announcement and publishes it.
        story.add(
            Story::at(published_day, ph, pm) - Duration::minutes(30),
            move |c| create(c, d),
        );
        story.add(Story::at(published_day, ph, pm), move |c| {
            publish(c, d, key, public_url)
        });

        // Registrations over the next working days (the last one on the publication day
        // for an announcement published late), quotes a working day after registering.
        for (i, (email, amount)) in d.bidders.iter().enumerate() {
            let i = i as u32;
            let (reg, quote) = if d.stage == Stage::Open {
                let reg =
                    Story::at(published_day, ph, pm) + Duration::minutes(35 + 25 * i64::from(i));
                (reg, reg + Duration::minutes(12))
            } else {
                let reg_day = story.add_working_days(published_day, 1 + i / 3);
                let reg = Story::at(reg_day, 10 + (i % 3) * 2, 5 * i);
                let quote_day = story.add_working_days(reg_day, 1);
                (reg, Story::at(quote_day, 15, 7 * i))
            };
            story.add(reg, move |c| register(c, d, email));
            if let Some(yuan) = amount {
                story.add(quote, move |c| submit_quote(c, d, email, *yuan, key, i));
            }
        }

        if d.stage == Stage::Open {
            continue;
        }
        // The opening job runs seconds after the deadline.
        story.add(deadline + Duration::seconds(5), move |c| {
            let a = announcement_of(c, d)?;
            if !crate::selection::steps::opening::open_if_due(c, key, a.id, instance)? {
                return Err(bad("opening"));
            }
            Ok(())
        });
        if d.stage == Stage::Awarded {
            // The winner confirms on the first working day after the publicity.
            let publicity_ends = story.add_working_days(
                deadline_day,
                crate::selection::store::opening::PUBLICITY_DAYS,
            );
            let confirm_day = story.add_working_days(publicity_ends, 1);
            story.add(Story::at(confirm_day, 9, 0), move |c| confirm(c, d));
        }
    }
}

fn create(c: &mut DbConnection, d: &Demo) -> Result<(), DbError> {
    let owner = super::user_id(c, d.owner)?;
    let actor = Actor::user(owner, Role::Owner);
    let input = ProjectInput {
        name: d.project.into(),
        code: d.code.into(),
        region: d.region.into(),
        fiscal_funds: if d.fiscal { "yes" } else { "no" }.into(),
        total_investment: d.investment_yuan.to_string(),
    };
    let terms = rules::parse_project(&input).map_err(|p| bad(&format!("{p:?}")))?;
    let project = publishing::create_project(c, &actor, owner, None, &terms)?;
    let item = crate::catalogue::store::find_by_code(c, d.item)?.ok_or_else(|| bad(d.item))?;
    let published_day = rules::china_day(db::now());
    let cal = crate::accounts::store::calendar::load_from(c, published_day)?;
    let deadline_day: NaiveDate = cal.add_working_days(published_day, d.deadline_working_days);
    let input = AnnouncementInput {
        item_id: item.id.to_string(),
        scope: d.scope.into(),
        time_limit_days: d.time_limit_days.to_string(),
        cap: d.cap_yuan.map(|y| y.to_string()).unwrap_or_default(),
        mode: d.mode.into(),
        deadline_date: deadline_day.format("%Y-%m-%d").to_string(),
        deadline_time: format!("{:02}:{:02}", d.deadline_at.0, d.deadline_at.1),
        complaint_phone: d.complaint_phone.into(),
        witness: d.witness.into(),
        ..AnnouncementInput::default()
    };
    let terms = rules::parse_terms(&input, db::now()).map_err(|p| bad(&format!("{p:?}")))?;
    publishing::insert_draft(c, &actor, &project, &terms, &[])?;
    Ok(())
}

fn publish(
    c: &mut DbConnection,
    d: &Demo,
    key: &[u8; 32],
    public_url: &str,
) -> Result<(), DbError> {
    let a = announcement_of(c, d)?;
    let owner = super::user_id(c, d.owner)?;
    let s = demo_seed(d);
    let seed = SealedSeed {
        sealed: seal::seal_seed(key, a.id, &s.to_hex()).map_err(|e| bad(&e.to_string()))?,
        commitment: s.commitment(),
    };
    match publishing::publish(c, &Actor::user(owner, Role::Owner), a.id, &seed, public_url) {
        Ok(_) => Ok(()),
        Err(crate::error::StepError::Db(e)) => Err(e),
        Err(crate::error::StepError::Refused(r)) => {
            Err(bad(&format!("publication refused: {r:?}")))
        }
    }
}

fn register(c: &mut DbConnection, d: &Demo, email: &str) -> Result<(), DbError> {
    let a = announcement_of(c, d)?;
    let me = super::user_id(c, email)?;
    let now = db::now();
    if !a.open_for_quotes(now) {
        return Err(bad("registration after the deadline"));
    }
    if let Err(r) = bid::eligibility(c, &a, me, crate::db::today())? {
        return Err(bad(&format!("{email} is not eligible: {r:?}")));
    }
    if bid::register(c, a.id, me, now)? {
        audit::record(
            c,
            &Actor::user(me, Role::Agency),
            "selection.register",
            "announcement",
            a.id,
            &RegistrationAudit { agency_id: me },
            "",
        )?;
    }
    Ok(())
}

fn submit_quote(
    c: &mut DbConnection,
    d: &Demo,
    email: &str,
    yuan: i64,
    key: &[u8; 32],
    n: u32,
) -> Result<(), DbError> {
    let a = announcement_of(c, d)?;
    let me = super::user_id(c, email)?;
    let now = db::now();
    let amount = Money::from_fen(yuan * 100);
    if !a.open_for_quotes(now) || !bid::is_registered(c, a.id, me)? {
        return Err(bad("quote outside the window or without registration"));
    }
    let limits = bid::limits(c, &a)?.ok_or_else(|| bad("no cap"))?;
    selection::validate_quote(amount, &limits).map_err(|e| bad(&e.to_string()))?;
    let nonce = demo_nonce(d, email);
    let sealed = seal::seal_quote(
        key,
        a.id,
        me,
        &seal::Sealed {
            amount_fen: amount.fen(),
            nonce: nonce.clone(),
            note: String::new(),
        },
    )
    .map_err(|e| bad(&e.to_string()))?;
    let commitment = seal::commitment(a.id, me, amount, &nonce);
    let addr = format!("10.20.{}.{}", n / 200, 10 + n % 200);
    let (q, r) = bid::save_quote(
        c,
        &bid::NewQuote {
            announcement_id: a.id,
            agency_id: me,
            sealed: &sealed,
            commitment: &commitment,
            announcement_version: a.version,
            client_addr: &addr,
            now,
        },
    )?;
    audit::record(
        c,
        &Actor::user(me, Role::Agency),
        "selection.quote",
        "announcement",
        a.id,
        &QuoteAudit {
            agency_id: me,
            kind: r.kind.as_str(),
            commitment: &r.commitment,
            revision: q.revision,
            announcement_version: q.announcement_version,
            status: q.status.as_str(),
        },
        "",
    )?;
    Ok(())
}

fn confirm(c: &mut DbConnection, d: &Demo) -> Result<(), DbError> {
    let a = announcement_of(c, d)?;
    let Some(winner) = ann::result_of(c, a.id)?.and_then(|r| r.winner_id) else {
        return Err(bad("no winner to confirm"));
    };
    match crate::selection::steps::result::confirm(c, a.id, winner) {
        Ok(()) => Ok(()),
        Err(crate::error::StepError::Db(e)) => Err(e),
        Err(crate::error::StepError::Refused(r)) => Err(bad(&format!("confirm: {}", r.key))),
    }
}
