//! Demo credit records, so `/credit` shows grades A, B and C with reports worth reading: a
//! commendation, a forfeit, an upheld complaint, an inspection failure, an abnormal-operation
//! record and a revoked record, each with evidence and legal basis, recorded by a department
//! of the agency's domain. Runs inside the demo transaction, after the demo agencies exist.

use chrono::Duration;

use crate::db::{DbConnection, DbError};
use crate::domain::credit::{Kind, Source};
use crate::models::audit::{self, Actor};
use crate::models::{self, credit as mc};

/// (agency e-mail, kind, points, days ago, evidence, legal basis, revoked with this reason)
type Demo = (
    &'static str,
    Kind,
    i32,
    i64,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const RECORDS: &[Demo] = &[
    (
        "agency@demo.zhongjie.cn",
        Kind::Commendation,
        2,
        120,
        "2025 年度全市优秀中介服务机构表彰（攀府办通报〔2026〕5号）",
        "《攀枝花市中介服务机构信用评价办法》第十八条",
        None,
    ),
    (
        "agency2@demo.zhongjie.cn",
        Kind::Forfeit,
        -5,
        200,
        "东区棚户区改造项目环评服务中选后无正当理由放弃中选资格",
        "《攀枝花市中介服务网上超市管理办法》第二十六条",
        None,
    ),
    (
        "agency2@demo.zhongjie.cn",
        Kind::UpheldComplaint,
        -3,
        90,
        "业主投诉服务人员多次未按约定到场踏勘，经调查属实（投诉编号 TS2026-0031）",
        "《攀枝花市中介服务网上超市管理办法》第三十一条",
        None,
    ),
    (
        "agency2@demo.zhongjie.cn",
        Kind::InspectionFailure,
        -10,
        40,
        "“双随机、一公开”抽查：报告质量控制记录缺失，整改期内未完成整改",
        "《四川省中介服务监督管理办法》第二十二条",
        None,
    ),
    (
        "agency3@demo.zhongjie.cn",
        Kind::AbnormalOperation,
        -5,
        300,
        "未按期报送年度报告，被列入经营异常名录（市场监管部门推送）",
        "《企业信息公示暂行条例》第十七条",
        None,
    ),
    (
        "agency3@demo.zhongjie.cn",
        Kind::FalseMaterials,
        -20,
        150,
        "报名材料中的项目业绩证明与实际不符",
        "《攀枝花市中介服务网上超市管理办法》第二十五条",
        None,
    ),
    (
        "agency3@demo.zhongjie.cn",
        Kind::UpheldComplaint,
        -3,
        60,
        "收费超出合同约定，经调查属实（投诉编号 TS2026-0047）",
        "《攀枝花市中介服务网上超市管理办法》第三十一条",
        None,
    ),
    (
        "agency4@demo.zhongjie.cn",
        Kind::InspectionFailure,
        -10,
        100,
        "抽查发现测绘成果未经质量检查即交付",
        "《测绘成果质量监督抽查管理办法》第十四条",
        Some("复核查明质量检查记录已存档，原检查结论有误，予以撤销"),
    ),
    (
        "agency4@demo.zhongjie.cn",
        Kind::Forfeit,
        -5,
        30,
        "仁和区农村公路测绘项目中选后放弃",
        "《攀枝花市中介服务网上超市管理办法》第二十六条",
        None,
    ),
];

pub fn load(c: &mut DbConnection) -> Result<(), DbError> {
    let sys = Actor::system();
    let today = crate::domain::workdays::today();
    for (email, kind, points, days_ago, evidence, basis, revoked) in RECORDS {
        let Some(u) = models::user::find_by_email(c, email)? else {
            continue;
        };
        let dept = mc::domain_departments(c, u.id, today)?.first().copied();
        let mut n = mc::NewRecord::new(u.id, *kind, *points, kind.regulator_source());
        n.evidence = evidence;
        n.legal_basis = basis;
        n.department_id = dept;
        n.effective_on = today - Duration::days(*days_ago);
        let id = mc::insert_record(c, &n)?;
        let rec = mc::find_record(c, id)?;
        audit::record(
            c,
            &sys,
            "credit.record.add",
            "credit_record",
            id,
            &rec,
            "demo",
        )?;
        if let Some(reason) = revoked {
            let mut v = mc::NewRecord::new(u.id, Kind::Revocation, 0, Source::Regulator);
            v.evidence = reason;
            v.department_id = dept;
            v.revokes_id = Some(id);
            v.effective_on = today - Duration::days(days_ago - 20);
            let vid = mc::insert_record(c, &v)?;
            let vrec = mc::find_record(c, vid)?;
            audit::record(
                c,
                &sys,
                "credit.record.revoke",
                "credit_record",
                id,
                &vrec,
                "demo",
            )?;
        }
    }
    mc::recompute_all(c, today, 500)?;
    Ok(())
}
