//! Demo credit records, so `/credit` shows grades A, B and C with reports worth reading: a
//! commendation, a forfeit, an upheld complaint, an inspection failure, an abnormal-operation
//! record and a revoked record, each with evidence and legal basis, recorded on its day by the
//! regulator of a department of the agency's domain, with the points the rule set in force
//! gives its kind (as the regulator's form requires).

use diesel::prelude::*;

use super::story::Story;
use crate::audit::{self, Actor};
use crate::auth::Role;
use crate::credit::store::credit as mc;
use crate::db::schema::users;
use crate::db::{DbConnection, DbError};
use crate::domain::credit::{Kind, Source};

/// (agency e-mail, kind, days ago, evidence, legal basis, revoked 20 days later with this
/// reason)
type Demo = (
    &'static str,
    Kind,
    i64,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const RECORDS: &[Demo] = &[
    (
        "agency@demo.zhongjie.cn",
        Kind::Commendation,
        120,
        "2025 年度全市优秀中介服务机构表彰（攀府办通报〔2026〕5号）",
        "《攀枝花市中介服务机构信用评价办法》第十八条",
        None,
    ),
    (
        "agency2@demo.zhongjie.cn",
        Kind::Forfeit,
        200,
        "东区棚户区改造项目工程造价咨询服务中选后无正当理由放弃中选资格",
        "《攀枝花市中介服务网上超市管理办法》第二十六条",
        None,
    ),
    (
        "agency2@demo.zhongjie.cn",
        Kind::UpheldComplaint,
        90,
        "业主投诉服务人员多次未按约定到场核对工程量，经调查属实（投诉编号 TS2026-0031）",
        "《攀枝花市中介服务网上超市管理办法》第三十一条",
        None,
    ),
    (
        "agency2@demo.zhongjie.cn",
        Kind::InspectionFailure,
        40,
        "“双随机、一公开”抽查：报告质量控制记录缺失，整改期内未完成整改",
        "《四川省中介服务监督管理办法》第二十二条",
        None,
    ),
    (
        "agency3@demo.zhongjie.cn",
        Kind::AbnormalOperation,
        300,
        "未按期报送年度报告，被列入经营异常名录（市场监管部门推送）",
        "《企业信息公示暂行条例》第十七条",
        None,
    ),
    (
        "agency3@demo.zhongjie.cn",
        Kind::FalseMaterials,
        150,
        "报名材料中的项目业绩证明与实际不符",
        "《攀枝花市中介服务网上超市管理办法》第二十五条",
        None,
    ),
    (
        "agency3@demo.zhongjie.cn",
        Kind::UpheldComplaint,
        60,
        "收费超出合同约定，经调查属实（投诉编号 TS2026-0047）",
        "《攀枝花市中介服务网上超市管理办法》第三十一条",
        None,
    ),
    (
        "agency5@demo.zhongjie.cn",
        Kind::InspectionFailure,
        100,
        "抽查发现测绘成果未经质量检查即交付",
        "《测绘成果质量监督抽查管理办法》第十四条",
        Some("复核查明质量检查记录已存档，原检查结论有误，予以撤销"),
    ),
    (
        "agency5@demo.zhongjie.cn",
        Kind::Forfeit,
        30,
        "仁和区农村公路测绘项目中选后放弃",
        "《攀枝花市中介服务网上超市管理办法》第二十六条",
        None,
    ),
];

/// The first department of the agency's domain and a regulator of it (the demo has
/// regulators for four departments).
fn recorder(c: &mut DbConnection, agency_id: i64) -> Result<(Option<i64>, Option<i64>), DbError> {
    let depts = mc::domain_departments(c, agency_id, crate::db::today())?;
    for d in &depts {
        let r: Option<i64> = users::table
            .filter(users::role.eq(Role::Regulator))
            .filter(users::department_id.eq(d))
            .order(users::id)
            .select(users::id)
            .first(c)
            .optional()?;
        if r.is_some() {
            return Ok((Some(*d), r));
        }
    }
    Ok((depts.first().copied(), None))
}

/// Adds each record on its day (and a revocation 20 days later).
pub fn plan(story: &mut Story<'_>) {
    for (email, kind, days_ago, evidence, basis, revoked) in RECORDS {
        let day = story.working_day_from(story.days_ago(*days_ago));
        story.add(Story::at(day, 10, 0), move |c| {
            let id = super::user_id(c, email)?;
            let (dept, by) = recorder(c, id)?;
            let points = mc::current_rules(c)?.rules().points_for(*kind);
            let mut n = mc::NewRecord::new(id, *kind, points, kind.regulator_source());
            n.evidence = evidence;
            n.legal_basis = basis;
            n.department_id = dept;
            n.recorded_by = by;
            let rid = mc::insert_record(c, &n)?;
            let rec = mc::find_record(c, rid)?;
            let actor = by.map_or_else(Actor::system, |r| Actor::user(r, Role::Regulator));
            audit::record(
                c,
                &actor,
                "credit.record.add",
                "credit_record",
                rid,
                &rec,
                "demo",
            )?;
            Ok(())
        });
        if let Some(reason) = revoked {
            let later = story.working_day_from(day + chrono::Duration::days(20));
            story.add(Story::at(later, 10, 0), move |c| {
                let id = super::user_id(c, email)?;
                let (dept, by) = recorder(c, id)?;
                let Some(target) = mc::records_for(c, id)?
                    .into_iter()
                    .find(|r| r.kind == *kind && r.evidence == *evidence)
                else {
                    return Ok(());
                };
                let mut v = mc::NewRecord::new(id, Kind::Revocation, 0, Source::Regulator);
                v.evidence = reason;
                v.department_id = dept;
                v.recorded_by = by;
                v.revokes_id = Some(target.id);
                let vid = mc::insert_record(c, &v)?;
                let vrec = mc::find_record(c, vid)?;
                let actor = by.map_or_else(Actor::system, |r| Actor::user(r, Role::Regulator));
                audit::record(
                    c,
                    &actor,
                    "credit.record.revoke",
                    "credit_record",
                    target.id,
                    &vrec,
                    "demo",
                )?;
                Ok(())
            });
        }
    }
}
