//! Demo random inspections 双随机、一公开 of 自然资源和规划局, through the inspection steps at
//! their dates: the department's inspector pool (its regulator and two inspector accounts,
//! password as every demo login), one completed task (a problem found, so a credit record)
//! and one drawn task awaiting results. Seeds are fixed (`story::demo_bytes`), so every load
//! draws the same agencies and inspectors.

use super::story::{Story, demo_bytes};
use super::{Account, create_account};
use crate::auth::{CurrentUser, Role};
use crate::db::{DbConnection, DbError};
use crate::domain::draw::Seed;
use crate::domain::inspection::{InspectorForm, Outcome, ResultForm, ScopeEntry, TaskForm};
use crate::error::StepError;
use crate::inspections::{steps, store as st};

const DEPT: &str = "zrzyj";
const BOSS: &str = "ziranziyuan@demo.zhongjie.cn";
/// (e-mail, name, 执法证号) of the pool; the first is the department's demo regulator.
const POOL: &[(&str, &str, &str)] = &[
    (BOSS, "陈晓东", "SC-ZR-510400-0031"),
    ("jiancha1@demo.zhongjie.cn", "周建华", "SC-ZR-510400-0047"),
    ("jiancha2@demo.zhongjie.cn", "郑海燕", "SC-ZR-510400-0052"),
];

fn bad(e: StepError) -> DbError {
    match e {
        StepError::Db(e) => e,
        StepError::Refused(r) => DbError::invalid(format!("demo inspection refused: {}", r.key)),
    }
}

fn user(c: &mut DbConnection, email: &str) -> Result<CurrentUser, DbError> {
    let u = crate::accounts::store::user::find_by_email(c, email)?
        .ok_or_else(|| DbError::invalid(format!("demo account {email} missing")))?;
    Ok(CurrentUser {
        id: u.id,
        role: u.role,
        display_name: u.contact_name,
        email: u.email,
        unread: 0,
        department_id: u.department_id,
    })
}

/// The department's retained items and its qualification types: the demo tasks' scope.
fn scope(c: &mut DbConnection, dept: i64) -> Result<Vec<ScopeEntry>, DbError> {
    let mut s: Vec<ScopeEntry> = st::department_items(c, dept)?
        .into_iter()
        .map(|(id, _, _)| ScopeEntry::Item(id))
        .collect();
    s.extend(
        crate::domain::catalogue::QUAL_TYPES
            .iter()
            .filter(|(_, d, _)| *d == DEPT)
            .map(|(q, _, _)| ScopeEntry::Qual((*q).to_string())),
    );
    Ok(s)
}

/// Creates, publishes and draws a task on `day`, its window the next `days` days.
fn run_task(
    c: &mut DbConnection,
    key: &[u8; 32],
    title: &str,
    label: &str,
    days: i64,
) -> Result<i64, DbError> {
    let boss = user(c, BOSS)?;
    let dept = boss.department_id.unwrap_or(0);
    let today = crate::db::today();
    let form = TaskForm {
        title: title.to_string(),
        scope: scope(c, dept)?,
        rate_pct: 10,
        inspectors_per_agency: 2,
        window_start: today + chrono::Duration::days(1),
        window_end: today + chrono::Duration::days(days),
    };
    let id = steps::create_task(c, &boss, dept, &form).map_err(bad)?;
    let task = st::find_task(c, id)?.ok_or_else(|| DbError::invalid("demo task missing"))?;
    let seed = Seed::from_bytes(demo_bytes(label));
    steps::publish_task(c, &boss, &task, &seed, key, today)
        .map_err(bad)?
        .map_err(|p| DbError::invalid(format!("demo inspection not publishable: {p:?}")))?;
    steps::draw(c, &boss, id, key).map_err(bad)?;
    Ok(id)
}

/// Every drawn agency's result, by its first active inspector: a problem for the first.
fn record_results(c: &mut DbConnection, task_id: i64) -> Result<(), DbError> {
    let today = crate::db::today();
    for (i, t) in st::targets_of(c, task_id)?.into_iter().enumerate() {
        let Some(a) = st::assignments_of_target(c, t.id)?
            .into_iter()
            .find(st::Assignment::is_active)
        else {
            continue;
        };
        let email = crate::accounts::store::user::find(c, a.user_id)?
            .map(|u| u.email)
            .unwrap_or_default();
        let me = user(c, &email)?;
        let form = if i == 0 {
            ResultForm {
                outcome: Outcome::Rectify,
                findings: "抽查 2 份地质灾害危险性评估报告，其中 1 份现场调查记录缺少调查人员签字，报告质量控制记录不完整。".into(),
                rectify_by: Some(today + chrono::Duration::days(30)),
                penalty: String::new(),
            }
        } else {
            ResultForm {
                outcome: Outcome::Clear,
                findings: "资质、人员、收费公示和业务档案符合规定。".into(),
                rectify_by: None,
                penalty: String::new(),
            }
        };
        steps::record_result(c, &me, t.id, &form, today).map_err(bad)?;
    }
    Ok(())
}

pub fn plan(story: &mut Story<'_>, key: &[u8; 32], password_hash: &str) {
    let start = story.working_days_ago(60);
    let hash = password_hash.to_string();
    story.add(Story::at(start, 9, 0), move |c| {
        for (i, (email, name, _)) in POOL.iter().enumerate().skip(1) {
            let phone = format!("0812-333612{i}");
            create_account(
                c,
                &Account {
                    role: Role::Regulator,
                    email,
                    org: "攀枝花市自然资源和规划局",
                    contact: name,
                    phone: &phone,
                    department: Some(DEPT),
                    uscc: None,
                },
                &hash,
            )?;
        }
        Ok(())
    });
    story.add(Story::at(start, 9, 30), move |c| {
        let boss = user(c, BOSS)?;
        let dept = boss.department_id.unwrap_or(0);
        for (email, name, badge) in POOL {
            let u = user(c, email)?;
            let f = InspectorForm {
                user_id: u.id,
                name: (*name).to_string(),
                badge_no: (*badge).to_string(),
            };
            steps::add_inspector(c, &boss, dept, &f).map_err(bad)?;
        }
        Ok(())
    });
    // A task done: drawn, inspected, results published (one problem → a credit record).
    let done = story.working_days_ago(45);
    let done_results = story.working_days_ago(28);
    let key1 = *key;
    story.add(Story::at(done, 10, 0), move |c| {
        run_task(
            c,
            &key1,
            "2026年度测绘、地质灾害评估类中介机构双随机抽查（第一批）",
            "inspection-demo-1",
            14,
        )
        .map(|_| ())
    });
    story.add(Story::at(done_results, 16, 0), move |c| {
        let dept = user(c, BOSS)?.department_id.unwrap_or(0);
        let id = st::department_tasks(c, dept)?
            .into_iter()
            .map(|t| t.id)
            .min()
            .ok_or_else(|| DbError::invalid("demo task missing"))?;
        record_results(c, id)
    });
    // A task drawn this week, awaiting results.
    let recent = story.working_days_ago(3);
    let key2 = *key;
    story.add(Story::at(recent, 10, 0), move |c| {
        run_task(
            c,
            &key2,
            "2026年度测绘、地质灾害评估类中介机构双随机抽查（第二批）",
            "inspection-demo-2",
            20,
        )
        .map(|_| ())
    });
}
