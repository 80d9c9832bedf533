//! Demo sanctions, so `/blacklist`, `/exposure`, the regulator's queue and an agency's credit
//! repair show realistic content: one blacklisted agency, one banned agency with its banned
//! senior manager, and one listing old enough to be repaired (its dates are set directly,
//! bypassing the start-date check a regulator's form applies).

use chrono::{Days, NaiveDate};
use diesel::prelude::*;

use crate::db::schema::{agencies, users};
use crate::db::{DbConnection, DbError};
use crate::domain::credit::{Kind, Source};
use crate::domain::{idcard, uscc};
use crate::models::agency::NewCertificate;
use crate::models::audit::{self, Actor};
use crate::models::credit::NewRecord;
use crate::models::sanctions::{self as sx, NewBan, NewListing};
use crate::models::{self, user::NewUser};

pub struct DemoAgency {
    pub email: &'static str,
    pub org: &'static str,
    pub contact: &'static str,
    pub phone: &'static str,
}

/// Logins (password `DEMO_PASSWORD`): the repairable one can apply for credit repair.
pub const AGENCIES: [DemoAgency; 3] = [
    DemoAgency {
        email: "shixin@demo.zhongjie.cn",
        org: "攀枝花市宏图工程咨询有限公司",
        contact: "马国庆",
        phone: "13808120201",
    },
    DemoAgency {
        email: "jinru@demo.zhongjie.cn",
        org: "攀枝花市鑫达环境评价有限公司",
        contact: "何丽",
        phone: "13808120202",
    },
    DemoAgency {
        email: "xiufu@demo.zhongjie.cn",
        org: "米易县诚通测绘有限公司",
        contact: "罗文军",
        phone: "13808120203",
    },
];

fn days_ago(today: NaiveDate, n: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(n)).unwrap_or(today)
}

fn days_ahead(today: NaiveDate, n: u64) -> NaiveDate {
    today.checked_add_days(Days::new(n)).unwrap_or(today)
}

