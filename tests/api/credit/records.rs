//! The credit library: reports a reader can recompute, the regulator's record and revocation
//! forms (rules, domain, append-only), rule publishing and regrading, the daily job.

use chrono::NaiveDate;
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::credit::store::credit::NewRecord;
use zhongjie::db::schema::{
    agencies, audit_log, credit_records, credit_rule_sets, job_runs, users,
};
use zhongjie::domain::credit::{Kind, Source};

use crate::accounts::auth::clone_app;
use crate::fixtures::OfferBuilder;
use crate::helpers::*;

const BOUNDARY: &str = "----zjCreditBoundary3kd9Qx";

fn multipart_body(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, filename, bytes)) = file {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

async fn post_multipart(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> (u16, String, String) {
    let token = app.csrf().await;
    let mut f = fields.to_vec();
    f.push(("csrf", &token));
    let r = app
        .client
        .post(app.url(path))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart_body(&f, file))
        .send()
        .await
        .unwrap();
    let loc = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (r.status().as_u16(), loc, r.text().await.unwrap_or_default())
}

/// Department zrzyj (reviews geo_hazard certificates) and a second one.
fn departments(app: &TestApp) -> (i64, i64) {
    let a = crate::fixtures::department(app, "zrzyj", "攀枝花市自然资源和规划局", "NR");
    let b = crate::fixtures::department(app, "zjj", "攀枝花市住房和城乡建设局", "Housing");
    (a, b)
}

fn set_department(app: &TestApp, user: i64, dept: i64) {
    let mut c = app.conn();
    diesel::update(users::table.find(user))
        .set(users::department_id.eq(Some(dept)))
        .execute(&mut *c)
        .unwrap();
}

/// An agency in zrzyj's domain (an approved geo_hazard certificate), named `name`.
async fn agency_in_domain(app: &TestApp, email: &str, name: &str) -> i64 {
    let id = app.create_user(Role::Agency, email).await;
    let mut c = app.conn();
    diesel::update(agencies::table.find(id))
        .set(agencies::name.eq(name))
        .execute(&mut *c)
        .unwrap();
    let today = zhongjie::db::today();
    zhongjie::library::store::agency::add_certificate(
        &mut c,
        &zhongjie::library::store::agency::NewCertificate {
            agency_id: id,
            qual_type: "geo_hazard".into(),
            level: 1,
            number: format!("DZ-{id}"),
            issuer: "四川省自然资源厅".into(),
            valid_from: today - chrono::Duration::days(100),
            valid_to: today + chrono::Duration::days(700),
            upload_id: None,
            review_due: today,
        },
    )
    .unwrap();
    // Approved: a pending certificate, which the agency alone puts there, founds no reach.
    diesel::update(
        zhongjie::db::schema::agency_certificates::table
            .filter(zhongjie::db::schema::agency_certificates::agency_id.eq(id)),
    )
    .set(zhongjie::db::schema::agency_certificates::status.eq("approved"))
    .execute(&mut *c)
    .unwrap();
    id
}

fn add(app: &TestApp, agency: i64, kind: Kind, points: i32, stars: Option<i32>) -> i64 {
    let mut c = app.conn();
    let mut n = NewRecord::new(
        agency,
        kind,
        points,
        if kind == Kind::Evaluation {
            Source::OwnerFeedback
        } else {
            kind.regulator_source()
        },
    );
    n.stars_x100 = stars;
    n.department_id = zhongjie::accounts::store::department::all(&mut c)
        .unwrap()
        .iter()
        .find(|d| d.code == "zrzyj")
        .map(|d| d.id);
    n.evidence = "攀自然资罚〔2026〕3号";
    n.legal_basis = "《中介服务管理办法》第十二条";
    n.effective_on = zhongjie::db::today() - chrono::Duration::days(10);
    zhongjie::db::write_tx(&mut c, |c| {
        zhongjie::credit::store::credit::insert_record(c, &n)
    })
    .unwrap()
}

fn records(app: &TestApp, agency: i64) -> i64 {
    let mut c = app.conn();
    credit_records::table
        .filter(credit_records::agency_id.eq(agency))
        .count()
        .get_result(&mut *c)
        .unwrap()
}

fn cached(app: &TestApp, agency: i64) -> (Option<String>, Option<i32>) {
    let mut c = app.conn();
    agencies::table
        .find(agency)
        .select((agencies::grade, agencies::credit_score))
        .first(&mut *c)
        .unwrap()
}

#[actix_web::test]
async fn the_report_lets_a_reader_recompute_the_score_and_json_agrees() {
    let app = spawn_app().await;
    departments(&app);
    let a = agency_in_domain(&app, "a@example.com", "攀枝花市测绘科技有限公司").await;
    add(&app, a, Kind::Forfeit, -5, None);
    add(&app, a, Kind::UpheldComplaint, -3, None);
    add(&app, a, Kind::AbnormalOperation, -5, None);
    add(&app, a, Kind::Commendation, 2, None);
    add(&app, a, Kind::Evaluation, 0, Some(420));
    // 62 + 5 + 20 × (4.20 − 1) ÷ 4 = 16 + 2 = 85: grade B.
    assert_eq!(cached(&app, a), (Some("B".into()), Some(8500)));
    let (s, body) = app.get_text(&format!("/credit/agencies/{a}")).await;
    assert_eq!(s, 200);
    for part in [
        "70 − 5 − 3 = 62",
        "10 − 5 = 5",
        "20 × ((4.20 − 1)) ÷ (4 × 1) = 16.00",
        "+2",
        "62 + 5 + 16 + 2 = 85.00",
        "攀自然资罚〔2026〕3号",
        "《中介服务管理办法》第十二条",
        "中选后放弃",
        "投诉查实",
        "攀枝花市自然资源和规划局",
    ] {
        assert!(body.contains(part), "report lacks {part}");
    }
    assert!(!body.contains("守信"), "B is not on the red list");
    let (s, json) = app.get_text(&format!("/credit/agencies/{a}.json")).await;
    assert_eq!(s, 200);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["score_x100"], 8500);
    assert_eq!(v["score"], "85.00");
    assert_eq!(v["grade"], "B");
    assert_eq!(v["rule_version"], 1);
    let parts: Vec<i64> = v["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value_x100"].as_i64().unwrap())
        .collect();
    assert_eq!(parts, vec![6200, 500, 1600, 200]);
    assert_eq!(v["counted"].as_array().unwrap().len(), 5);
    let sum: i64 = v["counted"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] != "evaluation")
        .map(|r| r["points"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, -11);
    // The library's grade filter now finds it; the credit list too, with the filter.
    let (_, lib) = app.get_text("/agencies?grade=B").await;
    assert!(lib.contains("攀枝花市测绘科技有限公司"));
    let (_, lib) = app.get_text("/agencies?grade=A").await;
    assert!(!lib.contains("攀枝花市测绘科技有限公司"));
    let (s, list) = app.get_text("/credit?grade=B").await;
    assert_eq!(s, 200);
    assert!(list.contains("攀枝花市测绘科技有限公司"));
    assert!(list.contains(&format!("/credit/agencies/{a}")));
    let (_, list) = app.get_text("/credit?grade=A").await;
    assert!(!list.contains("攀枝花市测绘科技有限公司"));
    let (_, list) = app.get_text("/credit?q=%E6%B5%8B%E7%BB%98").await;
    assert!(
        list.contains("攀枝花市测绘科技有限公司"),
        "name search 测绘"
    );
    assert_eq!(
        app.get("/credit/agencies/999999").await.status().as_u16(),
        404
    );
    assert_eq!(
        app.get("/credit/agencies/x.json").await.status().as_u16(),
        404
    );
}

