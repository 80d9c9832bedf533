//! Fulfilment, evaluation and figures (issue 6 items 4–6). Signed contracts are planted by
//! `signed_contract` (an awarded announcement plus a `contracts` row with status "signed"):
//! switch that one function to the drafting and signing flow once it lands.

use chrono::Duration;
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::{
    audit_log, contract_amendments, contract_deliverables, contract_payments, contract_reminders,
    contracts, credit_records, evaluations, outbox,
};

use crate::accounts::auth::clone_app;
use crate::fixtures::{AnnouncementBuilder, ContractBuilder, Parties, ProjectBuilder};
use crate::helpers::*;

const BOUNDARY: &str = "----zjFulfilBoundary1f2e3d4c";

/// A signed contract and a browser for each party.
pub struct Signed {
    pub id: i64,
    pub owner: TestApp,
    pub owner_id: i64,
    pub agency: TestApp,
    pub agency_id: i64,
    pub department_id: i64,
    pub item_id: i64,
}

/// Plants a signed contract: department, catalogue item (statutory limit 20 working days),
/// owner, agency, project, an awarded announcement and the contract row, signed
/// `signed_days_ago` calendar days ago with `limit_days` working days. `n` keeps the e-mail
/// addresses of several contracts in one test apart.
pub async fn signed_contract(
    app: &TestApp,
    n: usize,
    limit_days: i32,
    signed_days_ago: i64,
) -> Signed {
    let department_id = {
        let mut c = app.conn();
        match zhongjie::accounts::store::department::all(&mut c)
            .unwrap()
            .first()
        {
            Some(d) => d.id,
            None => zhongjie::accounts::store::department::insert(
                &mut c,
                "fgw",
                "攀枝花市发展和改革委员会",
                "DRC",
            )
            .unwrap(),
        }
    };
    let item_id = {
        let mut c = app.conn();
        match zhongjie::catalogue::store::find_by_code(&mut c, "FGW-001").unwrap() {
            Some(i) => i.id,
            None => crate::fixtures::ItemBuilder::new("FGW-001", "节能评估报告编制")
                .keywords("节能")
                .industry("energy")
                .approval("固定资产投资项目节能审查")
                .legal_basis("《固定资产投资项目节能审查办法》")
                .insert(app, department_id),
        }
    };
    let owner = clone_app(app);
    let owner_email = format!("owner{n}@example.com");
    let owner_id = owner.signed_in(Role::Owner, &owner_email).await;
    let agency = clone_app(app);
    let agency_email = format!("agency{n}@example.com");
    let agency_id = agency.signed_in(Role::Agency, &agency_email).await;
    let now = zhongjie::db::now();
    let signed_at = now - Duration::days(signed_days_ago);
    // A published model text to draft from (the demo's environmental-assessment text).
    let version_id = {
        use zhongjie::db::schema::model_text_versions;
        let mut c = app.conn();
        let (industry, title, body) = zhongjie::demo::contracts::TEXTS[0];
        let system = zhongjie::audit::Actor::system();
        let text = zhongjie::contracts::steps::model_text::create(
            &mut c, &system, industry, title, body, "test",
        )
        .unwrap();
        zhongjie::contracts::steps::model_text::publish(&mut c, &system, text).unwrap();
        model_text_versions::table
            .filter(model_text_versions::model_text_id.eq(text))
            .select(model_text_versions::id)
            .first::<i64>(&mut *c)
            .unwrap()
    };
    let code = format!("2026-510400-48-01-{n:06}");
    let ann = AnnouncementBuilder::new(owner_id, item_id)
        .new_project(ProjectBuilder::new(owner_id, "钒钛产业园区道路工程", &code).fiscal(false))
        .time_limit(limit_days)
        .cap(Some(5_000_000))
        .deadline(signed_at - Duration::days(20))
        .status("awarded")
        .seed_commitment("0".repeat(64))
        .published_at(Some(signed_at - Duration::days(30)))
        .created_at(signed_at - Duration::days(30))
        .updated_at(signed_at)
        .insert(app);
    let id = ContractBuilder::new(Parties {
        announcement: ann,
        owner: owner_id,
        agency: agency_id,
        item: item_id,
        model_text_version: version_id,
    })
    .time_limit(limit_days)
    .sign_by(signed_at.date())
    .signed_at(Some(signed_at))
    .created_at(signed_at)
    .updated_at(signed_at)
    .insert(app);
    Signed {
        id,
        owner,
        owner_id,
        agency,
        agency_id,
        department_id,
        item_id,
    }
}

