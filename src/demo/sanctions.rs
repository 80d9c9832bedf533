//! Demo sanctions, so `/blacklist`, `/exposure`, the regulator's queue and an agency's credit
//! repair show realistic content: one blacklisted agency, one banned agency with its banned
//! senior manager, and one listing old enough to be repaired. Each is entered on its first
//! day in the demo's story, so it keeps the period rules of the regulator's form.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::story::Story;
use crate::audit::{self, Actor};
use crate::auth::Role;
use crate::credit::store::credit::NewRecord;
use crate::credit::store::sanctions::{self as sx, NewBan, NewListing};
use crate::db::schema::users;
use crate::db::{DbConnection, DbError};
use crate::domain::credit::{Kind, Source};
use crate::domain::{idcard, uscc};
use crate::library::store::agency::NewCertificate;

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

/// The local firms' profiles: they hold qualifications that 自然资源和规划局 regulates, so its
/// demo regulator finds them in its domain. (email, region, division, legal rep, address,
/// manager id seeds, item, qualification, certificate number)
type Local = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const LOCAL: [Local; 3] = [
    (
        "shixin@demo.zhongjie.cn",
        "pzh_dongqu",
        "510402",
        "马国庆",
        "四川省攀枝花市东区新华街 58 号",
        "PZH-ZR-001",
        "geo_hazard",
        "川地灾评字第510402101号",
    ),
    (
        "jinru@demo.zhongjie.cn",
        "pzh_xiqu",
        "510403",
        "何丽",
        "四川省攀枝花市西区格里坪镇工业路 7 号",
        "PZH-ZR-001",
        "geo_hazard",
        "川地灾评字第510403102号",
    ),
    (
        "xiufu@demo.zhongjie.cn",
        "pzh_miyi",
        "510421",
        "罗文军",
        "四川省攀枝花市米易县攀莲镇迎宾大道 21 号",
        "PZH-ZR-003",
        "surveying_mapping",
        "乙测资字51004210",
    ),
];

/// The land department and its demo regulator.
fn land_regulator(c: &mut DbConnection) -> Result<Option<(i64, i64)>, DbError> {
    let Some(dept) = crate::accounts::store::department::all(c)?
        .into_iter()
        .find(|d| d.code == "zrzyj")
    else {
        return Ok(None);
    };
    let regulator: Option<i64> = users::table
        .filter(users::role.eq(Role::Regulator))
        .filter(users::department_id.eq(dept.id))
        .select(users::id)
        .first(c)
        .optional()?;
    Ok(regulator.map(|r| (dept.id, r)))
}

