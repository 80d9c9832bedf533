//! One department's world: an item of 自然资源局 offered by 20 agencies, four regulators, a
//! second department's regulator. Every step through the pages, each row of the bad-input
//! list, the authorisation and CSRF rows.

use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::{
    audit_log, credit_records, inspection_assignments, inspection_population, inspection_targets,
    inspection_tasks, inspectors,
};
use zhongjie::domain::draw::Proof;
use zhongjie::domain::inspection as rules;

use crate::fixtures::{ItemBuilder, OfferBuilder, department, regulator};
use crate::helpers::*;

pub(super) struct World {
    pub(super) app: TestApp,
    pub(super) item: i64,
    pub(super) agencies: Vec<i64>,
    /// The department's regulator who runs the task, on its own browser.
    pub(super) boss: TestApp,
    /// Inspectors (user id, browser).
    pub(super) inspectors: Vec<(i64, TestApp)>,
    /// A regulator of another department.
    pub(super) other: TestApp,
}

pub(super) async fn world(n_agencies: usize, n_inspectors: usize) -> World {
    let app = spawn_app().await;
    let dept = department(
        &app,
        "zrzyj",
        "攀枝花市自然资源和规划局",
        "Natural Resources",
    );
    let other_dept = department(&app, "zjj", "攀枝花市住房和城乡建设局", "Housing");
    let item = ItemBuilder::new("ZR-001", "地质灾害危险性评估").insert(&app, dept);
    let mut agencies = Vec::new();
    for i in 0..n_agencies {
        let id = app
            .create_user(Role::Agency, &format!("agency{i}@example.com"))
            .await;
        OfferBuilder::new(item).insert(&app, id);
        agencies.push(id);
    }
    let (_, boss) = regulator(&app, "boss@zrzyj.example.com", dept).await;
    let mut inspectors = Vec::new();
    for i in 0..n_inspectors {
        inspectors.push(regulator(&app, &format!("insp{i}@zrzyj.example.com"), dept).await);
    }
    let (_, other) = regulator(&app, "other@zjj.example.com", other_dept).await;
    World {
        app,
        item,
        agencies,
        boss,
        inspectors,
        other,
    }
}

pub(super) async fn add_to_pool(w: &World) {
    for (i, (uid, _)) in w.inspectors.iter().enumerate() {
        let r = w
            .boss
            .post(
                "/inspections/inspectors",
                &[
                    ("user_id", &uid.to_string()),
                    (
                        "name",
                        &format!("王{}", ["一", "二", "三", "四", "五"][i % 5]),
                    ),
                    ("badge_no", &format!("SC-ZF-{:05}", 100 + i)),
                ],
            )
            .await;
        assert_eq!(r.status().as_u16(), 303, "pool add {i}");
    }
}

fn day(offset: i64) -> String {
    (zhongjie::db::today() + chrono::Duration::days(offset)).to_string()
}

pub(super) async fn create_task(w: &World, rate: &str, per: &str) -> (u16, String) {
    let scope = format!("scope.item:{}", w.item);
    let start = day(1);
    let end = day(20);
    let r = w
        .boss
        .post(
            "/inspections/new",
            &[
                ("title", "2026年度地质灾害评估机构抽查"),
                (scope.as_str(), "1"),
                ("rate_pct", rate),
                ("inspectors_per_agency", per),
                ("window_start", start.as_str()),
                ("window_end", end.as_str()),
            ],
        )
        .await;
    let status = r.status().as_u16();
    let loc = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = r.text().await.unwrap_or_default();
    (status, if loc.is_empty() { body } else { loc })
}