/// Runs inside the demo transaction; does nothing when the demo sanctions exist already.
pub fn load(c: &mut DbConnection, password_hash: &str) -> Result<(), DbError> {
    if models::user::find_by_email(c, AGENCIES[0].email)?.is_some() {
        return Ok(());
    }
    let sys = Actor::system();
    let Some(dept) = models::department::all(c)?
        .into_iter()
        .find(|d| d.code == "zrzyj")
    else {
        return Ok(());
    };
    let regulator: Option<i64> = users::table
        .filter(users::role.eq("regulator"))
        .filter(users::department_id.eq(dept.id))
        .select(users::id)
        .first(c)
        .optional()?;
    let Some(by) = regulator else {
        return Ok(());
    };
    let mut ids = Vec::new();
    for (i, a) in AGENCIES.iter().enumerate() {
        let now = crate::db::now();
        let code = uscc::generate(2000 + i as u64).as_str().to_string();
        let new = NewUser {
            role: "agency".into(),
            email: a.email.into(),
            password_hash: password_hash.into(),
            org_name: a.org.into(),
            uscc: Some(code.clone()),
            contact_name: a.contact.into(),
            phone: a.phone.into(),
            department_id: None,
            status: "active".into(),
            email_verified_at: Some(now),
            locale: "zh-CN".into(),
            is_demo: true,
            created_at: now,
            updated_at: now,
        };
        let Ok(id) = models::user::insert(c, &new)? else {
            return Ok(());
        };
        models::agency::create_for_user(c, id, a.org, &code, a.phone)?;
        ids.push(id);
    }
    let today = crate::domain::workdays::today();
    // Local firms holding qualifications that 自然资源和规划局 regulates, so its demo regulator
    // sees them in its domain.
    let quals = [
        ("pzh_dongqu", "geo_hazard", "川地灾评字"),
        ("pzh_xiqu", "land_planning", "川规编字"),
        ("pzh_miyi", "surveying_mapping", "乙测资字"),
    ];
    for (i, (region, qual, prefix)) in quals.iter().enumerate() {
        diesel::update(agencies::table.find(ids[i]))
            .set(agencies::region.eq(*region))
            .execute(c)?;
        let cert = models::agency::add_certificate(
            c,
            &NewCertificate {
                agency_id: ids[i],
                qual_type: qual.to_string(),
                level: 2,
                number: format!("{prefix}第5104{:05}号", 2101 + i),
                issuer: "四川省自然资源厅".into(),
                valid_from: days_ago(today, 700),
                valid_to: days_ahead(today, 1000),
                upload_id: None,
                review_due: days_ago(today, 690),
            },
        )?;
        models::agency::review_certificate(c, cert, true, None, by)?;
    }
    // The false report behind the first agency's listing: −30 (SPEC §2.3) and the blacklist.
    let rules = models::credit::current_rules(c)?.rules();
    let mut fr = NewRecord::new(
        ids[0],
        Kind::FalseReport,
        rules.points_for(Kind::FalseReport),
        Source::Regulator,
    );
    fr.evidence = "经专家复核，该机构为某工业园区项目出具的地质灾害危险性评估报告，评估结论与钻探数据严重不符（复核意见书 攀自然资〔2026〕81号）。";
    fr.legal_basis = "《地质灾害防治条例》第四十五条";
    fr.department_id = Some(dept.id);
    fr.recorded_by = Some(by);
    fr.effective_on = days_ago(today, 60);
    let rid = models::credit::insert_record(c, &fr)?;
    audit::record(
        c,
        &sys,
        "credit.record.add",
        "credit_record",
        rid,
        &rid,
        "demo",
    )?;

    // 1. Blacklisted two months ago for two years: a false report.
    let listing = sx::create_listing(
        c,
        &NewListing {
            agency_id: ids[0],
            department_id: dept.id,
            reason: "为某工业园区项目出具虚假的地质灾害危险性评估报告，评估结论与实际勘查数据严重不符。",
            legal_basis: "《地质灾害防治条例》第四十五条；《四川省社会信用条例》第三十条",
            starts_on: days_ago(today, 60),
            ends_on: days_ahead(today, 670),
            by,
        },
    )?;
    let l = sx::find_listing(c, listing)?;
    audit::record(
        c,
        &sys,
        "credit.blacklist.create",
        "blacklist_entry",
        listing,
        &l,
        "demo",
    )?;

    // 2. Banned with its general manager, who is thereby barred from managing any agency.
    models::agency::add_manager(
        c,
        ids[1],
        "刘建华",
        idcard::generate(510_402).as_str(),
        "总经理",
    )?;
    models::agency::add_manager(
        c,
        ids[1],
        "陈红梅",
        idcard::generate(510_403).as_str(),
        "技术负责人",
    )?;
    let (ban, _) = sx::create_ban(
        c,
        &NewBan {
            agency_id: ids[1],
            department_id: dept.id,
            reason: "以弄虚作假方式取得资质，并在中介服务中串通投标。",
            legal_basis: "《中介服务管理办法》第二十条",
            starts_on: days_ago(today, 30),
            ends_on: days_ahead(today, 3 * 365),
            by,
            persons: vec![("刘建华".into(), idcard::generate(510_402).as_str().into())],
        },
    )?;
    let b = sx::bans_of(c, ids[1])?;
    audit::record(
        c,
        &sys,
        "credit.ban.create",
        "market_ban",
        ban,
        &b.first(),
        "demo",
    )?;

    // 3. Listed 14 months ago for two years: more than half has passed, repair is open.
    let listing = sx::create_listing(
        c,
        &NewListing {
            agency_id: ids[2],
            department_id: dept.id,
            reason: "测绘成果质量抽检不合格且拒不整改。",
            legal_basis: "《测绘成果质量监督抽查管理办法》第二十二条",
            starts_on: days_ago(today, 425),
            ends_on: days_ahead(today, 305),
            by,
        },
    )?;
    let l = sx::find_listing(c, listing)?;
    audit::record(
        c,
        &sys,
        "credit.blacklist.create",
        "blacklist_entry",
        listing,
        &l,
        "demo",
    )?;
    for id in ids {
        let snap = models::agency::save_version(c, id, None)?;
        audit::record(c, &sys, "agency.profile.demo", "agency", id, &snap, "demo")?;
    }
    Ok(())
}
