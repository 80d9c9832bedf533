//! The workbench 工作台 of each role lists its own pending work with counts, and every item
//! links to a page that opens for that user. The world has exactly one item of each kind of
//! work (planted directly: the steps that make them are tested with their features).

use chrono::Duration;
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::{announcements, banned_persons, catalogue_items, contracts, objections};
use zhongjie::db::today;

use crate::accounts::auth::clone_app;
use crate::contracts::fulfilment::signed_contract;
use crate::fixtures::{
    AnnouncementBuilder, AwardBuilder, CertificateBuilder, ContractBuilder, DeliverableBuilder,
    EvaluationBuilder, ObjectionBuilder, OfferBuilder, OpeningBuilder, Parties, ProjectBuilder,
    QuoteBuilder, alert, register, signature,
};
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
    let name = format!("测试项目{}", n + 1);
    let now = zhongjie::db::now();
    AnnouncementBuilder::new(owner, item)
        .new_project(ProjectBuilder::new(owner, &name, &code))
        .time_limit(15)
        .cap(Some(5_000_000))
        .deadline(now + Duration::days(deadline_days))
        .status(status)
        .published_at(Some(now - Duration::days(20)))
        .created_at(now - Duration::days(20))
        .insert(app)
}

/// The opening's row: opened, optionally with a winner and its dates.
pub fn opened(app: &TestApp, a: i64, winner: Option<i64>, confirm_by: Option<chrono::NaiveDate>) {
    OpeningBuilder::new(a)
        .seed_revealed("cd".repeat(32))
        .winner(winner)
        .justify_by(Some(today() + Duration::days(2)))
        .publicity_ends(confirm_by.map(|d| d - Duration::days(3)))
        .confirm_by(confirm_by)
        .insert(app);
}

fn quote(app: &TestApp, a: i64, agency: i64, version: i32, low: bool, justified: bool) {
    let mut q = QuoteBuilder::new(a, agency)
        .placeholder("00", "ef".repeat(32))
        .version(version)
        .submitted_at(zhongjie::db::now() - Duration::days(6));
    if low {
        q = q.low(justified.then_some("人工成本已核算"));
    }
    q.insert(app);
}

fn objection(app: &TestApp, a: i64, agency: i64, due: chrono::NaiveDate) {
    ObjectionBuilder::new(a, agency, "中选机构业绩证明不实", due)
        .filed_at(zhongjie::db::now() - Duration::days(4))
        .insert(app);
}

/// A contract of the world's owner and agency on a new awarded announcement.
fn contract(app: &TestApp, w: &World, status: &str, accepted_days_ago: Option<i64>) -> i64 {
    let a = announcement(app, w.owner_id, w.item, "awarded", -30);
    let now = zhongjie::db::now();
    let signed = (status != "draft" && status != "signing").then_some(now - Duration::days(10));
    ContractBuilder::new(Parties {
        announcement: a,
        owner: w.owner_id,
        agency: w.agency_id,
        item: w.item,
        model_text_version: w.version,
    })
    .status(status)
    .signed_at(signed)
    .accepted_at(accepted_days_ago.map(|d| now - Duration::days(d)))
    .created_at(now - Duration::days(12))
    .with_terms()
    .insert(app)
}

fn deliverable(app: &TestApp, contract: i64, by: i64, decision: Option<&str>) {
    let mut d = DeliverableBuilder::new(contract, by, "评估报告（送审稿）");
    if let Some(decision) = decision {
        d = d.decided(decision, "结论依据不足");
    }
    d.insert(app);
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
    OfferBuilder::new(item).insert(&app, g);

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
    AwardBuilder::new(won, g)
        .amount(4_500_000)
        .confirmed_at(zhongjie::db::now() - Duration::days(1))
        .insert(&app);
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
    signature(&app, signing, "owner", o, 1, &"12".repeat(32));
    let returned = contract(&app, &w, "signed", None);
    deliverable(&app, returned, g, Some("returned"));

    // The regulator's (its department approves the item and reviews 工程咨询资信).
    let reg = clone_app(&app);
    let reg_id = reg.signed_in(Role::Regulator, "reg@example.com").await;
    let dept = k1.department_id;
    CertificateBuilder::new("engineering_consulting", 2)
        .number("ZX-2026-0001")
        .issuer("中国工程咨询协会")
        .valid(today() - Duration::days(30), today() + Duration::days(700))
        .status("pending")
        .review_due(today() + Duration::days(2))
        .insert(&app, g);
    let other_owner = app.create_user(Role::Owner, "owner9@example.com").await;
    let late = announcement(&app, other_owner, item, "publicity", -8);
    opened(&app, late, None, None);
    objection(&app, late, g, today() - Duration::days(2));
    EvaluationBuilder::new(accepted, g, "department", reg_id, [2, 2, 3, 3, 3])
        .comment("成果质量一般")
        .rated_at(zhongjie::db::now() - Duration::hours(5))
        .appealed("评价与事实不符", zhongjie::db::now())
        .insert(&app);
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
    }
    let person: i64 = banned_persons::table
        .select(banned_persons::id)
        .first(&mut *app.conn())
        .unwrap();
    alert(&app, dept, g, person, "赵六");

    // The administrator's: an item drafted, not published.
    let draft_item = crate::fixtures::ItemBuilder::new("FGW-009", "项目申请报告编制")
        .keywords("申请报告")
        .industry("energy")
        .approval("企业投资项目核准")
        .legal_basis("《企业投资项目核准和备案管理条例》")
        .insert(&app, dept);
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
            // Price and conduct signals (supervision): none in this world.
            ("regulator_signals", 0),
            // Inspection tasks to draw or awaiting results (none here).
            ("regulator_inspections", 0),
            ("regulator_complaints", 0),
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
