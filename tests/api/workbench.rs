//! The workbench 工作台 of each role lists its own pending work with counts, and every item
//! links to a page that opens for that user. The world has exactly one item of each kind of
//! work (planted directly: the steps that make them are tested with their features).

use chrono::Duration;
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::{
    agency_certificates, agency_items, announcement_results, announcements, awards, banned_persons,
    catalogue_items, contract_deliverables, contract_signatures, contract_terms, contracts,
    credit_alerts, evaluations, objections, quotes, registrations, uploads,
};
use zhongjie::db::today;

use crate::auth::clone_app;
use crate::fulfilment::signed_contract;
use crate::helpers::*;

struct World {
    owner: TestApp,
    owner_id: i64,
    agency: TestApp,
    agency_id: i64,
    item: i64,
    version: i64,
}

/// An announcement of `owner` in `status` (a project of its own each time).
pub fn announcement(app: &TestApp, owner: i64, item: i64, status: &str, deadline_days: i64) -> i64 {
    let n: i64 = announcements::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    let code = format!("2026-510400-48-02-{:06}", n + 1);
    let project = crate::fixtures::project(app, owner, &format!("测试项目{}", n + 1), &code, true);
    let now = zhongjie::db::now();
    let mut c = app.conn();
    diesel::insert_into(announcements::table)
        .values((
            announcements::project_id.eq(project),
            announcements::owner_id.eq(owner),
            announcements::item_id.eq(item),
            announcements::scope.eq("编制节能评估报告"),
            announcements::time_limit_days.eq(15),
            announcements::cap_fen.eq(Some(5_000_000i64)),
            announcements::mode.eq("lowest_price"),
            announcements::deadline.eq(now + Duration::days(deadline_days)),
            announcements::complaint_phone.eq("0812-3333333"),
            announcements::status.eq(status),
            announcements::seed_commitment.eq(Some("ab".repeat(32))),
            announcements::published_at.eq(Some(now - Duration::days(20))),
            announcements::created_at.eq(now - Duration::days(20)),
            announcements::updated_at.eq(now),
        ))
        .execute(&mut *c)
        .unwrap();
    announcements::table
        .filter(announcements::project_id.eq(project))
        .select(announcements::id)
        .first(&mut *c)
        .unwrap()
}

/// The opening's row: opened, optionally with a winner and its dates.
pub fn opened(app: &TestApp, a: i64, winner: Option<i64>, confirm_by: Option<chrono::NaiveDate>) {
    diesel::insert_into(announcement_results::table)
        .values((
            announcement_results::announcement_id.eq(a),
            announcement_results::opened_at.eq(zhongjie::db::now() - Duration::days(5)),
            announcement_results::opened_by.eq("test"),
            announcement_results::seed_revealed.eq("cd".repeat(32)),
            announcement_results::winner_id.eq(winner),
            announcement_results::justify_by.eq(Some(today() + Duration::days(2))),
            announcement_results::publicity_ends.eq(confirm_by.map(|d| d - Duration::days(3))),
            announcement_results::confirm_by.eq(confirm_by),
        ))
        .execute(&mut *app.conn())
        .unwrap();
}

fn quote(app: &TestApp, a: i64, agency: i64, version: i32, low: bool, justified: bool) {
    diesel::insert_into(quotes::table)
        .values((
            quotes::announcement_id.eq(a),
            quotes::agency_id.eq(agency),
            quotes::status.eq("active"),
            quotes::sealed.eq("00"),
            quotes::commitment.eq("ef".repeat(32)),
            quotes::announcement_version.eq(version),
            quotes::revision.eq(1),
            quotes::submitted_at.eq(zhongjie::db::now() - Duration::days(6)),
            quotes::client_addr.eq("127.0.0.1"),
            quotes::low_flag.eq(low),
            quotes::justification.eq(justified.then_some("人工成本已核算")),
        ))
        .execute(&mut *app.conn())
        .unwrap();
}

