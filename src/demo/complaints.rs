//! Demo complaints 投诉举报, one in every state, replayed on their working days through the
//! complaint steps themselves: filed (one fresh, one past its acknowledgement day), a
//! duplicate linked to the fresh one, accepted, not accepted, under investigation with the
//! respondent's statement, answered (an upheld complaint against an agency with its 投诉查实
//! credit record; a partly upheld one still open to review), review requested, reviewed.
//! Complaints against owners and departments go to the 政务服务管理局, whose two complaint
//! officers (made here) handle them; a review is decided by the one who did not answer.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::Account;
use super::story::Story;
use crate::auth::{CurrentUser, Role};
use crate::complaints::steps::{self, Answer, Filer};
use crate::db::schema::users;
use crate::db::{DbConnection, DbError};
use crate::domain::complaints::{Filing, Outcome};
use crate::error::StepError;

/// The 政务服务管理局's complaint officers.
pub const OFFICERS: [(&str, &str, &str); 2] = [
    ("zhengwu@demo.zhongjie.cn", "刘芳", "0812-3336201"),
    ("zhengwu2@demo.zhongjie.cn", "何建华", "0812-3336202"),
];

const IP: &str = "198.51.100.7";

fn acting(c: &mut DbConnection, email: &str) -> Result<CurrentUser, DbError> {
    let u = crate::accounts::store::user::find_by_email(c, email)?
        .ok_or(diesel::result::Error::NotFound)?;
    Ok(CurrentUser {
        id: u.id,
        role: u.role(),
        display_name: u.contact_name.clone(),
        email: u.email.clone(),
        unread: 0,
        department_id: u.department_id,
    })
}

/// A refusal in the demo is a bug in its story: reported as a database error.
fn done<T>(r: Result<T, StepError>) -> Result<T, DbError> {
    r.map_err(|e| match e {
        StepError::Db(e) => e,
        StepError::Refused(r) => DbError::Pool(format!("demo complaint refused: {}", r.key)),
    })
}

/// Files a complaint by `by` against (`against`, respondent id from `respondent`); returns
/// its id.
fn file(
    c: &mut DbConnection,
    by: &str,
    against: &str,
    respondent: i64,
    grounds: &str,
    facts: &str,
    request: &str,
) -> Result<i64, DbError> {
    let me = acting(c, by)?;
    let f = Filing {
        against: against.into(),
        respondent_id: respondent,
        grounds: grounds.into(),
        facts: facts.into(),
        request: request.into(),
        visitor: None,
    };
    let filed = done(steps::file(
        c,
        &Filer {
            user: Some(&me),
            ip: IP,
        },
        &f,
        None,
    ))?;
    Ok(match filed {
        steps::Filed::New { id, .. } | steps::Filed::Linked { id, .. } => id,
    })
}

fn last_id(c: &mut DbConnection) -> Result<i64, DbError> {
    use crate::db::schema::complaints;
    Ok(complaints::table
        .order(complaints::id.desc())
        .select(complaints::id)
        .first(c)?)
}

/// A regulator of the department the complaint is with now.
fn handler(c: &mut DbConnection, id: i64) -> Result<Option<CurrentUser>, DbError> {
    let dept = crate::complaints::store::find(c, id)?
        .map(|r| r.department_id)
        .ok_or(diesel::result::Error::NotFound)?;
    let email: Option<String> = users::table
        .filter(users::role.eq(Role::Regulator))
        .filter(users::department_id.eq(dept))
        .order(users::id)
        .select(users::email)
        .first(c)
        .optional()?;
    email.map(|e| acting(c, &e)).transpose()
}

fn officer(c: &mut DbConnection, n: usize) -> Result<CurrentUser, DbError> {
    acting(c, OFFICERS[n].0)
}

/// One complaint's story: filed on `filed`, then each step on its day.
struct Case {
    by: &'static str,
    against: &'static str,
    /// The respondent: an account's e-mail (agency, owner) or a department code.
    respondent: &'static str,
    grounds: &'static str,
    facts: &'static str,
    request: &'static str,
    /// Working days ago: filed, then the steps.
    filed: u32,
    steps: &'static [(u32, Act)],
}