#[actix_web::test]
async fn the_credit_list_pages_by_keyset_in_grade_order() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for i in 0..45 {
        ids.push(
            app.create_user(Role::Agency, &format!("g{i}@example.com"))
                .await,
        );
    }
    // Some Cs, some Bs, the rest A (commended: an agency without any record is not rated).
    for (i, id) in ids.iter().enumerate() {
        if i % 3 == 0 {
            add(&app, *id, Kind::InspectionFailure, -10, None);
        }
        if i % 5 == 0 {
            add(&app, *id, Kind::FalseMaterials, -20, None);
        }
        if i % 3 != 0 && i % 5 != 0 {
            add(&app, *id, Kind::Commendation, 2, None);
        }
    }
    {
        let mut c = app.conn();
        zhongjie::credit::store::credit::recompute_all(&mut c, zhongjie::db::today(), 7).unwrap();
    }
    let mut seen = Vec::new();
    let mut url = "/credit".to_string();
    let mut pages = 0;
    loop {
        let (s, body) = app.get_text(&url).await;
        assert_eq!(s, 200);
        pages += 1;
        for part in body.split("href=\"/credit/agencies/").skip(1) {
            let id: i64 = part.split('"').next().unwrap().parse().unwrap();
            seen.push(id);
        }
        let Some(i) = body.find("rel=\"next\" href=\"") else {
            break;
        };
        let rest = &body[i + 17..];
        url = rest[..rest.find('"').unwrap()].replace("&amp;", "&");
    }
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 45, "every agency once");
    // Grade order: the scores never rise within the walk.
    let scores: Vec<i32> = seen.iter().map(|id| cached(&app, *id).1.unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // A bookmark with a broken cursor still shows the first page.
    assert_eq!(
        app.get("/credit?after=zz.1&grade=Q")
            .await
            .status()
            .as_u16(),
        200
    );
}