pub(crate) fn multipart_body(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((filename, bytes)) = file {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

pub(crate) async fn deliver(
    app: &TestApp,
    id: i64,
    note: &str,
    file: Option<(&str, &[u8])>,
) -> (u16, String) {
    let token = app.csrf().await;
    let r = app
        .client
        .post(app.url(&format!("/contracts/{id}/deliverables")))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart_body(&[("note", note), ("csrf", &token)], file))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

pub(crate) fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec()
}

async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = app.post(path, form).await;
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

fn count_deliverables(app: &TestApp, id: i64) -> i64 {
    let mut c = app.conn();
    contract_deliverables::table
        .filter(contract_deliverables::contract_id.eq(id))
        .count()
        .get_result(&mut *c)
        .unwrap()
}

pub(crate) fn pending_deliverable(app: &TestApp, id: i64) -> i64 {
    let mut c = app.conn();
    contract_deliverables::table
        .filter(contract_deliverables::contract_id.eq(id))
        .filter(contract_deliverables::decision.is_null())
        .select(contract_deliverables::id)
        .first(&mut *c)
        .unwrap()
}

fn contract_status(app: &TestApp, id: i64) -> (String, bool) {
    let mut c = app.conn();
    let (s, a): (String, Option<chrono::NaiveDateTime>) = contracts::table
        .find(id)
        .select((contracts::status, contracts::accepted_at))
        .first(&mut *c)
        .unwrap();
    (s, a.is_some())
}

fn audit_actions(app: &TestApp, id: i64) -> Vec<String> {
    let mut c = app.conn();
    audit_log::table
        .filter(audit_log::object_type.eq("contract"))
        .filter(audit_log::object_id.eq(id.to_string()))
        .order(audit_log::seq)
        .select(audit_log::action)
        .load(&mut *c)
        .unwrap()
}

/// Submits a deliverable and has the owner accept it.
pub(crate) async fn deliver_and_accept(app: &TestApp, k: &Signed) {
    let (s, body) = deliver(
        &k.agency,
        k.id,
        "节能评估报告（送审稿）",
        Some(("报告.pdf", &pdf())),
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let did = pending_deliverable(app, k.id);
    let (s, _) = post(
        &k.owner,
        &format!("/contracts/{}/deliverables/{did}/decision", k.id),
        &[("decision", "accept"), ("reason", "")],
    )
    .await;
    assert_eq!(s, 303);
}

#[actix_web::test]
async fn agency_delivers_owner_returns_then_accepts_and_the_timer_stops() {
    let app = spawn_app().await;
    let k = signed_contract(&app, 1, 20, 0).await;
    let (s, body) = k
        .owner
        .get_text(&format!("/contracts/{}/fulfilment", k.id))
        .await;
    assert_eq!(s, 200);
    assert!(body.contains("id=\"used-days\">0</span> / 20"), "{body}");

    let (s, body) = deliver(&k.agency, k.id, "送审稿", Some(("报告.pdf", &pdf()))).await;
    assert_eq!(s, 303, "{body}");
    // A second upload while the first waits is refused.
    let (s, body) = deliver(&k.agency, k.id, "再交一份", Some(("报告2.pdf", &pdf()))).await;
    assert_eq!(s, 409);
    assert!(body.contains("尚待业主验收"), "{body}");
    assert_eq!(count_deliverables(&app, k.id), 1);

    // Returning needs reasons: refused, nothing decided.
    let did = pending_deliverable(&app, k.id);
    let path = format!("/contracts/{}/deliverables/{did}/decision", k.id);
    let (s, body) = post(&k.owner, &path, &[("decision", "return"), ("reason", " ")]).await;
    assert_eq!(s, 422);
    assert!(body.contains("请填写理由"), "{body}");
    assert_eq!(pending_deliverable(&app, k.id), did);
    // The agency cannot decide for the owner.
    let (s, _) = post(&k.agency, &path, &[("decision", "accept")]).await;
    assert_eq!(s, 403);

    let (s, _) = post(
        &k.owner,
        &path,
        &[("decision", "return"), ("reason", "缺少能耗计算附表")],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(contract_status(&app, k.id), ("signed".to_string(), false));
    let (_, body) = k
        .agency
        .get_text(&format!("/contracts/{}/fulfilment", k.id))
        .await;
    assert!(body.contains("缺少能耗计算附表"));

    // The file is downloadable by the parties, as an attachment.
    let r = k
        .owner
        .get(&format!("/contracts/{}/deliverables/{did}/file", k.id))
        .await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );

    deliver_and_accept(&app, &k).await;
    assert_eq!(contract_status(&app, k.id), ("accepted".to_string(), true));
    let (_, body) = k
        .owner
        .get_text(&format!("/contracts/{}/fulfilment", k.id))
        .await;
    assert!(body.contains("按期完成"), "{body}");
    assert!(body.contains("id=\"used-days\">0</span>"), "{body}");
    // The timeline names each step, in both languages, with no raw locale keys.
    assert!(
        body.contains("业主退回服务成果") && body.contains("业主验收通过"),
        "{body}"
    );
    let (_, en) = k
        .owner
        .get_text(&format!("/contracts/{}/fulfilment?lang=en", k.id))
        .await;
    assert!(
        en.contains("Service timer") && en.contains("Owner accepted the deliverable"),
        "{en}"
    );
    assert!(!en.contains("ful.") && !en.contains("eval."), "{en}");
    // Accepted: no more deliverables.
    let (s, _) = deliver(&k.agency, k.id, "补充", Some(("x.pdf", &pdf()))).await;
    assert_eq!(s, 409);

    let actions = audit_actions(&app, k.id);
    for a in [
        "contract.deliverable.submitted",
        "contract.deliverable.returned",
        "contract.accepted",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    let mails = app.outbox_bodies();
    assert!(
        mails
            .iter()
            .any(|(to, b)| to == "owner1@example.com" && b.contains("服务成果"))
    );
    assert!(
        mails
            .iter()
            .any(|(to, b)| to == "agency1@example.com" && b.contains("缺少能耗计算附表"))
    );
    // On time: no late-delivery record.
    let mut c = app.conn();
    let late: i64 = credit_records::table
        .filter(credit_records::kind.eq("late_delivery"))
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(late, 0);
}

#[actix_web::test]
async fn uploads_of_the_wrong_type_are_refused_and_leave_nothing() {
    let app = spawn_app().await;
    let k = signed_contract(&app, 1, 20, 0).await;
    let (s, body) = deliver(
        &k.agency,
        k.id,
        "报告",
        Some(("报告.pdf", b"MZ\x90\x00 not a pdf")),
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("PDF") || body.contains("类型"), "{body}");
    assert!(body.contains("报告"), "the note is kept: {body}");
    let (s, _) = deliver(&k.agency, k.id, "没有文件", None).await;
    assert_eq!(s, 422);
    assert_eq!(count_deliverables(&app, k.id), 0);
    let dir = zhongjie::uploads::upload_dir(&app.config);
    let kept = std::fs::read_dir(&dir)
        .map(|rd| rd.flatten().filter(|e| e.path().is_file()).count())
        .unwrap_or(0);
    assert_eq!(kept, 0, "no file kept");
}

#[actix_web::test]
async fn an_overrun_is_recorded_for_the_credit_library() {
    let app = spawn_app().await;
    // 5 working days, signed 30 calendar days ago: well over.
    let k = signed_contract(&app, 1, 5, 30).await;
    let (_, body) = k
        .owner
        .get_text(&format!("/contracts/{}/fulfilment", k.id))
        .await;
    assert!(body.contains("已超期未完成"), "{body}");
    deliver_and_accept(&app, &k).await;
    let mut c = app.conn();
    let (points, ref_id): (i32, Option<i64>) = credit_records::table
        .filter(credit_records::agency_id.eq(k.agency_id))
        .filter(credit_records::kind.eq("late_delivery"))
        .select((credit_records::points, credit_records::ref_id))
        .first(&mut *c)
        .unwrap();
    assert!(points < 0);
    assert_eq!(ref_id, Some(k.id));
    drop(c);
    let (_, body) = k
        .owner
        .get_text(&format!("/contracts/{}/fulfilment", k.id))
        .await;
    assert!(body.contains("逾期完成"), "{body}");
    assert!(
        audit_actions(&app, k.id)
            .iter()
            .any(|a| a == "contract.overrun_recorded")
    );
}

#[actix_web::test]
async fn amendments_need_both_signatures_and_never_exceed_the_limit() {
    let app = spawn_app().await;
    let k = signed_contract(&app, 1, 20, 0).await;
    let base = format!("/contracts/{}/amendments", k.id);
    // Above the limit (¥48,000): refused beside the form, nothing stored.
    let (s, body) = post(
        &k.owner,
        &base,
        &[
            ("kind", "price"),
            ("price", "48000.01"),
            ("reason", "增加工作量"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("不得高于上限"), "{body}");
    assert!(body.contains("48000.01"), "input kept");
    let (s, _) = post(
        &k.owner,
        &base,
        &[("kind", "extension"), ("days", "0"), ("reason", "x")],
    )
    .await;
    assert_eq!(s, 422);
    {
        let mut c = app.conn();
        let n: i64 = contract_amendments::table
            .count()
            .get_result(&mut *c)
            .unwrap();
        assert_eq!(n, 0);
    }
    // The agency proposes 5 more working days; it cannot sign its own proposal.
    let (s, _) = post(
        &k.agency,
        &base,
        &[
            ("kind", "extension"),
            ("days", "5"),
            ("reason", "业主补充资料延迟"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let aid: i64 = {
        let mut c = app.conn();
        contract_amendments::table
            .select(contract_amendments::id)
            .first(&mut *c)
            .unwrap()
    };
    let answer = format!("/contracts/{}/amendments/{aid}/answer", k.id);
    let (s, _) = post(&k.agency, &answer, &[("answer", "sign")]).await;
    assert_eq!(s, 409);
    // A stranger cannot sign.
    let other = clone_app(&app);
    other.signed_in(Role::Owner, "stranger@example.com").await;
    let (s, _) = post(&other, &answer, &[("answer", "sign")]).await;
    assert_eq!(s, 403);
    let (s, _) = post(&k.owner, &answer, &[("answer", "sign")]).await;
    assert_eq!(s, 303);
    let (_, body) = k
        .owner
        .get_text(&format!("/contracts/{}/fulfilment", k.id))
        .await;
    assert!(body.contains("/ 25"), "limit now 25: {body}");
    // Signed once: a second signature is a conflict.
    let (s, _) = post(&k.owner, &answer, &[("answer", "sign")]).await;
    assert_eq!(s, 409);

    // A lower price, proposed by the owner, signed by the agency.
    let (s, _) = post(
        &k.owner,
        &base,
        &[
            ("kind", "price"),
            ("price", "45000"),
            ("reason", "核减工作内容"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let aid2: i64 = {
        let mut c = app.conn();
        contract_amendments::table
            .order(contract_amendments::id.desc())
            .select(contract_amendments::id)
            .first(&mut *c)
            .unwrap()
    };
    let (s, _) = post(
        &k.agency,
        &format!("/contracts/{}/amendments/{aid2}/answer", k.id),
        &[("answer", "sign")],
    )
    .await;
    assert_eq!(s, 303);
    let price: i64 = {
        let mut c = app.conn();
        contracts::table
            .find(k.id)
            .select(contracts::price_fen)
            .first(&mut *c)
            .unwrap()
    };
    assert_eq!(price, 4_500_000);
    // Visible to the regulator.
    let reg = clone_app(&app);
    reg.signed_in(Role::Regulator, "reg@example.com").await;
    let (s, body) = reg
        .get_text(&format!("/contracts/{}/fulfilment", k.id))
        .await;
    assert_eq!(s, 200);
    assert!(body.contains("延长服务时限 5 个工作日"), "{body}");
    assert!(
        audit_actions(&app, k.id)
            .iter()
            .filter(|a| *a == "contract.amendment.effective")
            .count()
            == 2
    );
    // The regulator's list shows the contract with its amendments; others may not see it.
    let (s, body) = reg.get_text("/regulate/fulfilment").await;
    assert_eq!(s, 200);
    assert!(
        body.contains(&format!("/contracts/{}/fulfilment", k.id)),
        "{body}"
    );
    assert!(body.contains("已生效 2 项，待签署 0 项"), "{body}");
    assert_eq!(
        k.owner.get("/regulate/fulfilment").await.status().as_u16(),
        403
    );
}

#[actix_web::test]
async fn outsiders_cannot_see_or_act_on_a_contract() {
    let app = spawn_app().await;
    let k = signed_contract(&app, 1, 20, 0).await;
    let other_owner = clone_app(&app);
    other_owner
        .signed_in(Role::Owner, "owner9@example.com")
        .await;
    let other_agency = clone_app(&app);
    other_agency
        .signed_in(Role::Agency, "agency9@example.com")
        .await;
    let page = format!("/contracts/{}/fulfilment", k.id);
    assert_eq!(other_owner.get(&page).await.status().as_u16(), 403);
    assert_eq!(other_agency.get(&page).await.status().as_u16(), 403);
    assert_eq!(
        k.owner
            .get("/contracts/999999/fulfilment")
            .await
            .status()
            .as_u16(),
        404
    );
    let visitor = clone_app(&app);
    assert_eq!(
        visitor.get(&page).await.status().as_u16(),
        303,
        "sign in first"
    );
    let (s, _) = deliver(&other_agency, k.id, "x", Some(("a.pdf", &pdf()))).await;
    assert_eq!(s, 403);
    let (s, _) = post(
        &other_owner,
        &format!("/contracts/{}/payments", k.id),
        &[("paid_on", "2026-01-05"), ("amount", "100")],
    )
    .await;
    assert_eq!(s, 403);
    // The agency of the contract cannot record the owner's payment.
    let (s, _) = post(
        &k.agency,
        &format!("/contracts/{}/payments", k.id),
        &[("paid_on", "2026-01-05"), ("amount", "100")],
    )
    .await;
    assert_eq!(s, 403);
    let mut c = app.conn();
    let n: i64 = contract_payments::table
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(count_deliverables(&app, k.id), 0);
}

#[actix_web::test]
async fn late_payment_shows_on_the_owner_record() {
    let app = spawn_app().await;
    let k = signed_contract(&app, 1, 20, 0).await;
    deliver_and_accept(&app, &k).await;
    // Acceptance 80 calendar days ago: the 30 working-day payment term has passed.
    {
        let mut c = app.conn();
        let past = zhongjie::db::now() - Duration::days(80);
        diesel::update(contracts::table.find(k.id))
            .set((
                contracts::accepted_at.eq(Some(past)),
                contracts::signed_at.eq(Some(past - Duration::days(1))),
            ))
            .execute(&mut *c)
            .unwrap();
    }
    let (_, body) = k
        .owner
        .get_text(&format!("/contracts/{}/fulfilment", k.id))
        .await;
    assert!(body.contains("已逾期未付款"), "{body}");
    let pay = format!("/contracts/{}/payments", k.id);
    let tomorrow = (zhongjie::db::today() + Duration::days(1)).to_string();
    let (s, body) = post(
        &k.owner,
        &pay,
        &[("paid_on", &tomorrow), ("amount", "48000")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("不能晚于今天"), "{body}");
    let (s, _) = post(
        &k.owner,
        &pay,
        &[("paid_on", "2026-02-30"), ("amount", "48000")],
    )
    .await;
    assert_eq!(s, 422);
    let today = zhongjie::db::today().to_string();
    let (s, _) = post(&k.owner, &pay, &[("paid_on", &today), ("amount", "48000")]).await;
    assert_eq!(s, 303);
    let (_, body) = k
        .owner
        .get_text(&format!("/contracts/{}/fulfilment", k.id))
        .await;
    assert!(body.contains("迟延付款"), "{body}");
    let (s, body) = app.get_text("/figures/fulfilment").await;
    assert_eq!(s, 200);
    let owner_row = body.split("项目业主付款情况").nth(1).unwrap_or("");
    assert!(
        owner_row.contains("<td>1</td><td>1</td><td>0</td>"),
        "{owner_row}"
    );
    assert!(
        audit_actions(&app, k.id)
            .iter()
            .any(|a| a == "contract.payment.recorded")
    );
}

fn stars<'a>(q: &'a str, comment: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("quality", q),
        ("timeliness", "4"),
        ("attitude", "5"),
        ("fees", "4"),
        ("conduct", "5"),
        ("comment", comment),
    ]
}

#[actix_web::test]
async fn ratings_replies_appeals_and_the_agency_page() {
    let app = spawn_app().await;
    let k = signed_contract(&app, 1, 20, 0).await;
    // A regulator of the item's department (mailed about appeals).
    let reg = clone_app(&app);
    reg.signed_in(Role::Regulator, "reg@example.com").await;
    let rate = format!("/contracts/{}/evaluation", k.id);
    // Not before acceptance.
    let (s, _) = post(&k.owner, &rate, &stars("5", "好")).await;
    assert_eq!(s, 409);
    deliver_and_accept(&app, &k).await;
    // Outside 1–5: refused, the input kept, nothing stored.
    let (s, body) = post(&k.owner, &rate, &stars("6", "报告质量较高")).await;
    assert_eq!(s, 422);
    assert!(body.contains("须选择 1 至 5 星"), "{body}");
    assert!(body.contains("报告质量较高"));
    let (s, _) = post(&k.owner, &rate, &stars("0", "x")).await;
    assert_eq!(s, 422);
    let (s, _) = post(&k.owner, &rate, &stars("5", " ")).await;
    assert_eq!(s, 422);
    {
        let mut c = app.conn();
        let n: i64 = evaluations::table.count().get_result(&mut *c).unwrap();
        assert_eq!(n, 0);
    }
    // The agency cannot rate itself.
    let (s, _) = post(&k.agency, &rate, &stars("5", "很好")).await;
    assert_eq!(s, 403);
    let (s, _) = post(&k.owner, &rate, &stars("3", "报告基本符合要求")).await;
    assert_eq!(s, 303);
    // Revised within 3 working days: the old record is revoked, a new one written.
    let (s, _) = post(&k.owner, &rate, &stars("4", "补正后报告符合要求")).await;
    assert_eq!(s, 303);
    {
        let mut c = app.conn();
        let recs: Vec<(String, Option<i32>)> = credit_records::table
            .filter(credit_records::agency_id.eq(k.agency_id))
            .order(credit_records::id)
            .select((credit_records::kind, credit_records::stars_x100))
            .load(&mut *c)
            .unwrap();
        let kinds: Vec<&str> = recs.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(
            kinds,
            ["evaluation", "revocation", "evaluation"],
            "{recs:?}"
        );
        // (4+4+5+4+5)/5 = 4.40
        assert_eq!(recs[2].1, Some(440));
    }
    let eid: i64 = {
        let mut c = app.conn();
        evaluations::table
            .select(evaluations::id)
            .first(&mut *c)
            .unwrap()
    };
    // The agency replies once and appeals once.
    let (s, _) = post(
        &k.agency,
        &format!("/evaluations/{eid}/reply"),
        &[("text", "感谢业主认可")],
    )
    .await;
    assert_eq!(s, 303);
    let (s, body) = post(
        &k.agency,
        &format!("/evaluations/{eid}/reply"),
        &[("text", "再次回复")],
    )
    .await;
    assert_eq!(s, 409);
    assert!(body.contains("只能回复一次"), "{body}");
    let (s, _) = post(
        &k.owner,
        &format!("/evaluations/{eid}/reply"),
        &[("text", "业主不能回复")],
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = post(
        &k.agency,
        &format!("/evaluations/{eid}/appeal"),
        &[("text", "收费项评分与合同约定不符")],
    )
    .await;
    assert_eq!(s, 303);
    let (s, body) = post(
        &k.agency,
        &format!("/evaluations/{eid}/appeal"),
        &[("text", "再申诉")],
    )
    .await;
    assert_eq!(s, 409);
    assert!(body.contains("只能申诉一次"), "{body}");
    // Appealed: no more revisions.
    let (s, _) = post(&k.owner, &rate, &stars("1", "改评")).await;
    assert_eq!(s, 409);
    {
        let mut c = app.conn();
        let (reply, appeal): (Option<String>, Option<String>) = evaluations::table
            .find(eid)
            .select((evaluations::reply, evaluations::appeal))
            .first(&mut *c)
            .unwrap();
        assert_eq!(reply.as_deref(), Some("感谢业主认可"));
        assert_eq!(appeal.as_deref(), Some("收费项评分与合同约定不符"));
    }
    // The agency page shows the rating with its averages while it counts.
    let (_, body) = app.get_text(&format!("/agencies/{}", k.agency_id)).await;
    assert!(body.contains("id=\"agency-rating\">4.40<"), "{body}");
    assert!(body.contains("补正后报告符合要求"));
    assert!(body.contains("id=\"agency-rate\">100.0%"), "{body}");

    // The department's regulator decides the appeal; upheld, the rating stops counting.
    let decide = format!("/evaluations/{eid}/decision");
    let (s, _) = post(&k.owner, &decide, &[("decision", "uphold"), ("text", "x")]).await;
    assert_eq!(s, 403);
    let (s, _) = post(
        &reg,
        &decide,
        &[("decision", "uphold"), ("text", "收费评分依据不足")],
    )
    .await;
    assert_eq!(s, 303);
    let (s, _) = post(
        &reg,
        &decide,
        &[("decision", "dismiss"), ("text", "再决定")],
    )
    .await;
    assert_eq!(s, 409);
    {
        let mut c = app.conn();
        let n: i64 = credit_records::table
            .filter(credit_records::agency_id.eq(k.agency_id))
            .filter(credit_records::kind.eq("revocation"))
            .count()
            .get_result(&mut *c)
            .unwrap();
        assert_eq!(n, 2);
    }
    let (_, body) = app.get_text(&format!("/agencies/{}", k.agency_id)).await;
    assert!(body.contains("id=\"agency-rating\">—<"), "{body}");
    assert!(body.contains("申诉成立，不计入"));
    // The approval department adds its own rating.
    let (s, _) = post(&reg, &rate, &stars("5", "成果规范，审批顺利")).await;
    assert_eq!(s, 303);
    let (_, body) = app.get_text(&format!("/agencies/{}", k.agency_id)).await;
    assert!(body.contains("审批部门评价"), "{body}");
    // The owner's rating no longer counts; the department's 4.60 is a good rating.
    let (_, body) = app.get_text("/figures/fulfilment").await;
    assert!(
        body.contains("id=\"good-share\">100.0%（好评 1、中评 0、差评 0）"),
        "{body}"
    );
    let actions = audit_actions(&app, k.id);
    for a in [
        "contract.evaluation.rated",
        "contract.evaluation.revised",
        "contract.evaluation.replied",
        "contract.evaluation.appealed",
        "contract.evaluation.appeal_decided",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    let mails = app.outbox_bodies();
    assert!(
        mails
            .iter()
            .any(|(to, b)| to == "reg@example.com" && b.contains("申诉"))
    );
}

#[actix_web::test]
async fn reminders_go_out_once_and_never_rate() {
    let app = spawn_web_only().await;
    // 2 working days, signed today: the deadline is within the reminder lead.
    let k = signed_contract(&app, 1, 2, 0).await;
    let today = zhongjie::db::today();
    let sent = {
        let mut c = app.conn();
        zhongjie::contracts::steps::fulfilment::remind(&mut c, today).unwrap()
    };
    assert_eq!(sent, 1);
    let again = {
        let mut c = app.conn();
        zhongjie::contracts::steps::fulfilment::remind(&mut c, today).unwrap()
    };
    assert_eq!(again, 0, "each reminder once");
    let mut c = app.conn();
    let kinds: Vec<String> = contract_reminders::table
        .filter(contract_reminders::contract_id.eq(k.id))
        .select(contract_reminders::kind)
        .load(&mut *c)
        .unwrap();
    assert_eq!(kinds, ["delivery"]);
    let to: Vec<String> = outbox::table
        .filter(outbox::subject.like("%即将到期%"))
        .select(outbox::to_addr)
        .load(&mut *c)
        .unwrap();
    assert_eq!(to.len(), 2, "agency and owner: {to:?}");
    // Accepted 11 working days ago and unrated: a rating reminder, and still no rating.
    let past = zhongjie::db::now() - Duration::days(16);
    diesel::update(contracts::table.find(k.id))
        .set((
            contracts::status.eq("accepted"),
            contracts::accepted_at.eq(Some(past)),
            contracts::signed_at.eq(Some(past - Duration::days(1))),
        ))
        .execute(&mut *c)
        .unwrap();
    let sent = zhongjie::contracts::steps::fulfilment::remind(&mut c, today).unwrap();
    assert!(sent >= 1);
    let kinds: Vec<String> = contract_reminders::table
        .filter(contract_reminders::contract_id.eq(k.id))
        .select(contract_reminders::kind)
        .load(&mut *c)
        .unwrap();
    assert!(kinds.contains(&"rating".to_string()), "{kinds:?}");
    let n: i64 = evaluations::table.count().get_result(&mut *c).unwrap();
    assert_eq!(n, 0, "never rated automatically");
    let _ = (k.owner_id, k.department_id, k.item_id);
}

#[actix_web::test]
async fn figures_show_the_fulfilment_rate_and_service_time() {
    let app = spawn_app().await;
    let a = signed_contract(&app, 1, 20, 0).await;
    deliver_and_accept(&app, &a).await;
    // A second contract of another agency, 5 working days, signed 30 days ago, not delivered.
    let b = signed_contract(&app, 2, 5, 30).await;
    let (s, body) = app.get_text("/figures/fulfilment").await;
    assert_eq!(s, 200);
    assert!(
        body.contains("id=\"overall-rate\">50.0%（1 / 2）"),
        "{body}"
    );
    // Accepted the day it was signed: 0 days of a statutory 20, 100% faster.
    assert!(body.contains("100%"), "{body}");
    assert!(body.contains("<svg"));
    let (_, body) = app.get_text(&format!("/agencies/{}", b.agency_id)).await;
    assert!(body.contains("id=\"agency-rate\">0.0%（0 / 1）"), "{body}");
    let (_, body) = app.get_text(&format!("/agencies/{}", a.agency_id)).await;
    assert!(body.contains("id=\"agency-service\">0.0 / 20.0"), "{body}");
}

#[actix_web::test]
async fn concurrent_submissions_store_one_deliverable() {
    let app = spawn_app().await;
    let k = signed_contract(&app, 1, 20, 0).await;
    let agency = std::sync::Arc::new(k.agency);
    let mut handles = Vec::new();
    for i in 0..6 {
        let a = agency.clone();
        let id = k.id;
        handles.push(actix_web::rt::spawn(async move {
            deliver(&a, id, &format!("第{i}份"), Some(("报告.pdf", &pdf())))
                .await
                .0
        }));
    }
    let mut codes = Vec::new();
    for h in handles {
        codes.push(h.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 303).count(), 1, "{codes:?}");
    assert!(codes.iter().all(|c| *c == 303 || *c == 409), "{codes:?}");
    assert_eq!(count_deliverables(&app, k.id), 1);
    let dir = zhongjie::uploads::upload_dir(&app.config);
    let kept = std::fs::read_dir(&dir)
        .map(|rd| rd.flatten().filter(|e| e.path().is_file()).count())
        .unwrap_or(0);
    assert_eq!(kept, 1, "refused uploads leave no file");
}

#[actix_web::test]
async fn every_fulfilment_route_answers_each_role_and_needs_csrf() {
    let app = spawn_app().await;
    let k = signed_contract(&app, 1, 20, 0).await;
    let id = k.id;
    let visitor = clone_app(&app);
    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;
    let reg = clone_app(&app);
    reg.signed_in(Role::Regulator, "reg@example.com").await;
    // (path, visitor, owner, agency, regulator, admin)
    let gets: Vec<(String, [u16; 5])> = vec![
        ("/figures/fulfilment".into(), [200, 200, 200, 200, 200]),
        (
            format!("/owners/{}/record", k.owner_id),
            [200, 200, 200, 200, 200],
        ),
        (
            format!("/contracts/{id}/fulfilment"),
            [303, 200, 200, 200, 200],
        ),
        ("/regulate/fulfilment".into(), [303, 403, 403, 200, 403]),
    ];
    let who = [&visitor, &k.owner, &k.agency, &reg, &admin];
    for (path, expected) in &gets {
        for (i, c) in who.iter().enumerate() {
            let got = c.get(path).await.status().as_u16();
            assert_eq!(got, expected[i], "GET {path} as #{i}");
        }
    }
    // The upload form carries its token inside the multipart body.
    let r = k
        .agency
        .client
        .post(k.agency.url(&format!("/contracts/{id}/deliverables")))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart_body(
            &[("note", "x"), ("csrf", &"0".repeat(64))],
            Some(("a.pdf", &pdf())),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403, "upload with a forged token");
    assert_eq!(count_deliverables(&app, id), 0);
    let posts = [
        format!("/contracts/{id}/deliverables/1/decision"),
        format!("/contracts/{id}/amendments"),
        format!("/contracts/{id}/amendments/1/answer"),
        format!("/contracts/{id}/payments"),
        format!("/contracts/{id}/evaluation"),
        "/evaluations/1/reply".to_string(),
        "/evaluations/1/appeal".to_string(),
        "/evaluations/1/decision".to_string(),
    ];
    for path in &posts {
        for c in [&k.owner, &k.agency] {
            let got = c
                .post_no_csrf(path, &[("decision", "accept"), ("text", "x")])
                .await
                .status()
                .as_u16();
            assert_eq!(got, 403, "POST {path} without CSRF");
        }
    }
    assert!(audit_actions(&app, id).is_empty(), "nothing happened");
}
