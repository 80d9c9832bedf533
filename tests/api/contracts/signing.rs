//! Model texts, drafting on award, the owner's fill-in, signing and lapse (issue 6 items 1–3):
//! an announcement in publicity with a winner is planted, the winner confirms through the
//! server (which drafts the contract in the award's transaction), and every later step goes
//! through the running server, including the crafted requests that must be refused.

use chrono::Duration;
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::{
    announcement_results, audit_log, contract_signatures, contract_terms, contracts,
    credit_records, model_text_versions, outbox, users,
};

use crate::accounts::auth::clone_app;
use crate::fixtures::EnvAssessment;
use crate::helpers::*;

pub(crate) fn publish_demo_texts(app: &TestApp) {
    zhongjie::demo::contracts::load(&mut app.conn()).unwrap();
}

pub(crate) fn contract_of(app: &TestApp, ann: i64) -> Option<(i64, String, i64, i64, i32)> {
    contracts::table
        .filter(contracts::announcement_id.eq(ann))
        .select((
            contracts::id,
            contracts::status,
            contracts::price_fen,
            contracts::price_limit_fen,
            contracts::time_limit_days,
        ))
        .first(&mut *app.conn())
        .optional()
        .unwrap()
}

fn terms(app: &TestApp, id: i64) -> (String, String, i32) {
    contract_terms::table
        .find(id)
        .select((
            contract_terms::fields,
            contract_terms::supplementary,
            contract_terms::revision,
        ))
        .first(&mut *app.conn())
        .unwrap()
}

/// The digest the sign form carries on the contract page as `who` sees it.
pub(crate) async fn digest_on_page(who: &TestApp, id: i64) -> String {
    let (s, body) = who.get_text(&format!("/contracts/{id}")).await;
    assert_eq!(s, 200);
    let i = body.find("name=\"digest\" value=\"").expect("sign form") + 21;
    body[i..i + 64].to_string()
}

pub(crate) const FILL: &[(&str, &str)] = &[
    ("price", "120000.50"),
    ("time_limit", "18"),
    ("scope", "编制环境影响报告书，配合技术评估并按评估意见修改"),
    (
        "deliverables",
        "环境影响报告书（报批稿）纸质版八份及电子版一份",
    ),
    ("payment_schedule", "合同签订后付30%，报告书通过审批后付70%"),
    ("dispute_venue", "攀枝花仲裁委员会"),
    ("supplementary", ""),
];

fn with(
    base: &[(&'static str, &'static str)],
    over: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<(&str, &str)> = base
        .iter()
        .filter(|(k, _)| !over.iter().any(|(o, _)| o == k))
        .copied()
        .collect();
    v.extend_from_slice(over);
    v
}