#[actix_web::test]
async fn a_regulator_records_only_points_the_rules_give() {
    let app = spawn_app().await;
    let (nr, _) = departments(&app);
    let a = agency_in_domain(&app, "a@example.com", "甲机构").await;
    let r = app.signed_in(Role::Regulator, "r@example.com").await;
    set_department(&app, r, nr);
    let (s, body) = app
        .get_text(&format!("/regulate/agencies/{a}/records/new"))
        .await;
    assert_eq!(s, 200);
    assert!(body.contains("中选后放弃"));
    let path = format!("/regulate/agencies/{a}/records/new");
    // Forfeit must be −5.
    let (s, _, body) = post_multipart(
        &app,
        &path,
        &[
            ("kind", "forfeit"),
            ("points", "-6"),
            ("evidence", "中选后无正当理由放弃"),
            ("legal_basis", "《办法》第二十条"),
            ("effective_on", ""),
        ],
        None,
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("本类记录应为 −5 分"), "{body}");
    // Late delivery: a whole number of −2 steps.
    let (s, _, body) = post_multipart(
        &app,
        &path,
        &[
            ("kind", "late_delivery"),
            ("points", "-3"),
            ("evidence", "逾期 15%"),
            ("legal_basis", "合同第八条"),
        ],
        None,
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("−2×n"), "{body}");
    // Missing evidence, a future date, a kind not on the form, a non-PDF file.
    let tomorrow = (zhongjie::db::today() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let (s, _, body) = post_multipart(
        &app,
        &path,
        &[
            ("kind", "blacklisted"),
            ("points", "abc"),
            ("evidence", " "),
            ("legal_basis", "x"),
            ("effective_on", &tomorrow),
        ],
        Some(("document", "evil.pdf", b"MZ\x90\x00")),
    )
    .await;
    assert_eq!(s, 422);
    for m in [
        "此类信用记录不能在此录入",
        "请输入整数",
        "此项为必填项",
        "生效日期不能晚于今天",
    ] {
        assert!(body.contains(m), "lacks {m}");
    }
    assert_eq!(records(&app, a), 0, "nothing saved");
    // A valid record with its evidence document.
    let (s, loc, _) = post_multipart(
        &app,
        &path,
        &[
            ("kind", "forfeit"),
            ("points", "−5"),
            ("evidence", "中选后放弃，联系人 13812345678"),
            ("legal_basis", "《办法》第二十条"),
        ],
        Some(("document", "decision.pdf", b"%PDF-1.7\n%test\n")),
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(loc, format!("/regulate/agencies/{a}/records"));
    assert_eq!(records(&app, a), 1);
    assert_eq!(cached(&app, a), (Some("A".into()), Some(9500)));
    {
        let mut c = app.conn();
        let n: i64 = audit_log::table
            .filter(audit_log::action.eq("credit.record.add"))
            .count()
            .get_result(&mut *c)
            .unwrap();
        assert_eq!(n, 1);
    }
    let mails = app.outbox_bodies();
    assert!(
        mails.iter().any(|(to, b)| to == "a@example.com"
            && b.contains("中选后放弃")
            && b.contains("-5")
            || to == "a@example.com" && b.contains("−5")),
        "{mails:?}"
    );
    // The public report masks the phone number and offers the document only to those who may.
    let (_, rep) = app.get_text(&format!("/credit/agencies/{a}")).await;
    assert!(rep.contains("138****5678") && !rep.contains("13812345678"));
    let rid: i64 = {
        let mut c = app.conn();
        credit_records::table
            .filter(credit_records::agency_id.eq(a))
            .select(credit_records::id)
            .first(&mut *c)
            .unwrap()
    };
    let doc = app.get(&format!("/credit/records/{rid}/evidence")).await;
    assert_eq!(doc.status().as_u16(), 200);
    let visitor = clone_app(&app);
    assert_eq!(
        visitor
            .get(&format!("/credit/records/{rid}/evidence"))
            .await
            .status()
            .as_u16(),
        303
    );
    // A false report also leads to the blacklist form.
    let (s, loc, _) = post_multipart(
        &app,
        &path,
        &[
            ("kind", "false_report"),
            ("points", "-30"),
            ("evidence", "出具虚假评估报告"),
            ("legal_basis", "《办法》第二十五条"),
        ],
        None,
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(loc, format!("/regulate/agencies/{a}/blacklist/new"));
    // Without a CSRF token nothing is saved.
    let r = app
        .client
        .post(app.url(&path))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart_body(
            &[
                ("kind", "forfeit"),
                ("points", "-5"),
                ("evidence", "x"),
                ("legal_basis", "y"),
            ],
            None,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(records(&app, a), 2);
}

#[actix_web::test]
async fn a_regulator_outside_the_domain_gets_403_with_the_reason() {
    let app = spawn_app().await;
    let (_, housing) = departments(&app);
    let a = agency_in_domain(&app, "a@example.com", "甲机构").await;
    let rid = add(&app, a, Kind::Forfeit, -5, None);
    let r = app.signed_in(Role::Regulator, "r@example.com").await;
    set_department(&app, r, housing);
    let (s, body) = app
        .get_text(&format!("/regulate/agencies/{a}/records/new"))
        .await;
    assert_eq!(s, 403);
    assert!(body.contains("不在贵单位的监管范围内"), "{body}");
    let (s, _, body) = post_multipart(
        &app,
        &format!("/regulate/agencies/{a}/records/new"),
        &[
            ("kind", "forfeit"),
            ("points", "-5"),
            ("evidence", "x"),
            ("legal_basis", "y"),
        ],
        None,
    )
    .await;
    assert_eq!(s, 403);
    assert!(body.contains("不在贵单位的监管范围内"));
    let r = app
        .post(
            &format!("/regulate/records/{rid}/revoke"),
            &[("reason", "误录")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(records(&app, a), 1);
}

#[actix_web::test]
async fn revoking_restores_the_score_once_and_records_are_append_only() {
    let app = spawn_app().await;
    let (nr, _) = departments(&app);
    let a = agency_in_domain(&app, "a@example.com", "甲机构").await;
    let keep = add(&app, a, Kind::UpheldComplaint, -3, None);
    let before = cached(&app, a);
    let rid = add(&app, a, Kind::InspectionFailure, -10, None);
    assert_eq!(cached(&app, a), (Some("B".into()), Some(8700)));
    let r = app.signed_in(Role::Regulator, "r@example.com").await;
    set_department(&app, r, nr);
    let (s, body) = app
        .get_text(&format!("/regulate/agencies/{a}/records"))
        .await;
    assert_eq!(s, 200);
    assert!(body.contains(&format!("/regulate/records/{rid}/revoke")));
    // A reason is required.
    let r = app
        .post(
            &format!("/regulate/records/{rid}/revoke"),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("此项为必填项"));
    let r = app
        .post(
            &format!("/regulate/records/{rid}/revoke"),
            &[("reason", "检查结论已被复核撤销")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(cached(&app, a), before, "the score is restored exactly");
    let again = app
        .post(
            &format!("/regulate/records/{rid}/revoke"),
            &[("reason", "再次撤销")],
        )
        .await;
    assert_eq!(again.status().as_u16(), 409);
    assert!(again.text().await.unwrap().contains("已经撤销过"));
    // The report lists the revoked record separately, with the reason.
    let (_, rep) = app.get_text(&format!("/credit/agencies/{a}")).await;
    assert!(rep.contains("不再计分的记录") && rep.contains("检查结论已被复核撤销"));
    let json: serde_json::Value =
        serde_json::from_str(&app.get_text(&format!("/credit/agencies/{a}.json")).await.1).unwrap();
    assert_eq!(json["counted"].as_array().unwrap().len(), 1);
    assert_eq!(json["counted"][0]["id"], keep);
    assert!(
        json["not_counted"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == rid && r["status"] == "revoked")
    );
    assert!(
        app.outbox_bodies()
            .iter()
            .any(|(to, b)| to == "a@example.com" && b.contains("检查结论已被复核撤销"))
    );
    // Never updated, never deleted.
    let mut c = app.conn();
    let upd = diesel::update(credit_records::table.find(rid))
        .set(credit_records::points.eq(0))
        .execute(&mut *c);
    assert!(upd.is_err(), "UPDATE must fail");
    let del = diesel::delete(credit_records::table.find(rid)).execute(&mut *c);
    assert!(del.is_err(), "DELETE must fail");
}

fn rules_form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f: Vec<(&str, &str)> = vec![
        ("grade_a", "90"),
        ("grade_b", "75"),
        ("grade_c", "60"),
        ("late_step_percent", "10"),
        ("repair_after_percent", "50"),
        ("validity_years", "3"),
        ("points.late_delivery", "-2"),
        ("points.forfeit", "-5"),
        ("points.refused_to_sign", "-5"),
        ("points.false_materials", "-20"),
        ("points.false_report", "-30"),
        ("points.upheld_complaint", "-3"),
        ("points.inspection_failure", "-10"),
        ("points.commendation", "2"),
        ("points.abnormal_operation", "-5"),
        ("points.blacklisted", "-10"),
        ("note", "调整说明"),
    ];
    for (k, v) in overrides {
        if let Some(x) = f.iter_mut().find(|x| x.0 == *k) {
            x.1 = v;
        }
    }
    f
}

fn versions(app: &TestApp) -> i64 {
    let mut c = app.conn();
    credit_rule_sets::table.count().get_result(&mut *c).unwrap()
}

#[actix_web::test]
async fn an_admin_publishes_rules_and_the_job_regrades() {
    let app = spawn_app().await;
    let a = app.create_user(Role::Agency, "a@example.com").await;
    add(&app, a, Kind::Forfeit, -5, None);
    assert_eq!(cached(&app, a), (Some("A".into()), Some(9500)));
    app.signed_in(Role::Admin, "admin@example.com").await;
    let (s, body) = app.get_text("/admin/credit-rules").await;
    assert_eq!(s, 200);
    assert!(
        body.contains("value=\"-30\""),
        "prefilled with the current rules"
    );
    // Thresholds out of order, a positive deduction, no note.
    let bad = rules_form(&[
        ("grade_b", "95"),
        ("points.forfeit", "5"),
        ("validity_years", "x"),
        ("note", ""),
    ]);
    let r = app.post("/admin/credit-rules", &bad).await;
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    for m in [
        "B 级分数线应低于 A 级分数线",
        "监管扣分应为 −1 至 −70 分",
        "请输入整数",
        "此项为必填项",
    ] {
        assert!(body.contains(m), "lacks {m}");
    }
    assert_eq!(versions(&app), 1);
    // English too.
    let r = app.post("/admin/credit-rules?lang=en", &bad).await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("must be below the grade A threshold")
    );
    app.get("/credit/rules?lang=zh-CN").await;
    // A valid version 2: grade A now needs 96.
    let r = app
        .post(
            "/admin/credit-rules",
            &rules_form(&[("grade_a", "96"), ("note", "提高 A 级标准")]),
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(versions(&app), 2);
    let (_, page) = app.get_text("/credit/rules").await;
    assert!(page.contains("第 2 版") && page.contains("提高 A 级标准") && page.contains("第 1 版"));
    {
        let mut c = app.conn();
        let n: i64 = audit_log::table
            .filter(audit_log::action.eq("credit.rules.publish"))
            .count()
            .get_result(&mut *c)
            .unwrap();
        assert_eq!(n, 1);
        // The job's regrade (without the settle margin, which only guards concurrent writers).
        let today = zhongjie::db::today();
        let n = zhongjie::credit::store::credit::regrade_stale(
            &mut c,
            today,
            500,
            chrono::Duration::zero(),
        )
        .unwrap();
        assert!(n >= 1);
        // Idempotent: nothing is stale any more.
        assert_eq!(
            zhongjie::credit::store::credit::regrade_stale(
                &mut c,
                today,
                500,
                chrono::Duration::zero()
            )
            .unwrap(),
            0
        );
    }
    assert_eq!(cached(&app, a), (Some("B".into()), Some(9500)));
    let (_, rep) = app.get_text(&format!("/credit/agencies/{a}")).await;
    assert!(rep.contains("第 2 版"));
}

#[actix_web::test]
async fn new_agencies_are_scored_by_the_running_job_but_not_rated_until_a_record() {
    let app = spawn_app().await;
    let a = app.create_user(Role::Agency, "a@example.com").await;
    for _ in 0..50 {
        if cached(&app, a).1.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Scored (weighted scoring reads it), but no grade: 暂无评价, not 守信 A.
    assert_eq!(cached(&app, a), (None, Some(10000)));
    {
        let mut c = app.conn();
        let mut n = NewRecord::new(a, Kind::Commendation, 2, Source::Regulator);
        n.evidence = "x";
        zhongjie::db::write_tx(&mut c, |c| {
            zhongjie::credit::store::credit::insert_record(c, &n)
        })
        .unwrap();
    }
    assert_eq!(cached(&app, a), (Some("A".into()), Some(10000)));
}

#[actix_web::test]
async fn the_daily_job_runs_once_across_instances_and_expires_records() {
    let app = spawn_app().await;
    let sibling = spawn_sibling(&app, None).await;
    let today = zhongjie::db::today();
    // Both instances' workers try today's run at start; one wins.
    let mut claims = 0;
    for _ in 0..50 {
        let mut c = app.conn();
        claims = job_runs::table
            .filter(job_runs::name.eq(zhongjie::jobs::DAILY))
            .filter(job_runs::run_on.eq(today))
            .filter(job_runs::finished_at.is_not_null())
            .count()
            .get_result::<i64>(&mut *c)
            .unwrap();
        if claims > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(claims, 1);
    // A record that stops counting tomorrow: tomorrow's run (by whichever instance claims it
    // first) recomputes the agency; the other does nothing.
    let a = app.create_user(Role::Agency, "a@example.com").await;
    let tomorrow = today + chrono::Duration::days(1);
    {
        let mut c = app.conn();
        let mut n = NewRecord::new(a, Kind::InspectionFailure, -10, Source::Regulator);
        n.evidence = "x";
        n.effective_on = today - chrono::Duration::days(30);
        n.valid_until = Some(tomorrow);
        zhongjie::db::write_tx(&mut c, |c| {
            zhongjie::credit::store::credit::insert_record(c, &n)
        })
        .unwrap();
    }
    assert_eq!(cached(&app, a).1, Some(9000));
    let (first, second) = {
        let mut c1 = app.conn();
        let mut c2 = sibling.conn();
        let first = zhongjie::jobs::daily(&mut c1, tomorrow, &app.config.instance_id).unwrap();
        let second = zhongjie::jobs::daily(&mut c2, tomorrow, &sibling.config.instance_id).unwrap();
        (first, second)
    };
    assert!(first.is_some_and(|(n, _)| n >= 1), "{first:?}");
    assert_eq!(second, None);
    assert_eq!(cached(&app, a).1, Some(10000));
    let mut c = app.conn();
    let runs: Vec<NaiveDate> = job_runs::table
        .filter(job_runs::name.eq(zhongjie::jobs::DAILY))
        .select(job_runs::run_on)
        .order(job_runs::run_on)
        .load(&mut *c)
        .unwrap();
    assert_eq!(runs, vec![today, tomorrow]);
}

#[actix_web::test]
async fn demo_agencies_have_grades_a_b_and_c() {
    let app = spawn_web_only().await;
    {
        let mut c = app.conn();
        zhongjie::demo::load(&mut c, &app.config).unwrap();
    }
    let mut c = app.conn();
    let grades: Vec<Option<String>> = agencies::table
        .select(agencies::grade)
        .load(&mut *c)
        .unwrap();
    for g in ["A", "B", "C"] {
        assert!(grades.contains(&Some(g.to_string())), "{g}: {grades:?}");
    }
    // Agencies with neither a credit record nor a contract are 暂无评价 (no grade).
    let ungraded: Vec<i64> = agencies::table
        .filter(agencies::grade.is_null())
        .select(agencies::user_id)
        .load(&mut *c)
        .unwrap();
    let with_records: i64 = credit_records::table
        .filter(credit_records::agency_id.eq_any(&ungraded))
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(with_records, 0, "every agency with a record is graded");
    let unscored: i64 = agencies::table
        .filter(agencies::credit_score.is_null())
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(unscored, 0, "every agency scored");
    let revoked: i64 = credit_records::table
        .filter(credit_records::kind.eq("revocation"))
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(revoked, 1);
    drop(c);
    let (s, body) = app.get_text("/credit").await;
    assert_eq!(s, 200);
    assert!(body.contains("守信"));
}

/// Department `dept` records an inspection failure on `agency`.
fn add_by(app: &TestApp, agency: i64, dept: i64) -> i64 {
    let mut c = app.conn();
    let mut n = NewRecord::new(
        agency,
        Kind::InspectionFailure,
        -10,
        Kind::InspectionFailure.regulator_source(),
    );
    n.department_id = Some(dept);
    n.evidence = "攀自然资检〔2026〕8号";
    n.legal_basis = "《中介服务管理办法》第十二条";
    n.effective_on = zhongjie::db::today() - chrono::Duration::days(5);
    zhongjie::db::write_tx(&mut c, |c| {
        zhongjie::credit::store::credit::insert_record(c, &n)
    })
    .unwrap()
}

#[actix_web::test]
async fn only_the_department_that_made_a_record_or_an_admin_revokes_it() {
    let app = spawn_app().await;
    let (nr, housing) = departments(&app);
    // The agency is in both departments' domains: a geo-hazard certificate (自然资源) and an
    // item of 住建 it offers.
    let a = agency_in_domain(&app, "a@example.com", "甲机构").await;
    let item = crate::fixtures::ItemBuilder::new("ZJ-003", "房屋安全鉴定")
        .keywords("鉴定")
        .industry("construction")
        .approval("危房改造")
        .legal_basis("《城市危险房屋管理规定》")
        .time_limit(15)
        .insert(&app, housing);
    OfferBuilder::new(item).insert(&app, a);
    // Two records made by 自然资源.
    let first = add_by(&app, a, nr);
    let second = add_by(&app, a, nr);
    let score = cached(&app, a);

    // 住建 regulates the agency too, but the records are not its own.
    let x = clone_app(&app);
    let xid = x.signed_in(Role::Regulator, "housing@example.com").await;
    set_department(&app, xid, housing);
    let (s, page) = x.get_text(&format!("/regulate/agencies/{a}/records")).await;
    assert_eq!(s, 200, "in its domain: it sees the records");
    assert!(
        !page.contains(&format!("/regulate/records/{first}/revoke"))
            && !page.contains(&format!("/regulate/records/{second}/revoke")),
        "no revoke button for another department's record"
    );
    assert!(page.contains("/records/new"), "it may still add its own");
    let r = x
        .post(
            &format!("/regulate/records/{first}/revoke"),
            &[("reason", "误录")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("由其他部门作出"), "{body}");
    // Nothing changed, and the denial is logged with the action and the department.
    assert_eq!(records(&app, a), 2);
    assert_eq!(cached(&app, a), score);
    let revocations: i64 = credit_records::table
        .filter(credit_records::kind.eq("revocation"))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(revocations, 0);
    let logs = captured_logs();
    assert!(
        logs.lines().any(|l| l.contains("denied: not allowed")
            && l.contains(&format!(
                "RevokeCreditRecord {{ department_id: Some({nr}), in_domain: true }}"
            ))
            && l.contains(&format!("/regulate/records/{first}/revoke"))),
        "the denial is logged"
    );

    // An admin may revoke it (and sees the button, but no form to add records).
    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;
    let (s, page) = admin
        .get_text(&format!("/regulate/agencies/{a}/records"))
        .await;
    assert_eq!(s, 200);
    assert!(page.contains(&format!("/regulate/records/{first}/revoke")));
    assert!(!page.contains("/records/new"));
    let r = admin
        .post(
            &format!("/regulate/records/{first}/revoke"),
            &[("reason", "检查结论已被复议撤销")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);

    // The department that made it may revoke its own.
    let y = clone_app(&app);
    let yid = y.signed_in(Role::Regulator, "nr@example.com").await;
    set_department(&app, yid, nr);
    let (_, page) = y.get_text(&format!("/regulate/agencies/{a}/records")).await;
    assert!(page.contains(&format!("/regulate/records/{second}/revoke")));
    let r = y
        .post(
            &format!("/regulate/records/{second}/revoke"),
            &[("reason", "录入有误")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(records(&app, a), 4, "two records, two revocations");
    let by: Vec<(Option<i64>, Option<i64>)> = credit_records::table
        .filter(credit_records::kind.eq("revocation"))
        .order(credit_records::id)
        .select((credit_records::revokes_id, credit_records::department_id))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(by, [(Some(first), None), (Some(second), Some(nr))]);
}

#[actix_web::test]
async fn an_agency_that_removes_every_item_stays_within_its_regulators_reach() {
    let app = spawn_app().await;
    let (nr, housing) = departments(&app);
    let item = crate::fixtures::ItemBuilder::new("ZJ-007", "房屋建筑工程监理")
        .keywords("监理")
        .industry("construction")
        .approval("施工许可")
        .legal_basis("《建设工程质量管理条例》")
        .time_limit(30)
        .insert(&app, housing);
    let ag = clone_app(&app);
    let a = ag.signed_in(Role::Agency, "a@example.com").await;
    OfferBuilder::new(item).committed_days(20).insert(&app, a);
    // A certificate the agency submits itself (pending) puts it in no department's reach.
    let today = zhongjie::db::today();
    zhongjie::library::store::agency::add_certificate(
        &mut app.conn(),
        &zhongjie::library::store::agency::NewCertificate {
            agency_id: a,
            qual_type: "geo_hazard".into(),
            level: 1,
            number: "DZ-PENDING".into(),
            issuer: "四川省自然资源厅".into(),
            valid_from: today - chrono::Duration::days(10),
            valid_to: today + chrono::Duration::days(700),
            upload_id: None,
            review_due: today,
        },
    )
    .unwrap();
    let other = clone_app(&app);
    let oid = other.signed_in(Role::Regulator, "nr@example.com").await;
    set_department(&app, oid, nr);
    let (s, _) = other
        .get_text(&format!("/regulate/agencies/{a}/records/new"))
        .await;
    assert_eq!(s, 403, "a pending certificate founds no reach");

    // The agency removes every item it offers, through its profile.
    let offers: Vec<i64> = zhongjie::db::schema::agency_items::table
        .filter(zhongjie::db::schema::agency_items::agency_id.eq(a))
        .select(zhongjie::db::schema::agency_items::id)
        .load(&mut *app.conn())
        .unwrap();
    for o in offers {
        let r = ag.post(&format!("/agency/items/{o}/remove"), &[]).await;
        assert_eq!(r.status().as_u16(), 303);
    }
    let left: i64 = zhongjie::db::schema::agency_items::table
        .filter(zhongjie::db::schema::agency_items::agency_id.eq(a))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(left, 0);

    // Its regulator still records a credit record and blacklists it.
    let reg = clone_app(&app);
    let rid = reg.signed_in(Role::Regulator, "zj@example.com").await;
    set_department(&app, rid, housing);
    let (s, _, body) = post_multipart(
        &reg,
        &format!("/regulate/agencies/{a}/records/new"),
        &[
            ("kind", "inspection_failure"),
            ("points", "-10"),
            ("evidence", "攀住建检〔2026〕12号：监理日志缺失"),
            ("legal_basis", "《建设工程质量管理条例》第三十八条"),
        ],
        None,
    )
    .await;
    assert_eq!(s, 303, "{body}");
    assert_eq!(records(&app, a), 1);
    let r = reg
        .post(
            &format!("/regulate/agencies/{a}/blacklist/new"),
            &[
                ("reason", "出具虚假监理报告"),
                ("legal_basis", "《四川省社会信用条例》第三十条"),
                ("starts_on", &today.format("%Y-%m-%d").to_string()),
                (
                    "ends_on",
                    &(today + chrono::Duration::days(400))
                        .format("%Y-%m-%d")
                        .to_string(),
                ),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let listed: i64 = zhongjie::db::schema::blacklist_entries::table
        .filter(zhongjie::db::schema::blacklist_entries::agency_id.eq(a))
        .filter(zhongjie::db::schema::blacklist_entries::department_id.eq(housing))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(listed, 1);
    // The withdrawal is history the agency cannot erase.
    let history: Vec<(i64, bool)> = zhongjie::db::schema::agency_offer_history::table
        .filter(zhongjie::db::schema::agency_offer_history::agency_id.eq(a))
        .select((
            zhongjie::db::schema::agency_offer_history::item_id,
            zhongjie::db::schema::agency_offer_history::offered_until.is_not_null(),
        ))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(history, [(item, true)]);
    let erase =
        diesel::delete(zhongjie::db::schema::agency_offer_history::table).execute(&mut *app.conn());
    assert!(erase.is_err(), "offer history is never deleted");
    // Another department, which it never had to do with, is still outside.
    let (s, _) = other
        .get_text(&format!("/regulate/agencies/{a}/records/new"))
        .await;
    assert_eq!(s, 403);
}