fn register(app: &TestApp, a: i64, agency: i64) {
    diesel::insert_into(registrations::table)
        .values((
            registrations::announcement_id.eq(a),
            registrations::agency_id.eq(agency),
            registrations::created_at.eq(zhongjie::db::now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
}

fn objection(app: &TestApp, a: i64, agency: i64, due: chrono::NaiveDate) {
    diesel::insert_into(objections::table)
        .values((
            objections::announcement_id.eq(a),
            objections::agency_id.eq(agency),
            objections::grounds.eq("中选机构业绩证明不实"),
            objections::filed_at.eq(zhongjie::db::now() - Duration::days(4)),
            objections::answer_due.eq(due),
        ))
        .execute(&mut *app.conn())
        .unwrap();
}

/// A contract of the world's owner and agency on a new awarded announcement.
fn contract(app: &TestApp, w: &World, status: &str, accepted_days_ago: Option<i64>) -> i64 {
    let a = announcement(app, w.owner_id, w.item, "awarded", -30);
    let now = zhongjie::db::now();
    let signed = (status != "draft" && status != "signing").then_some(now - Duration::days(10));
    let mut c = app.conn();
    diesel::insert_into(contracts::table)
        .values((
            contracts::announcement_id.eq(a),
            contracts::owner_id.eq(w.owner_id),
            contracts::agency_id.eq(w.agency_id),
            contracts::item_id.eq(w.item),
            contracts::model_text_version_id.eq(w.version),
            contracts::price_limit_fen.eq(4_800_000i64),
            contracts::price_fen.eq(4_800_000i64),
            contracts::time_limit_days.eq(15),
            contracts::status.eq(status),
            contracts::sign_by.eq(today() + Duration::days(5)),
            contracts::signed_at.eq(signed),
            contracts::accepted_at.eq(accepted_days_ago.map(|d| now - Duration::days(d))),
            contracts::created_at.eq(now - Duration::days(12)),
            contracts::updated_at.eq(now),
        ))
        .execute(&mut *c)
        .unwrap();
    let id: i64 = contracts::table
        .filter(contracts::announcement_id.eq(a))
        .select(contracts::id)
        .first(&mut *c)
        .unwrap();
    diesel::insert_into(contract_terms::table)
        .values((
            contract_terms::contract_id.eq(id),
            contract_terms::fields.eq("{}"),
            contract_terms::supplementary.eq(""),
            contract_terms::revision.eq(1),
            contract_terms::updated_at.eq(now),
        ))
        .execute(&mut *c)
        .unwrap();
    id
}

fn deliverable(app: &TestApp, contract: i64, by: i64, decision: Option<&str>) {
    let now = zhongjie::db::now();
    let mut c = app.conn();
    diesel::insert_into(uploads::table)
        .values((
            uploads::owner_id.eq(by),
            uploads::stored_name.eq(format!("missing-{contract}.pdf")),
            uploads::original_name.eq("成果.pdf"),
            uploads::content_type.eq("application/pdf"),
            uploads::size_bytes.eq(10i64),
            uploads::sha256.eq("00".repeat(32)),
            uploads::created_at.eq(now),
        ))
        .execute(&mut *c)
        .unwrap();
    let upload: i64 = uploads::table
        .select(uploads::id)
        .order(uploads::id.desc())
        .first(&mut *c)
        .unwrap();
    diesel::insert_into(contract_deliverables::table)
        .values((
            contract_deliverables::contract_id.eq(contract),
            contract_deliverables::upload_id.eq(upload),
            contract_deliverables::note.eq("评估报告（送审稿）"),
            contract_deliverables::submitted_by.eq(by),
            contract_deliverables::submitted_at.eq(now - Duration::days(2)),
            contract_deliverables::decision.eq(decision),
            contract_deliverables::reason.eq(decision.map(|_| "结论依据不足")),
            contract_deliverables::decided_at.eq(decision.map(|_| now - Duration::days(1))),
        ))
        .execute(&mut *c)
        .unwrap();
}

/// The counts the workbench shows, by kind (`data-kind` → `data-count`).
fn counts(html: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for part in html.split("data-kind=\"").skip(1) {
        let kind = part.split('"').next().unwrap_or_default().to_string();
        let count = part
            .split("data-count=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or(usize::MAX);
        out.push((kind, count));
    }
    out
}

/// Every link inside the work list.
fn work_links(html: &str) -> Vec<String> {
    let Some(start) = html.find("class=\"work-list\"") else {
        return Vec::new();
    };
    let end = html[start..]
        .find("</section>")
        .map_or(html.len(), |e| start + e);
    html[start..end]
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

/// Opens the workbench, checks every kind shows `expected` items, and that each link in it
/// opens for this user.
async fn check(who: &TestApp, expected: &[(&str, usize)]) {
    let (s, html) = who.get_text("/my").await;
    assert_eq!(s, 200);
    assert!(!html.contains("陆续上线"), "the placeholder is gone");
    let got = counts(&html);
    let want: Vec<(String, usize)> = expected.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    assert_eq!(got, want, "{html}");
    let links = work_links(&html);
    assert!(
        links.len() >= expected.len() + expected.iter().filter(|(_, n)| *n > 0).count(),
        "each kind links to its list, and to its item when it has one: {links:?}"
    );
    for l in links {
        let s = who.get(&l).await.status().as_u16();
        assert_eq!(s, 200, "{l} from the workbench");
    }
}

#[actix_web::test]
async fn workbench_lists_each_roles_pending_work_with_counts_and_working_links() {
    let app = spawn_app().await;
    let k1 = signed_contract(&app, 1, 20, 3).await;
    let version: i64 = contracts::table
        .find(k1.id)
        .select(contracts::model_text_version_id)
        .first(&mut *app.conn())
        .unwrap();
    let w = World {
        owner: k1.owner,
        owner_id: k1.owner_id,
        agency: k1.agency,
        agency_id: k1.agency_id,
        item: k1.item_id,
        version,
    };
    let (o, g, item) = (w.owner_id, w.agency_id, w.item);
    diesel::insert_into(agency_items::table)
        .values((
            agency_items::agency_id.eq(g),
            agency_items::item_id.eq(item),
            agency_items::fee_standard.eq("按合同"),
            agency_items::committed_days.eq(10),
            agency_items::created_at.eq(zhongjie::db::now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();

    // The owner's work, one of each.
    announcement(&app, o, item, "draft", 10);
    let publicity = announcement(&app, o, item, "publicity", -5);
    opened(&app, publicity, None, None);
    objection(&app, publicity, g, today() + Duration::days(3));
    let choosing = announcement(&app, o, item, "choosing", -5);
    opened(&app, choosing, None, None);
    let justifying = announcement(&app, o, item, "justifying", -5);
    opened(&app, justifying, None, None);
    quote(&app, justifying, g, 1, true, true);
    let failed = announcement(&app, o, item, "failed", -5);
    opened(&app, failed, None, None);
    let won = announcement(&app, o, item, "awarded", -9);
    opened(&app, won, Some(g), None);
    diesel::insert_into(awards::table)
        .values((
            awards::announcement_id.eq(won),
            awards::agency_id.eq(g),
            awards::amount_fen.eq(Some(4_500_000i64)),
            awards::confirmed_at.eq(zhongjie::db::now() - Duration::days(1)),
            awards::confirmed_by.eq(g),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    contract(&app, &w, "draft", None);
    deliverable(&app, k1.id, g, None);
    let accepted = contract(&app, &w, "accepted", Some(1));

    // The agency's work, one of each.
    announcement(&app, o, item, "published", 10);
    let to_quote = announcement(&app, o, item, "published", 10);
    register(&app, to_quote, g);
    let stale = announcement(&app, o, item, "published", 10);
    register(&app, stale, g);
    quote(&app, stale, g, 1, false, false);
    diesel::update(announcements::table.find(stale))
        .set(announcements::version.eq(2))
        .execute(&mut *app.conn())
        .unwrap();
    let low = announcement(&app, o, item, "justifying", -5);
    opened(&app, low, None, None);
    quote(&app, low, g, 1, true, false);
    let confirm = announcement(&app, o, item, "publicity", -8);
    opened(&app, confirm, Some(g), Some(today() + Duration::days(1)));
    let signing = contract(&app, &w, "signing", None);
    diesel::insert_into(contract_signatures::table)
        .values((
            contract_signatures::contract_id.eq(signing),
            contract_signatures::party.eq("owner"),
            contract_signatures::signer_id.eq(o),
            contract_signatures::revision.eq(1),
            contract_signatures::digest.eq("12".repeat(32)),
            contract_signatures::signed_at.eq(zhongjie::db::now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    let returned = contract(&app, &w, "signed", None);
    deliverable(&app, returned, g, Some("returned"));

    // The regulator's (its department approves the item and reviews 工程咨询资信).
    let reg = clone_app(&app);
    let reg_id = reg.signed_in(Role::Regulator, "reg@example.com").await;
    let dept = k1.department_id;
    diesel::insert_into(agency_certificates::table)
        .values((
            agency_certificates::agency_id.eq(g),
            agency_certificates::qual_type.eq("engineering_consulting"),
            agency_certificates::level.eq(2),
            agency_certificates::number.eq("ZX-2026-0001"),
            agency_certificates::issuer.eq("中国工程咨询协会"),
            agency_certificates::valid_from.eq(today() - Duration::days(30)),
            agency_certificates::valid_to.eq(today() + Duration::days(700)),
            agency_certificates::status.eq("pending"),
            agency_certificates::review_due.eq(today() + Duration::days(2)),
            agency_certificates::created_at.eq(zhongjie::db::now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    let other_owner = app.create_user(Role::Owner, "owner9@example.com").await;
    let late = announcement(&app, other_owner, item, "publicity", -8);
    opened(&app, late, None, None);
    objection(&app, late, g, today() - Duration::days(2));
    diesel::insert_into(evaluations::table)
        .values((
            evaluations::contract_id.eq(accepted),
            evaluations::agency_id.eq(g),
            evaluations::rater_kind.eq("department"),
            evaluations::rater_id.eq(reg_id),
            evaluations::quality.eq(2),
            evaluations::timeliness.eq(2),
            evaluations::attitude.eq(3),
            evaluations::fees.eq(3),
            evaluations::conduct.eq(3),
            evaluations::comment.eq("成果质量一般"),
            evaluations::rated_at.eq(zhongjie::db::now() - Duration::hours(5)),
            evaluations::appeal.eq(Some("评价与事实不符")),
            evaluations::appealed_at.eq(Some(zhongjie::db::now())),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    let listed = app.create_user(Role::Agency, "listed@example.com").await;
    let banned = app.create_user(Role::Agency, "banned@example.com").await;
    {
        let mut c = app.conn();
        zhongjie::db::write_tx(&mut c, |c| {
            let l = zhongjie::credit::store::sanctions::create_listing(
                c,
                &zhongjie::credit::store::sanctions::NewListing {
                    agency_id: listed,
                    department_id: dept,
                    reason: "出具虚假报告",
                    legal_basis: "《四川省社会信用条例》",
                    starts_on: today() - Duration::days(400),
                    ends_on: today() + Duration::days(300),
                    by: reg_id,
                },
            )?;
            let l = zhongjie::credit::store::sanctions::find_listing(c, l)?.unwrap();
            zhongjie::credit::store::sanctions::apply_repair(c, &l, "已完成整改", None)?;
            zhongjie::credit::store::sanctions::create_ban(
                c,
                &zhongjie::credit::store::sanctions::NewBan {
                    agency_id: banned,
                    department_id: dept,
                    reason: "串通报价",
                    legal_basis: "《四川省社会信用条例》",
                    starts_on: today() - Duration::days(1),
                    ends_on: today() + Duration::days(700),
                    by: reg_id,
                    persons: vec![("赵六".into(), "510402198001011234".into())],
                },
            )?;
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
        let person: i64 = banned_persons::table
            .select(banned_persons::id)
            .first(&mut *c)
            .unwrap();
        diesel::insert_into(credit_alerts::table)
            .values((
                credit_alerts::department_id.eq(dept),
                credit_alerts::agency_id.eq(g),
                credit_alerts::banned_person_id.eq(person),
                credit_alerts::manager_name.eq("赵六"),
                credit_alerts::created_at.eq(zhongjie::db::now()),
            ))
            .execute(&mut *c)
            .unwrap();
    }

    // The administrator's: an item drafted, not published.
    let draft_item = crate::fixtures::item(
        &app,
        dept,
        crate::fixtures::Item {
            code: "FGW-009",
            name: "项目申请报告编制",
            keywords: "申请报告",
            industry: "energy",
            approval_name: "企业投资项目核准",
            legal_basis: "《企业投资项目核准和备案管理条例》",
            time_limit_days: 20,
        },
    );
    diesel::update(catalogue_items::table.find(draft_item))
        .set(catalogue_items::status.eq("draft"))
        .execute(&mut *app.conn())
        .unwrap();
    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;

    check(
        &w.owner,
        &[
            ("owner_drafts", 1),
            ("owner_objections", 1),
            ("owner_choices", 1),
            ("owner_justifications", 1),
            ("owner_reruns", 1),
            ("owner_contracts_to_draft", 1),
            ("owner_contracts", 1),
            ("owner_deliverables", 1),
            ("owner_payments", 1),
            ("owner_ratings", 1),
        ],
    )
    .await;
    check(
        &w.agency,
        &[
            ("agency_matching", 1),
            ("agency_to_quote", 1),
            ("agency_reconfirm", 1),
            ("agency_justify", 1),
            ("agency_confirm", 1),
            ("agency_contracts", 1),
            ("agency_returned", 1),
        ],
    )
    .await;
    check(
        &reg,
        &[
            ("regulator_certificates", 1),
            ("regulator_alerts", 1),
            ("regulator_overdue_objections", 1),
            ("regulator_appeals", 1),
            ("regulator_repairs", 1),
            // A department commissions the items it pays for as the owner: its staff have the
            // owner's kinds too (nothing commissioned here).
            ("owner_drafts", 0),
            ("owner_objections", 0),
            ("owner_choices", 0),
            ("owner_justifications", 0),
            ("owner_reruns", 0),
            ("owner_contracts_to_draft", 0),
            ("owner_contracts", 0),
            ("owner_deliverables", 0),
            ("owner_payments", 0),
            ("owner_ratings", 0),
        ],
    )
    .await;
    check(&admin, &[("admin_drafts", 1)]).await;

    // The overdue objection and the certificate's review carry their dates.
    let (_, html) = reg.get_text("/my").await;
    assert!(html.contains(&(today() - Duration::days(2)).to_string()));
    assert!(html.contains("已逾期"));
    assert!(html.contains(&(today() + Duration::days(2)).to_string()));
    // The admin's quick links come from the policy: settings and the audit trail are there,
    // nobody else gets them.
    let (_, html) = admin.get_text("/my").await;
    assert!(html.contains("href=\"/admin/settings\"") && html.contains("href=\"/admin/audit\""));
    let (_, html) = w.owner.get_text("/my").await;
    assert!(!html.contains("/admin/"));

    // Work done is gone: the owner answers nothing here, but once the objection is answered
    // it no longer counts.
    diesel::update(objections::table.filter(objections::announcement_id.eq(publicity)))
        .set((
            objections::answer.eq(Some("质疑不成立")),
            objections::upheld.eq(Some(false)),
            objections::answered_at.eq(Some(zhongjie::db::now())),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    let (_, html) = w.owner.get_text("/my").await;
    assert!(counts(&html).contains(&("owner_objections".to_string(), 0)));
}