#[actix_web::test]
async fn award_drafts_the_contract_the_owner_fills_it_and_both_sign_the_same_digest() {
    let app = spawn_app().await;
    let w = EnvAssessment::insert(&app).await;
    let regulator = clone_app(&app);
    app.create_user(Role::Regulator, "reg@example.com").await;
    regulator.login("reg@example.com", PASSWORD).await;
    publish_demo_texts(&app);
    let ann = w.selected(&app);
    let r = w
        .agency
        .post(&format!("/announcements/{ann}/confirm"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    // Drafted in the award's transaction: price = the winning quote, which is also the limit.
    let (id, status, price, limit, days) = contract_of(&app, ann).expect("drafted on award");
    assert_eq!(
        (status.as_str(), price, limit, days),
        ("draft", 12_000_050, 12_000_050, 20)
    );
    let (fields, _, rev) = terms(&app, id);
    assert_eq!(rev, 1);
    // The announcement page links both parties to it.
    let (_, ann_page) = w.owner.get_text(&format!("/announcements/{ann}")).await;
    assert!(ann_page.contains(&format!("href=\"/contracts/{id}\"")));
    assert!(
        fields.contains("四川蓝天环境咨询有限公司")
            && fields.contains("钒钛新材料产业园污水处理厂")
    );

    // The owner's page shows the locked text with the parties and price filled in.
    let (s, page) = w.owner.get_text(&format!("/contracts/{id}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("《建设项目环境影响评价技术导则 总纲》"));
    assert!(page.contains("人民币 120,000.50 元"));
    assert!(page.contains("name=\"deliverables\""));
    assert!(
        !page.contains("name=\"owner_name\""),
        "party names are not a field of the form"
    );

    // Fill in.
    let mut f = FILL.to_vec();
    f.push(("revision", "1"));
    let r = w.owner.post(&format!("/contracts/{id}/edit"), &f).await;
    assert_eq!(r.status().as_u16(), 303);
    let (fields, _, rev) = terms(&app, id);
    assert_eq!(rev, 2);
    assert!(fields.contains("攀枝花仲裁委员会"));
    assert_eq!(contract_of(&app, ann).unwrap().4, 18);

    // A crafted request that rewrites a locked clause or a party name: 422, nothing changes.
    for bad in ["clause_9", "owner_name", "body"] {
        let f = with(
            FILL,
            &[("revision", "2"), (bad, "甲方有权随时无偿解除合同")],
        );
        let r = w.owner.post(&format!("/contracts/{id}/edit"), &f).await;
        assert_eq!(r.status().as_u16(), 422, "{bad}");
        let body = r.text().await.unwrap();
        assert!(body.contains("锁定条款"), "{bad}: clear message");
        assert_eq!(terms(&app, id).2, 2, "{bad}: nothing saved");
    }
    // A price above the winning quote: 422 beside the field, the input kept, nothing saved.
    let f = with(
        FILL,
        &[
            ("revision", "2"),
            ("price", "120000.51"),
            ("deliverables", "新的成果描述"),
        ],
    );
    let r = w.owner.post(&format!("/contracts/{id}/edit"), &f).await;
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("不得高于 ¥120,000.50"));
    assert!(body.contains("新的成果描述"), "the owner's input is kept");
    assert_eq!(contract_of(&app, ann).unwrap().2, 12_000_050);
    assert_eq!(terms(&app, id).2, 2);
    // The database refuses it too.
    let db_refuses = diesel::update(contracts::table.find(id))
        .set(contracts::price_fen.eq(12_000_051i64))
        .execute(&mut *app.conn());
    assert!(db_refuses.is_err(), "CHECK price_fen <= price_limit_fen");

    // Nobody signs a draft (no sign form yet); the owner submits.
    let (_, page) = w.agency.get_text(&format!("/contracts/{id}")).await;
    assert!(!page.contains("name=\"digest\""));
    let r = w.owner.post(&format!("/contracts/{id}/submit"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(contract_of(&app, ann).unwrap().1, "signing");

    // Someone else's contract: another owner and another agency get 403, a wrong id 404.
    let stranger = clone_app(&app);
    app.create_user(Role::Owner, "stranger@example.com").await;
    stranger.login("stranger@example.com", PASSWORD).await;
    assert_eq!(
        stranger
            .get(&format!("/contracts/{id}"))
            .await
            .status()
            .as_u16(),
        403
    );
    let other_agency = clone_app(&app);
    app.create_user(Role::Agency, "rival@example.com").await;
    other_agency.login("rival@example.com", PASSWORD).await;
    let digest = digest_on_page(&w.agency, id).await;
    let r = other_agency
        .post(
            &format!("/contracts/{id}/sign"),
            &[("digest", digest.as_str()), ("read", "1")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(
        w.agency.get("/contracts/999999").await.status().as_u16(),
        404
    );

    // The agency signs: not ticked → 422; a digest of another text → 409; then accepted.
    let r = w
        .agency
        .post(
            &format!("/contracts/{id}/sign"),
            &[("digest", digest.as_str())],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let stale = "0".repeat(64);
    let r = w
        .agency
        .post(
            &format!("/contracts/{id}/sign"),
            &[("digest", stale.as_str()), ("read", "1")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    assert!(r.text().await.unwrap().contains("摘要不一致"));
    let r = w
        .agency
        .post(
            &format!("/contracts/{id}/sign"),
            &[("digest", digest.as_str()), ("read", "1")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);

    // The owner changes the text: the agency's signature is void, it must read again.
    let f = with(
        FILL,
        &[
            ("revision", "2"),
            ("supplementary", "乙方应派员参加项目环保竣工验收。"),
        ],
    );
    let r = w.owner.post(&format!("/contracts/{id}/edit"), &f).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(contract_of(&app, ann).unwrap().1, "draft");
    let r = w.owner.post(&format!("/contracts/{id}/submit"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    // Signing with the digest read before the change: 409, nothing recorded.
    let r = w
        .agency
        .post(
            &format!("/contracts/{id}/sign"),
            &[("digest", digest.as_str()), ("read", "1")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let new_digest = digest_on_page(&w.agency, id).await;
    assert_ne!(new_digest, digest);
    let (_, page) = w.agency.get_text(&format!("/contracts/{id}")).await;
    assert!(page.contains("乙方应派员参加项目环保竣工验收。"));
    assert!(
        page.contains("尚未签署"),
        "the old signature no longer counts"
    );

    // Both sign the new text at the same moment: signed, signed_at set, both digests equal
    // and shown as matching.
    let d = digest_on_page(&w.agency, id).await;
    let url = format!("/contracts/{id}/sign");
    let form = [("digest", d.as_str()), ("read", "1")];
    let (ra, ro) = tokio::join!(w.agency.post(&url, &form), w.owner.post(&url, &form));
    assert_eq!((ra.status().as_u16(), ro.status().as_u16()), (303, 303));
    let (_, status, _, _, _) = contract_of(&app, ann).unwrap();
    assert_eq!(status, "signed");
    let signed_at: Option<chrono::NaiveDateTime> = contracts::table
        .find(id)
        .select(contracts::signed_at)
        .first(&mut *app.conn())
        .unwrap();
    assert!(signed_at.is_some());
    let full = zhongjie::contracts::store::contract::load(&mut app.conn(), id)
        .unwrap()
        .unwrap();
    let sha = zhongjie::domain::contract_text::digest(&full.rendered);
    let sigs: Vec<(String, String, i32)> = contract_signatures::table
        .filter(contract_signatures::contract_id.eq(id))
        .filter(contract_signatures::revision.eq(full.terms.revision))
        .select((
            contract_signatures::party,
            contract_signatures::digest,
            contract_signatures::revision,
        ))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(sigs.len(), 2);
    assert!(sigs.iter().all(|s| s.1 == sha && s.1 == new_digest));
    let (_, page) = w.owner.get_text(&format!("/contracts/{id}")).await;
    assert!(page.contains("一致：双方签署的是同一份文本"));
    // Signed: the way into fulfilment, whose timeline names the drafting and signing steps.
    assert!(page.contains(&format!("/contracts/{id}/fulfilment")));
    let (s, ful) = w
        .agency
        .get_text(&format!("/contracts/{id}/fulfilment"))
        .await;
    assert_eq!(s, 200);
    assert!(ful.contains("双方签署同一文本，合同签订"), "{ful}");
    assert!(
        !ful.contains("contract.signed"),
        "a raw action name in the timeline"
    );
    assert!(
        !page.contains("name=\"price\""),
        "a signed contract cannot be edited"
    );
    // Editing a signed contract by a crafted POST: 409, nothing changes.
    let f = with(FILL, &[("revision", "3")]);
    let r = w.owner.post(&format!("/contracts/{id}/edit"), &f).await;
    assert_eq!(r.status().as_u16(), 409);

    // Print view, timeline, audit, mail, regulator's list.
    let (s, print) = w.agency.get_text(&format!("/contracts/{id}/print")).await;
    assert_eq!(s, 200);
    assert!(print.contains(&sha) && print.contains("第十一条 其他"));
    assert!(page.contains("双方签署同一文本，合同签订"));
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::object_type.eq("contract"))
        .filter(audit_log::object_id.eq(id.to_string()))
        .select(audit_log::action)
        .load(&mut *app.conn())
        .unwrap();
    for a in [
        "contract.drafted",
        "contract.edited",
        "contract.submitted",
        "contract.signature",
        "contract.signed",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }
    let subjects: Vec<String> = outbox::table
        .select(outbox::subject)
        .load(&mut *app.conn())
        .unwrap();
    assert!(
        subjects
            .iter()
            .any(|s| s.contains(&format!("合同 {id} 待您签署")))
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.contains(&format!("合同 {id} 已签订")))
    );
    let (s, list) = regulator.get_text("/regulate/contracts").await;
    assert_eq!(s, 200);
    assert!(
        list.contains(&format!("/contracts/{id}")),
        "supplementary clauses are flagged"
    );
    assert_eq!(
        regulator
            .get(&format!("/contracts/{id}"))
            .await
            .status()
            .as_u16(),
        200
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.contains(&format!("合同 {id} 含补充条款")))
    );
    let (s, mine) = w.agency.get_text("/agency/contracts").await;
    assert_eq!(s, 200);
    assert!(mine.contains(&format!("/contracts/{id}")));
    let _ = w.dept;
}

#[actix_web::test]
async fn without_a_model_text_no_draft_until_one_is_published_then_the_owner_generates_it() {
    let app = spawn_app().await;
    let w = EnvAssessment::insert(&app).await;
    let ann = w.selected(&app);
    let r = w
        .agency
        .post(&format!("/announcements/{ann}/confirm"), &[])
        .await;
    assert_eq!(
        r.status().as_u16(),
        303,
        "the award does not wait for a model text"
    );
    assert!(contract_of(&app, ann).is_none());
    let (s, page) = w.owner.get_text("/owner/contracts").await;
    assert_eq!(s, 200);
    assert!(page.contains("尚无已发布的合同示范文本"));
    let r = w
        .owner
        .post(&format!("/owner/announcements/{ann}/contract"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 409);
    // The agency cannot generate it.
    let r = w
        .agency
        .post(&format!("/owner/announcements/{ann}/contract"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 403);
    publish_demo_texts(&app);
    let r = w
        .owner
        .post(&format!("/owner/announcements/{ann}/contract"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (id, status, ..) = contract_of(&app, ann).expect("generated");
    assert_eq!(status, "draft");
    assert_eq!(
        r.headers().get("location").unwrap().to_str().unwrap(),
        format!("/contracts/{id}")
    );
    let r = w
        .owner
        .post(&format!("/owner/announcements/{ann}/contract"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 409, "only one contract per award");
}

#[actix_web::test]
async fn a_lapsed_signing_records_the_agency_that_did_not_sign_and_reminds_before() {
    let app = spawn_app().await;
    let w = EnvAssessment::insert(&app).await;
    publish_demo_texts(&app);
    let ann = w.selected(&app);
    w.agency
        .post(&format!("/announcements/{ann}/confirm"), &[])
        .await;
    let (id, ..) = contract_of(&app, ann).unwrap();
    let mut f = FILL.to_vec();
    f.push(("revision", "1"));
    assert_eq!(
        w.owner
            .post(&format!("/contracts/{id}/edit"), &f)
            .await
            .status()
            .as_u16(),
        303
    );
    assert_eq!(
        w.owner
            .post(&format!("/contracts/{id}/submit"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    let d = digest_on_page(&w.owner, id).await;
    let r = w
        .owner
        .post(
            &format!("/contracts/{id}/sign"),
            &[("digest", d.as_str()), ("read", "1")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let today = zhongjie::db::today();
    // Due today: one reminder to each party, once.
    diesel::update(contracts::table.find(id))
        .set(contracts::sign_by.eq(today))
        .execute(&mut *app.conn())
        .unwrap();
    zhongjie::jobs::contracts(&mut app.conn(), today).unwrap();
    zhongjie::jobs::contracts(&mut app.conn(), today).unwrap();
    let reminders: i64 = outbox::table
        .filter(outbox::subject.like(format!("%合同 {id} 即将到签订截止日%")))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(reminders, 2);
    // Past the day: lapsed, and the agency that had the text and did not sign is recorded.
    diesel::update(contracts::table.find(id))
        .set(contracts::sign_by.eq(today - Duration::days(1)))
        .execute(&mut *app.conn())
        .unwrap();
    zhongjie::jobs::contracts(&mut app.conn(), today).unwrap();
    assert_eq!(contract_of(&app, ann).unwrap().1, "lapsed");
    let kinds: Vec<(i64, String)> = credit_records::table
        .filter(credit_records::ref_kind.eq("contract"))
        .filter(credit_records::ref_id.eq(id))
        .select((credit_records::agency_id, credit_records::kind))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(kinds, vec![(w.agency_id, "refused_to_sign".to_string())]);
    // A second pass records nothing more.
    zhongjie::jobs::contracts(&mut app.conn(), today).unwrap();
    let n: i64 = credit_records::table
        .filter(credit_records::ref_id.eq(id))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 1);
    // Signing a lapsed contract: 409.
    let r = w
        .agency
        .post(
            &format!("/contracts/{id}/sign"),
            &[("digest", d.as_str()), ("read", "1")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let regulator = clone_app(&app);
    app.create_user(Role::Regulator, "reg@example.com").await;
    regulator.login("reg@example.com", PASSWORD).await;
    let (_, list) = regulator.get_text("/regulate/contracts").await;
    assert!(
        list.contains(&format!("/contracts/{id}")),
        "lapsed signings listed"
    );
}

#[actix_web::test]
async fn regulators_write_versioned_texts_for_their_industry_and_published_versions_never_change() {
    let app = spawn_app().await;
    let dept = crate::fixtures::department(&app, "sthjj", "攀枝花市生态环境局", "Ecology");
    let other = crate::fixtures::department(&app, "zrzyj", "攀枝花市自然资源和规划局", "Land");
    let reg = clone_app(&app);
    app.create_user(Role::Regulator, "reg@example.com").await;
    reg.login("reg@example.com", PASSWORD).await;
    let body = "# 第一条 当事人\n甲方：{{owner_name}}\n乙方：{{agency_name}}\n\n# 第二条 价款\n价款为{{price}}，期限{{time_limit}}个工作日。\n";
    // A body with an unknown field is refused beside the field, the text kept.
    let bad = format!("{body}{{{{penalty}}}}\n");
    let r = reg
        .post(
            "/contract-texts/new",
            &[
                ("industry", "env"),
                ("title", "环评合同"),
                ("body", bad.as_str()),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("未知的填写项“penalty”"));
    // Another department's industry: 403.
    let r = reg
        .post(
            "/contract-texts/new",
            &[
                ("industry", "land"),
                ("title", "测绘合同"),
                ("body", body),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
    let r = reg
        .post(
            "/contract-texts/new",
            &[
                ("industry", "env"),
                ("title", "环评合同"),
                ("body", body),
                ("note", "首版"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let loc = r
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let id: i64 = loc.trim_start_matches("/contract-texts/").parse().unwrap();
    // A draft is not public.
    let visitor = clone_app(&app);
    assert_eq!(visitor.get(&loc).await.status().as_u16(), 404);
    assert_eq!(
        reg.post(&format!("{loc}/publish"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    let (s, page) = visitor.get_text(&loc).await;
    assert_eq!(s, 200);
    assert!(page.contains("价款为<span class=\"fill\">〔合同价款（元）〕</span>"));
    // An edit makes version 2; version 1 stays as it was; the database refuses to touch it.
    let body2 = body.replace("期限", "约定期限");
    let r = reg
        .post(
            &format!("{loc}/edit"),
            &[
                ("title", "环评合同"),
                ("body", body2.as_str()),
                ("note", "措辞"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let versions: Vec<(i32, String, String)> = model_text_versions::table
        .filter(model_text_versions::model_text_id.eq(id))
        .order(model_text_versions::version)
        .select((
            model_text_versions::version,
            model_text_versions::status,
            model_text_versions::body,
        ))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        (versions[0].1.as_str(), versions[0].2.as_str()),
        ("published", body)
    );
    assert_eq!(versions[1].1, "draft");
    let frozen = diesel::update(
        model_text_versions::table
            .filter(model_text_versions::model_text_id.eq(id))
            .filter(model_text_versions::version.eq(1)),
    )
    .set(model_text_versions::body.eq("篡改"))
    .execute(&mut *app.conn());
    assert!(frozen.is_err(), "trigger keeps a published version");
    let (s, list) = visitor.get_text("/contract-texts").await;
    assert_eq!(s, 200);
    assert!(list.contains(&loc) && list.contains("环评合同"));
    assert_eq!(reg.get("/contract-texts/new").await.status().as_u16(), 200);
    let (s, form) = reg.get_text(&format!("{loc}/edit")).await;
    assert_eq!(s, 200);
    assert!(
        form.contains("约定期限"),
        "the edit form starts from the open draft"
    );
    let owner = clone_app(&app);
    app.create_user(Role::Owner, "o@example.com").await;
    owner.login("o@example.com", PASSWORD).await;
    assert_eq!(
        owner.get("/contract-texts/new").await.status().as_u16(),
        403
    );
    // Visitors still see version 1 only; after publication the diff shows the change.
    let (_, page) = visitor.get_text(&loc).await;
    assert!(!page.contains("约定期限"));
    assert_eq!(
        reg.post(&format!("{loc}/publish"), &[])
            .await
            .status()
            .as_u16(),
        303
    );
    let (_, diff) = visitor.get_text(&format!("{loc}?from=1&to=2")).await;
    assert!(diff.contains("diff-removed") && diff.contains("diff-added"));
    assert!(diff.contains("+ 价款为{{price}}，约定期限{{time_limit}}个工作日。"));
    // A regulator of another department may not revise it.
    let reg2 = clone_app(&app);
    let uid = app.create_user(Role::Regulator, "reg2@example.com").await;
    diesel::update(users::table.find(uid))
        .set(users::department_id.eq(Some(other)))
        .execute(&mut *app.conn())
        .unwrap();
    reg2.login("reg2@example.com", PASSWORD).await;
    let r = reg2
        .post(
            &format!("{loc}/edit"),
            &[("title", "x"), ("body", body), ("note", "")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
    let _ = dept;
}

#[actix_web::test]
async fn direct_selection_without_an_amount_takes_the_cap_as_the_limit() {
    let app = spawn_app().await;
    let w = EnvAssessment::insert(&app).await;
    publish_demo_texts(&app);
    let ann = w.selected(&app);
    diesel::update(announcement_results::table.find(ann))
        .set(announcement_results::winner_amount_fen.eq(None::<i64>))
        .execute(&mut *app.conn())
        .unwrap();
    let r = w
        .agency
        .post(&format!("/announcements/{ann}/confirm"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (id, _, price, limit, _) = contract_of(&app, ann).unwrap();
    assert_eq!((price, limit), (20_000_000, 20_000_000));
    // The owner fills a lower price; above the cap is refused.
    let f = with(FILL, &[("revision", "1"), ("price", "200000.01")]);
    let r = w.owner.post(&format!("/contracts/{id}/edit"), &f).await;
    assert_eq!(r.status().as_u16(), 422);
    let f = with(FILL, &[("revision", "1"), ("price", "150000")]);
    let r = w.owner.post(&format!("/contracts/{id}/edit"), &f).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(contract_of(&app, ann).unwrap().2, 15_000_000);
}