#[derive(Clone, Copy)]
enum Act {
    Accept,
    NotAccept(&'static str),
    Investigate,
    Respond(&'static str),
    Answer(Outcome, &'static str, bool),
    AskReview(&'static str),
    Review(Outcome, &'static str),
}

const CASES: &[Case] = &[
    Case {
        by: "agency@demo.zhongjie.cn",
        against: "owner",
        respondent: "owner2@demo.zhongjie.cn",
        grounds: "late_payment",
        facts: "东区老旧小区改造环评服务已于 2026 年 9 月验收合格，合同约定验收后 30 个工作日内付款，至今未付。",
        request: "督促业主按合同约定支付服务费用。",
        filed: 1,
        steps: &[],
    },
    Case {
        by: "agency@demo.zhongjie.cn",
        against: "owner",
        respondent: "owner2@demo.zhongjie.cn",
        grounds: "late_payment",
        facts: "补充：业主财务人员答复“等上级拨款”，仍无付款时间。",
        request: "督促付款。",
        filed: 1,
        steps: &[],
    },
    Case {
        by: "agency3@demo.zhongjie.cn",
        against: "department",
        respondent: "zrzyj",
        grounds: "extra_requirements",
        facts: "办理用地预审时被要求另行提供第三方测绘成果核查报告，清单中无此中介服务事项。",
        request: "取消清单外的中介服务要求。",
        filed: 4,
        steps: &[],
    },
    Case {
        by: "agency2@demo.zhongjie.cn",
        against: "owner",
        respondent: "owner3@demo.zhongjie.cn",
        grounds: "refused_acceptance",
        facts: "造价咨询成果已按合同提交，业主两次以“领导未审”为由拒绝组织验收。",
        request: "责成业主限期组织验收。",
        filed: 3,
        steps: &[(2, Act::Accept)],
    },
    Case {
        by: "owner@demo.zhongjie.cn",
        against: "department",
        respondent: "jtj",
        grounds: "delay",
        facts: "对交通影响评价报告的审查意见迟迟未出，但未说明原因。",
        request: "尽快出具审查意见。",
        filed: 10,
        steps: &[(
            9,
            Act::NotAccept(
                "该事项属于行政审批办理时限问题，请通过 12345 政务服务便民热线反映，不属于中介服务投诉范围。",
            ),
        )],
    },
    Case {
        by: "agency5@demo.zhongjie.cn",
        against: "owner",
        respondent: "owner@demo.zhongjie.cn",
        grounds: "unfair_clauses",
        facts: "合同补充条款约定“成果须经业主满意方可付款”，付款条件无客观标准。",
        request: "修改补充条款，明确付款条件。",
        filed: 6,
        steps: &[
            (5, Act::Accept),
            (4, Act::Investigate),
            (
                3,
                Act::Respond(
                    "补充条款系双方协商一致，我方愿意与服务机构协商修改为以验收合格为付款条件。",
                ),
            ),
        ],
    },
    Case {
        by: "agency4@demo.zhongjie.cn",
        against: "owner",
        respondent: "owner3@demo.zhongjie.cn",
        grounds: "late_payment",
        facts: "水土保持方案编制费 6.8 万元，验收后超过 40 个工作日未付。",
        request: "支付服务费用及逾期利息。",
        filed: 8,
        steps: &[
            (7, Act::Accept),
            (
                2,
                Act::Answer(
                    Outcome::PartlyUpheld,
                    "经核实，业主确有逾期付款，已责令其于 10 个工作日内支付；逾期利息请双方依合同协商或通过诉讼解决。",
                    false,
                ),
            ),
        ],
    },
    Case {
        by: "agency2@demo.zhongjie.cn",
        against: "owner",
        respondent: "owner2@demo.zhongjie.cn",
        grounds: "designated_agency",
        facts: "项目公告发布前，业主工作人员即告知“已内定某公司”，后该公司中选。",
        request: "调查是否存在指定中介机构的情况。",
        filed: 12,
        steps: &[
            (11, Act::Accept),
            (10, Act::Investigate),
            (
                6,
                Act::Answer(
                    Outcome::NotUpheld,
                    "调取选取全过程记录，抽取和报价均在平台完成，未发现指定或变相指定中介机构的证据。",
                    false,
                ),
            ),
            (4, Act::AskReview("工作人员的原话有录音为证，请求复核。")),
        ],
    },
    Case {
        by: "agency@demo.zhongjie.cn",
        against: "department",
        respondent: "fgw",
        grounds: "red_hat_tie",
        facts: "某节能评估机构由审查部门下属事业单位原负责人控股，承接了该部门审查的多数项目。",
        request: "查处红顶中介关联关系。",
        filed: 25,
        steps: &[
            (24, Act::Accept),
            (23, Act::Investigate),
            (
                20,
                Act::Answer(
                    Outcome::NotUpheld,
                    "经核查，该机构的股东已于 2024 年与原单位完全脱钩，未发现利益关联。",
                    false,
                ),
            ),
            (17, Act::AskReview("脱钩后仍在原单位兼职，请复核。")),
            (
                15,
                Act::Review(
                    Outcome::PartlyUpheld,
                    "复核查明该股东仍在原单位领取兼职报酬，责令限期清理，并移送纪检监察机关。",
                ),
            ),
        ],
    },
];

fn respondent_id(c: &mut DbConnection, against: &str, r: &str) -> Result<i64, DbError> {
    if against == "department" {
        use crate::db::schema::departments;
        return Ok(departments::table
            .filter(departments::code.eq(r))
            .select(departments::id)
            .first(c)?);
    }
    super::user_id(c, r)
}

fn act(c: &mut DbConnection, id: i64, a: Act, answered_by: &mut usize) -> Result<(), DbError> {
    let me = officer(c, *answered_by)?;
    match a {
        Act::Accept => done(steps::accept(c, &me, id)),
        Act::NotAccept(r) => done(steps::not_accept(c, &me, id, r)),
        Act::Investigate => done(steps::investigate(c, &me, id)),
        Act::Respond(t) => {
            let r = crate::complaints::store::find(c, id)?
                .and_then(|r| r.respondent_user_id)
                .ok_or(diesel::result::Error::NotFound)?;
            let email = crate::accounts::store::user::find(c, r)?
                .map(|u| u.email)
                .ok_or(diesel::result::Error::NotFound)?;
            let who = acting(c, &email)?;
            done(steps::respondent_answer(c, &who, id, t))
        }
        Act::Answer(outcome, reasons, add_credit) => done(steps::answer(
            c,
            &me,
            id,
            &Answer {
                outcome,
                reasons: reasons.into(),
                add_credit,
            },
        )),
        Act::AskReview(reason) => {
            let r = crate::complaints::store::find(c, id)?
                .and_then(|r| r.complainant_id)
                .ok_or(diesel::result::Error::NotFound)?;
            let u =
                crate::accounts::store::user::find(c, r)?.ok_or(diesel::result::Error::NotFound)?;
            done(steps::request_review(
                c,
                &crate::audit::Actor::user(u.id, u.role()),
                id,
                reason,
            ))
        }
        Act::Review(outcome, reasons) => {
            // The other officer decides the review.
            *answered_by = 1 - *answered_by;
            let other = officer(c, *answered_by)?;
            done(steps::decide_review(c, &other, id, outcome, reasons))
        }
    }
}

/// The upheld complaint against an agency, handled by a regulator of the department that
/// regulates it (the first of its domain that has one), with its credit record.
fn upheld_against_agency(story: &mut Story<'_>, filed: NaiveDate, answered: NaiveDate) {
    story.add(Story::at(filed, 10, 30), move |c| {
        let agency = super::user_id(c, "agency2@demo.zhongjie.cn")?;
        let id = file(
            c,
            "owner2@demo.zhongjie.cn",
            "agency",
            agency,
            "poor_quality",
            "造价咨询报告工程量计算错误 3 处，导致控制价偏高约 12 万元，机构拒不更正。",
            "责令更正报告，并依规记入信用记录。",
        )?;
        if let Some(me) = handler(c, id)? {
            done(steps::accept(c, &me, id))?;
            done(steps::investigate(c, &me, id))?;
        }
        Ok(())
    });
    story.add(Story::at(answered, 15, 0), move |c| {
        let id = last_upheld_candidate(c)?;
        if let Some(me) = handler(c, id)? {
            done(steps::answer(
                c,
                &me,
                id,
                &Answer {
                    outcome: Outcome::Upheld,
                    reasons:
                        "经组织专家复核，报告确有 3 处工程量计算错误，机构未按约定更正，投诉成立。"
                            .into(),
                    add_credit: true,
                },
            ))?;
        }
        Ok(())
    });
}

fn last_upheld_candidate(c: &mut DbConnection) -> Result<i64, DbError> {
    use crate::db::schema::complaints;
    Ok(complaints::table
        .filter(complaints::respondent_kind.eq(crate::domain::complaints::RespondentKind::Agency))
        .order(complaints::id.desc())
        .select(complaints::id)
        .first(c)?)
}

/// Adds the officers and every case to the story.
pub fn plan(story: &mut Story<'_>, hash: &str) {
    let start = story.working_days_ago(40);
    let hash = hash.to_string();
    story.add(Story::at(start, 8, 0), move |c| {
        for (email, name, phone) in OFFICERS {
            let a = Account {
                role: Role::Regulator,
                email,
                org: "攀枝花市政务服务管理局",
                contact: name,
                phone,
                department: Some("zwfwj"),
                uscc: None,
            };
            super::create_account(c, &a, &hash)?;
        }
        Ok(())
    });
    for (n, case) in CASES.iter().enumerate() {
        let filed = story.working_days_ago(case.filed);
        let minute = u32::try_from(n).unwrap_or(0);
        story.add(Story::at(filed, 9, minute), move |c| {
            let r = respondent_id(c, case.against, case.respondent)?;
            file(
                c,
                case.by,
                case.against,
                r,
                case.grounds,
                case.facts,
                case.request,
            )?;
            Ok(())
        });
        for (k, (days, a)) in case.steps.iter().enumerate() {
            let day = story.working_days_ago(*days);
            let minute = u32::try_from(n * 5 + k).unwrap_or(0);
            story.add(Story::at(day, 10, minute), move |c| {
                let id = id_of(c, case)?;
                let mut who = 0;
                act(c, id, *a, &mut who)
            });
        }
    }
    let filed = story.working_days_ago(15);
    let answered = story.working_days_ago(9);
    upheld_against_agency(story, filed, answered);
}

/// The case's complaint: the first filed by its complainant on its facts.
fn id_of(c: &mut DbConnection, case: &Case) -> Result<i64, DbError> {
    use crate::db::schema::complaints;
    let by = super::user_id(c, case.by)?;
    let id: Option<i64> = complaints::table
        .filter(complaints::complainant_id.eq(by))
        .filter(complaints::facts.eq(case.facts))
        .select(complaints::id)
        .first(c)
        .optional()?;
    match id {
        Some(id) => Ok(id),
        None => last_id(c),
    }
}
