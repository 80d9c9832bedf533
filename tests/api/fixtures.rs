//! Builders for the selection and contract worlds: a department's retained catalogue item and
//! an owner's project, planted directly (the catalogue and publication tests cover the forms).

use diesel::prelude::*;
use zhongjie::catalogue::store::{Change, ItemFields};
use zhongjie::db::schema::projects;

use crate::helpers::TestApp;

/// What differs between the test worlds' catalogue items; the guide texts are placeholders.
pub struct Item<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub keywords: &'a str,
    pub industry: &'a str,
    pub approval_name: &'a str,
    pub legal_basis: &'a str,
    pub time_limit_days: i32,
}

/// A department (code, name, English name) and a retained, market-priced item it approves;
/// returns (department, item).
pub fn department_item(app: &TestApp, dept: (&str, &str, &str), it: Item<'_>) -> (i64, i64) {
    let dept =
        zhongjie::accounts::store::department::insert(&mut app.conn(), dept.0, dept.1, dept.2)
            .unwrap();
    (dept, item(app, dept, it))
}

/// A retained, market-priced item approved by department `dept`; returns its id.
pub fn item(app: &TestApp, dept: i64, it: Item<'_>) -> i64 {
    item_as(app, dept, it, |_| {})
}

/// As [`item`], with `adjust` changing the fields first (payer, self-preparation, regional
/// assessment …).
pub fn item_as(
    app: &TestApp,
    dept: i64,
    it: Item<'_>,
    adjust: impl FnOnce(&mut ItemFields),
) -> i64 {
    let mut c = app.conn();
    let mut f = ItemFields {
        code: it.code.into(),
        name: it.name.into(),
        keywords: it.keywords.into(),
        industry: it.industry.into(),
        approval_name: it.approval_name.into(),
        department_id: dept,
        legal_basis: it.legal_basis.into(),
        guide_basis: "-".into(),
        guide_scope: "-".into(),
        guide_object: "-".into(),
        guide_content: "-".into(),
        guide_method: "-".into(),
        guide_conclusion: "-".into(),
        time_limit_days: it.time_limit_days,
        pricing: "market".into(),
        price_min_fen: None,
        price_max_fen: None,
        fee_basis: "-".into(),
        payer: "enterprise".into(),
        self_preparable: false,
        regional_assessment: false,
    };
    adjust(&mut f);
    let change = Change {
        status: zhongjie::domain::status::ItemStatus::Retained,
        kind: zhongjie::domain::status::AdjustmentKind::Add,
        reason: "test",
        basis: "test",
        actor_id: None,
    };
    zhongjie::catalogue::store::save_item(&mut c, None, &f, &[], &change).unwrap()
}

/// An owner's project (name, investment project code, fiscal funds); returns its id.
pub fn project(app: &TestApp, owner_id: i64, name: &str, code: &str, fiscal: bool) -> i64 {
    let mut c = app.conn();
    let now = zhongjie::db::now();
    diesel::insert_into(projects::table)
        .values((
            projects::owner_id.eq(owner_id),
            projects::name.eq(name),
            projects::code.eq(code),
            projects::region.eq("pzh_dongqu"),
            projects::fiscal_funds.eq(fiscal),
            projects::total_investment_fen.eq(9_000_000_000i64),
            projects::created_at.eq(now),
            projects::updated_at.eq(now),
        ))
        .execute(&mut *c)
        .unwrap();
    projects::table
        .select(projects::id)
        .order(projects::id.desc())
        .first::<i64>(&mut *c)
        .unwrap()
}

/// The agency offers the item (an agency registers and quotes only for what it offers).
pub fn offer(app: &TestApp, agency_id: i64, item_id: i64) {
    use zhongjie::db::schema::agency_items;
    diesel::insert_into(agency_items::table)
        .values((
            agency_items::agency_id.eq(agency_id),
            agency_items::item_id.eq(item_id),
            agency_items::fee_standard.eq("按合同"),
            agency_items::committed_days.eq(10),
            agency_items::created_at.eq(zhongjie::db::now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
}

/// An agency account (password `helpers::PASSWORD`) named `name` that offers `item`, signed
/// in on a browser of its own; returns (id, its browser).
pub async fn agency_offering(app: &TestApp, email: &str, name: &str, item: i64) -> (i64, TestApp) {
    use zhongjie::db::schema::{agencies, agency_items};
    let id = app.create_user(zhongjie::auth::Role::Agency, email).await;
    {
        let mut c = app.conn();
        diesel::update(agencies::table.find(id))
            .set(agencies::name.eq(name))
            .execute(&mut *c)
            .unwrap();
        diesel::insert_into(agency_items::table)
            .values((
                agency_items::agency_id.eq(id),
                agency_items::item_id.eq(item),
                agency_items::fee_standard.eq("按合同"),
                agency_items::committed_days.eq(10),
                agency_items::created_at.eq(zhongjie::db::now()),
            ))
            .execute(&mut *c)
            .unwrap();
    }
    let b = crate::auth::clone_app(app);
    assert_eq!(
        b.login(email, crate::helpers::PASSWORD)
            .await
            .status()
            .as_u16(),
        303
    );
    (id, b)
}