/// Adds the sanctions' history to the story: the three local firms register at the launch
/// with their profiles and certificates; one is listed 14 months ago for two years (more
/// than half has passed: it may apply for repair), one banned a month ago with its general
/// manager, one listed two months ago for a false report. Each listing or ban is entered on
/// its first day, by the land department's regulator, as its form requires.
pub fn plan(story: &mut Story<'_>, launch: NaiveDate, password_hash: &str) {
    for (i, a) in AGENCIES.iter().enumerate() {
        let (_, region, division, legal_rep, address, item, qual, number) = LOCAL[i];
        let hash = password_hash.to_string();
        story.add(Story::at(launch, 10, 30 + i as u32), move |c| {
            let acc = super::Account {
                role: Role::Agency,
                email: a.email,
                org: a.org,
                contact: a.contact,
                phone: a.phone,
                department: None,
                uscc: Some(uscc::generate_in("91", division, 2000 + i as u64).into_inner()),
            };
            super::create_account(c, &acc, &hash)?;
            Ok(())
        });
        story.add(Story::at(launch, 14, 30 + i as u32), move |c| {
            let id = super::user_id(c, a.email)?;
            let Some(ag) = crate::library::store::agency::find(c, id)? else {
                return Ok(());
            };
            let fields = crate::library::store::agency::ProfileFields {
                legal_rep: legal_rep.into(),
                address: address.into(),
                region: region.into(),
                contact_phone: ag.contact_phone.clone(),
                affiliated: false,
                affiliated_department_id: None,
                intro: "承接攀枝花市内建设项目的专项评估和测绘技术服务。".into(),
            };
            crate::library::store::agency::update_profile(c, id, &fields)?;
            crate::library::store::agency::add_manager(
                c,
                id,
                legal_rep,
                idcard::generate(520_000 + i as u64).as_str(),
                "执行董事",
            )?;
            if i == 1 {
                // The general manager banned with the agency, and its technical lead.
                crate::library::store::agency::add_manager(
                    c,
                    id,
                    "刘建华",
                    idcard::generate(510_402).as_str(),
                    "总经理",
                )?;
                crate::library::store::agency::add_manager(
                    c,
                    id,
                    "陈红梅",
                    idcard::generate(510_403).as_str(),
                    "技术负责人",
                )?;
            }
            if let Some(it) = crate::catalogue::store::find_by_code(c, item)? {
                crate::library::store::agency::add_offered(
                    c,
                    id,
                    it.id,
                    &crate::library::store::agency::OfferTerms {
                        fee_standard: "市场调节价：按工作量计费，报价含税。".into(),
                        fee_min_fen: Some(crate::domain::money::Money::from_fen(1_000_000)),
                        fee_max_fen: Some(crate::domain::money::Money::from_fen(15_000_000)),
                        committed_days: (it.time_limit_days * 3 / 4).max(1),
                    },
                )?;
            }
            let today = crate::db::today();
            let cal = crate::accounts::store::calendar::load_from(c, today)?;
            crate::library::store::agency::add_certificate(
                c,
                &NewCertificate {
                    agency_id: id,
                    qual_type: qual.to_string(),
                    level: 2,
                    number: number.into(),
                    issuer: "四川省自然资源厅".into(),
                    valid_from: today - chrono::Duration::days(30),
                    valid_to: today + chrono::Duration::days(5 * 365),
                    upload_id: None,
                    review_due: crate::domain::agency_rules::review_due(today, 2, &cal),
                },
            )?;
            let snap = crate::library::store::agency::save_version(c, id, Some(id))?;
            audit::record(
                c,
                &Actor::user(id, Role::Agency),
                "agency.profile.demo",
                "agency",
                id,
                &snap,
                "demo",
            )?;
            Ok(())
        });
        // Approved by the land department the next working day.
        let day = story.add_working_days(launch, 1);
        story.add(Story::at(day, 9, 40 + i as u32), move |c| {
            let Some((_, by)) = land_regulator(c)? else {
                return Ok(());
            };
            let id = super::user_id(c, a.email)?;
            for cert in crate::library::store::agency::certificates(c, id)? {
                if crate::library::store::agency::review_certificate(c, cert.id, true, None, by)? {
                    crate::library::store::agency::save_version(c, id, Some(by))?;
                    let cert = crate::library::store::agency::find_certificate(c, cert.id)?;
                    audit::record(
                        c,
                        &Actor::user(by, Role::Regulator),
                        "agency.certificate.approve",
                        "agency_certificate",
                        cert.as_ref().map(|x| x.id).unwrap_or_default(),
                        &cert,
                        "",
                    )?;
                }
            }
            Ok(())
        });
    }

    // Listed 14 months ago for two years: more than half has passed, repair is open.
    let start = story.working_day_from(story.days_ago(425));
    story.add(Story::at(start, 10, 0), move |c| {
        list(
            c,
            AGENCIES[2].email,
            "测绘成果质量抽检不合格且拒不整改。",
            "《测绘成果质量监督抽查管理办法》第二十二条",
            start,
        )
    });

    // Banned a month ago with its general manager, who is thereby barred from managing any
    // agency.
    let start = story.working_day_from(story.days_ago(30));
    story.add(Story::at(start, 10, 0), move |c| {
        let Some((dept, by)) = land_regulator(c)? else {
            return Ok(());
        };
        let id = super::user_id(c, AGENCIES[1].email)?;
        let (ban, _) = sx::create_ban(
            c,
            &NewBan {
                agency_id: id,
                department_id: dept,
                reason: "以弄虚作假方式取得资质，并在中介服务中串通投标。",
                legal_basis: "《中介服务管理办法》第二十条",
                starts_on: start,
                ends_on: start + chrono::Duration::days(3 * 365),
                by,
                persons: vec![("刘建华".into(), idcard::generate(510_402).as_str().into())],
            },
        )?;
        let b = sx::bans_of(c, id)?;
        audit::record(
            c,
            &Actor::user(by, Role::Regulator),
            "credit.ban.create",
            "market_ban",
            ban,
            &b.first(),
            "demo",
        )?;
        Ok(())
    });

    // The false report behind the first agency's listing, and the listing, two months ago.
    let start = story.working_day_from(story.days_ago(60));
    story.add(Story::at(start, 9, 30), move |c| {
        let Some((dept, by)) = land_regulator(c)? else {
            return Ok(());
        };
        let id = super::user_id(c, AGENCIES[0].email)?;
        let rules = crate::credit::store::credit::current_rules(c)?.rules();
        let mut fr = NewRecord::new(
            id,
            Kind::FalseReport,
            rules.points_for(Kind::FalseReport),
            Source::Regulator,
        );
        fr.evidence = "经专家复核，该机构为某工业园区项目出具的地质灾害危险性评估报告，评估结论与钻探数据严重不符（复核意见书 攀自然资〔2026〕81号）。";
        fr.legal_basis = "《地质灾害防治条例》第四十五条";
        fr.department_id = Some(dept);
        fr.recorded_by = Some(by);
        let rid = crate::credit::store::credit::insert_record(c, &fr)?;
        let rec = crate::credit::store::credit::find_record(c, rid)?;
        audit::record(
            c,
            &Actor::user(by, Role::Regulator),
            "credit.record.add",
            "credit_record",
            rid,
            &rec,
            "demo",
        )?;
        Ok(())
    });
    story.add(Story::at(start, 10, 0), move |c| {
        list(
            c,
            AGENCIES[0].email,
            "为某工业园区项目出具虚假的地质灾害危险性评估报告，评估结论与实际勘查数据严重不符。",
            "《地质灾害防治条例》第四十五条；《四川省社会信用条例》第三十条",
            start,
        )
    });
}

/// Lists an agency for two years from `start` (today in the story), by the land department.
fn list(
    c: &mut DbConnection,
    email: &str,
    reason: &str,
    legal_basis: &str,
    start: NaiveDate,
) -> Result<(), DbError> {
    let Some((dept, by)) = land_regulator(c)? else {
        return Ok(());
    };
    let id = super::user_id(c, email)?;
    let listing = sx::create_listing(
        c,
        &NewListing {
            agency_id: id,
            department_id: dept,
            reason,
            legal_basis,
            starts_on: start,
            ends_on: start + chrono::Duration::days(730),
            by,
        },
    )?;
    let l = sx::find_listing(c, listing)?;
    audit::record(
        c,
        &Actor::user(by, Role::Regulator),
        "credit.blacklist.create",
        "blacklist_entry",
        listing,
        &l,
        "demo",
    )?;
    Ok(())
}