fn task_count(app: &TestApp) -> i64 {
    inspection_tasks::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

pub(super) fn last_task(app: &TestApp) -> i64 {
    inspection_tasks::table
        .order(inspection_tasks::id.desc())
        .select(inspection_tasks::id)
        .first(&mut *app.conn())
        .unwrap()
}

fn status_of(app: &TestApp, id: i64) -> String {
    inspection_tasks::table
        .find(id)
        .select(inspection_tasks::status)
        .first(&mut *app.conn())
        .unwrap()
}

#[actix_web::test]
async fn pool_is_kept_by_the_department_with_bad_input_refused() {
    let w = world(1, 2).await;
    add_to_pool(&w).await;
    let n: i64 = inspectors::table
        .count()
        .get_result(&mut *w.app.conn())
        .unwrap();
    assert_eq!(n, 2);
    // The same person twice: refused beside the field, nothing saved.
    let uid = w.inspectors[0].0.to_string();
    let r = w
        .boss
        .post(
            "/inspections/inspectors",
            &[
                ("user_id", &uid),
                ("name", "王一"),
                ("badge_no", "SC-ZF-99999"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    assert!(r.text().await.unwrap().contains("此人已在检查人员名录中"));
    // A bad badge number: 422 with the message and the typed values kept.
    let r = w
        .boss
        .post(
            "/inspections/inspectors",
            &[("user_id", &uid), ("name", "王一"), ("badge_no", "执法证")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("执法证号应为 4 至 30 位"), "{body}");
    // Another department's regulator account cannot join.
    let foreign = w.app.create_user(Role::Agency, "ag-x@example.com").await;
    let r = w
        .boss
        .post(
            "/inspections/inspectors",
            &[
                ("user_id", &foreign.to_string()),
                ("name", "李四"),
                ("badge_no", "SC-ZF-12345"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let n: i64 = inspectors::table
        .count()
        .get_result(&mut *w.app.conn())
        .unwrap();
    assert_eq!(n, 2);
    // Another department removes nothing (403, logged); no CSRF: 403.
    let entry: i64 = inspectors::table
        .select(inspectors::id)
        .first(&mut *w.app.conn())
        .unwrap();
    let path = format!("/inspections/inspectors/{entry}/remove");
    assert_eq!(w.other.post(&path, &[]).await.status().as_u16(), 403);
    assert_eq!(w.boss.post_no_csrf(&path, &[]).await.status().as_u16(), 403);
    assert_eq!(w.boss.post(&path, &[]).await.status().as_u16(), 303);
    let active: bool = inspectors::table
        .find(entry)
        .select(inspectors::active)
        .first(&mut *w.app.conn())
        .unwrap();
    assert!(!active);
    // A visitor and an agency do not see the pool page.
    let (s, _) = w.other.get_text("/inspections/inspectors").await;
    assert_eq!(s, 200, "another department sees its own (empty) pool");
    let visitor = crate::accounts::auth::clone_app(&w.app);
    assert_eq!(
        visitor
            .get("/inspections/inspectors")
            .await
            .status()
            .as_u16(),
        303
    );
}

#[actix_web::test]
async fn task_bad_input_is_refused_beside_the_field_and_nothing_is_saved() {
    let w = world(3, 1).await;
    add_to_pool(&w).await;
    let (s, body) = create_task(&w, "4", "2").await;
    assert_eq!(s, 422);
    assert!(body.contains("抽查比例不得低于 5%"), "{body}");
    assert!(body.contains("2026年度地质灾害评估机构抽查"), "values kept");
    let (s, body) = create_task(&w, "5", "1").await;
    assert_eq!(s, 422);
    assert!(body.contains("每家机构至少选派 2 名检查人员"));
    // A window in the past.
    let scope = format!("scope.item:{}", w.item);
    let r = w
        .boss
        .post(
            "/inspections/new",
            &[
                ("title", "过去的抽查"),
                (scope.as_str(), "1"),
                ("rate_pct", "5"),
                ("inspectors_per_agency", "2"),
                ("window_start", &day(-3)),
                ("window_end", &day(-1)),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("检查期间不能早于今天"));
    // No scope, and a scope of another department's item.
    let r = w
        .boss
        .post(
            "/inspections/new",
            &[
                ("title", "无范围"),
                ("scope.item:999999", "1"),
                ("rate_pct", "5"),
                ("inspectors_per_agency", "2"),
                ("window_start", &day(1)),
                ("window_end", &day(2)),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(task_count(&w.app), 0, "nothing saved on refusal");
    // A valid draft, but the pool (1) is short of 2 per agency: publication refused beside
    // the field, the task stays a draft.
    let (s, loc) = create_task(&w, "5", "2").await;
    assert_eq!(s, 303, "{loc}");
    let id = last_task(&w.app);
    let r = w
        .boss
        .post(&format!("/inspections/{id}/publish"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("不足每家机构选派的 2 人"));
    assert_eq!(status_of(&w.app, id), "draft");
    let pop: i64 = inspection_population::table
        .count()
        .get_result(&mut *w.app.conn())
        .unwrap();
    assert_eq!(pop, 0);
}

#[actix_web::test]
async fn an_empty_population_is_refused_at_publication() {
    let w = world(0, 2).await;
    add_to_pool(&w).await;
    let (s, _) = create_task(&w, "10", "2").await;
    assert_eq!(s, 303);
    let id = last_task(&w.app);
    let r = w
        .boss
        .post(&format!("/inspections/{id}/publish"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("抽查范围内目前没有在库的中介机构")
    );
    assert_eq!(status_of(&w.app, id), "draft");
}

#[actix_web::test]
async fn publish_draw_recuse_record_and_the_credit_record() {
    let w = world(20, 4).await;
    add_to_pool(&w).await;
    let (s, loc) = create_task(&w, "10", "2").await;
    assert_eq!(s, 303);
    let id = last_task(&w.app);
    assert_eq!(loc, format!("/inspections/{id}"));
    // Drafts are the department's: another department 403, a visitor is sent to log in.
    assert_eq!(w.other.get(&loc).await.status().as_u16(), 403);
    // Another department cannot edit, publish or draw (403); no CSRF: 403.
    for p in ["publish", "draw", "edit"] {
        let path = format!("/inspections/{id}/{p}");
        assert_eq!(w.other.post(&path, &[]).await.status().as_u16(), 403, "{p}");
        assert_eq!(
            w.boss.post_no_csrf(&path, &[]).await.status().as_u16(),
            403,
            "{p}"
        );
    }
    // Edit while a draft.
    let scope = format!("scope.item:{}", w.item);
    let r = w
        .boss
        .post(
            &format!("/inspections/{id}/edit"),
            &[
                ("title", "2026年度地质灾害评估机构双随机抽查"),
                (scope.as_str(), "1"),
                ("rate_pct", "10"),
                ("inspectors_per_agency", "2"),
                ("window_start", &day(1)),
                ("window_end", &day(20)),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = w.boss.post(&format!("/inspections/{id}/draw"), &[]).await;
    assert_eq!(r.status().as_u16(), 409, "a draft is not drawn");
    // Publish: the population is fixed and hashed, the seed committed.
    let r = w
        .boss
        .post(&format!("/inspections/{id}/publish"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (pop_size, hash, commitment, status): (
        Option<i32>,
        Option<String>,
        Option<String>,
        String,
    ) = inspection_tasks::table
        .find(id)
        .select((
            inspection_tasks::population_size,
            inspection_tasks::population_hash,
            inspection_tasks::seed_commitment,
            inspection_tasks::status,
        ))
        .first(&mut *w.app.conn())
        .unwrap();
    assert_eq!(status, "published");
    assert_eq!(pop_size, Some(20));
    assert_eq!(
        hash.clone().unwrap(),
        rules::population_hash(id, &w.agencies)
    );
    let commitment = commitment.unwrap();
    // Published: no more edits.
    let r = w
        .boss
        .post(
            &format!("/inspections/{id}/edit"),
            &[("title", "改"), ("rate_pct", "50")],
        )
        .await;
    assert_eq!(
        r.status().as_u16(),
        422,
        "the form is refused or the step is"
    );
    let title: String = inspection_tasks::table
        .find(id)
        .select(inspection_tasks::title)
        .first(&mut *w.app.conn())
        .unwrap();
    assert_eq!(title, "2026年度地质灾害评估机构双随机抽查");
    let (s, public) = w.app.get_text(&format!("/inspections/{id}")).await;
    assert_eq!(s, 200);
    assert!(public.contains(&commitment) && public.contains(hash.as_deref().unwrap()));
    // The draw, twice: the second changes nothing.
    let r = w.boss.post(&format!("/inspections/{id}/draw"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let r = w.boss.post(&format!("/inspections/{id}/draw"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let targets: Vec<(i64, i64)> = inspection_targets::table
        .filter(inspection_targets::task_id.eq(id))
        .order(inspection_targets::draw_rank)
        .select((inspection_targets::id, inspection_targets::agency_id))
        .load(&mut *w.app.conn())
        .unwrap();
    assert_eq!(targets.len(), 2, "10% of 20");
    // The proofs recompute, against the published commitment.
    let r = w.app.get(&format!("/inspections/{id}/proof.json")).await;
    assert_eq!(r.status().as_u16(), 200);
    let proofs: serde_json::Value = r.json().await.unwrap();
    let agencies: Proof = serde_json::from_value(proofs["agencies"].clone()).unwrap();
    agencies.verify_published(&commitment).unwrap();
    assert_eq!(agencies.commitments, vec![hash.clone().unwrap()]);
    assert_eq!(
        agencies.ranking[..2].to_vec(),
        targets.iter().map(|t| t.1).collect::<Vec<_>>()
    );
    let first: Proof = serde_json::from_value(proofs["inspectors"][0]["proof"].clone()).unwrap();
    first.verify_published(&commitment).unwrap();
    let cli = zhongjie::cli::verify_inspection_json(&serde_json::to_string(&proofs).unwrap());
    assert!(cli.is_ok(), "{cli:?}");
    // Assignments follow the inspector draw.
    let (tid, agency) = targets[0];
    let assigned: Vec<(i64, i64)> = inspection_assignments::table
        .filter(inspection_assignments::target_id.eq(tid))
        .order(inspection_assignments::draw_pos)
        .select((
            inspection_assignments::inspector_id,
            inspection_assignments::user_id,
        ))
        .load(&mut *w.app.conn())
        .unwrap();
    assert_eq!(
        assigned.iter().map(|a| a.0).collect::<Vec<_>>(),
        first.ranking[..2].to_vec()
    );
    let browser_of = |uid: i64| {
        &w.inspectors
            .iter()
            .find(|(u, _)| *u == uid)
            .expect("inspector")
            .1
    };
    let not_drawn = w
        .inspectors
        .iter()
        .find(|(u, _)| !assigned.iter().any(|a| a.1 == *u))
        .expect("someone not drawn");
    // Someone not drawn for the agency: 403 (logged), for the page and the result.
    let result_path = format!("/inspections/targets/{tid}/result");
    let problem = [
        ("outcome", "rectify"),
        ("findings", "未按规定公示收费标准，档案不全"),
        ("rectify_by", &day(30)),
        ("penalty", ""),
    ];
    assert_eq!(
        not_drawn
            .1
            .get(&format!("/inspections/targets/{tid}"))
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        not_drawn
            .1
            .post(&result_path, &problem)
            .await
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        w.boss.post(&result_path, &problem).await.status().as_u16(),
        403
    );
    // The first drawn inspector recuses: the next place of the draw replaces them.
    let recuser = browser_of(assigned[0].1);
    let r = recuser
        .post(
            &format!("/inspections/targets/{tid}/recuse"),
            &[("reason", "")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422, "a reason is required");
    let r = recuser
        .post(
            &format!("/inspections/targets/{tid}/recuse"),
            &[("reason", "近三年曾在该机构任职")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let now: Vec<(i64, Option<String>)> = inspection_assignments::table
        .filter(inspection_assignments::target_id.eq(tid))
        .order(inspection_assignments::draw_pos)
        .select((
            inspection_assignments::inspector_id,
            inspection_assignments::recused_reason,
        ))
        .load(&mut *w.app.conn())
        .unwrap();
    assert_eq!(now.len(), 3);
    assert_eq!(now[2].0, first.ranking[2], "replaced by the next place");
    assert_eq!(now[0].1.as_deref(), Some("近三年曾在该机构任职"));
    assert_eq!(
        recuser.post(&result_path, &problem).await.status().as_u16(),
        403
    );
    // A drawn inspector: bad input first (422, nothing saved), then a problem.
    let drawn = browser_of(assigned[1].1);
    let r = drawn
        .post(
            &result_path,
            &[
                ("outcome", "rectify"),
                ("findings", ""),
                ("rectify_by", &day(-1)),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("整改期限须晚于今天"), "{body}");
    assert_eq!(
        drawn
            .post_no_csrf(&result_path, &problem)
            .await
            .status()
            .as_u16(),
        403
    );
    let r = drawn.post(&result_path, &problem).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        drawn.post(&result_path, &problem).await.status().as_u16(),
        409
    );
    // The credit record, linked both ways.
    let (rid, kind, ref_kind, ref_id, points): (i64, String, Option<String>, Option<i64>, i32) =
        credit_records::table
            .filter(credit_records::agency_id.eq(agency))
            .select((
                credit_records::id,
                credit_records::kind,
                credit_records::ref_kind,
                credit_records::ref_id,
                credit_records::points,
            ))
            .first(&mut *w.app.conn())
            .unwrap();
    assert_eq!(kind, "inspection_failure");
    assert_eq!(
        (ref_kind.as_deref(), ref_id),
        (Some("inspection"), Some(tid))
    );
    assert_eq!(points, -10);
    let linked: Option<i64> = inspection_targets::table
        .find(tid)
        .select(inspection_targets::credit_record_id)
        .first(&mut *w.app.conn())
        .unwrap();
    assert_eq!(linked, Some(rid));
    let (s, report) = w.app.get_text(&format!("/credit/agencies/{agency}")).await;
    assert_eq!(s, 200);
    assert!(
        report.contains("双随机抽查任务"),
        "the credit report shows it"
    );
    // Published on the task page; the other agency's result completes the task.
    let (_, public) = w.app.get_text(&format!("/inspections/{id}")).await;
    assert!(public.contains("发现问题，责令整改") && public.contains("未按规定公示收费标准"));
    assert!(
        public.contains("近三年曾在该机构任职"),
        "the recusal is shown"
    );
    let (tid2, _) = targets[1];
    let a2: Vec<i64> = inspection_assignments::table
        .filter(inspection_assignments::target_id.eq(tid2))
        .select(inspection_assignments::user_id)
        .load(&mut *w.app.conn())
        .unwrap();
    let r = browser_of(a2[0])
        .post(
            &format!("/inspections/targets/{tid2}/result"),
            &[("outcome", "clear")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(status_of(&w.app, id), "completed");
    // Mail: the drawn agencies, the inspectors, the results.
    let mails = w.app.outbox_bodies();
    assert!(mails.iter().any(|(_, b)| b.contains("被随机抽中")));
    assert!(
        mails
            .iter()
            .any(|(_, b)| b.contains("随机选派参加双随机抽查任务"))
    );
    assert!(
        mails
            .iter()
            .any(|(_, b)| b.contains("检查结论为：发现问题，责令整改"))
    );
    // Audit at every step.
    let actions: Vec<String> = audit_log::table
        .select(audit_log::action)
        .load(&mut *w.app.conn())
        .unwrap();
    for a in [
        "inspection.inspector.add",
        "inspection.task.create",
        "inspection.task.update",
        "inspection.task.publish",
        "inspection.task.draw",
        "inspection.recuse",
        "inspection.result",
        "credit.record.add",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a}");
    }
    // The public list shows the task and its coverage (2 of 20).
    let (s, list) = w.app.get_text("/inspections").await;
    assert_eq!(s, 200);
    assert!(list.contains("2026年度地质灾害评估机构双随机抽查"));
    assert!(list.contains("10.0%"));
    // The inspectors' names are masked in public.
    assert!(!public.contains("SC-ZF-00100"));
}
