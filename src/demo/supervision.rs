//! Demo supervision content, so `/exposure` shows past entries beside the current ones and
//! `/regulate/signals` a price signal: an expired market ban and an expired blacklist
//! listing (both entered on their first day, by the land department's regulator, within
//! the periods its forms allow), and a water-and-soil firm that raised its published fee
//! range for 水土保持方案 the week before it quoted below it in the opened demo selection
//! (明码标价: a quote outside the agency's own published range).

use chrono::Duration;

use super::story::Story;
use crate::audit::{self, Actor};
use crate::auth::{CurrentUser, Role};
use crate::credit::store::sanctions::{self as sx, NewBan, NewListing};
use crate::db::{DbConnection, DbError};
use crate::domain::idcard;
use crate::domain::money::Money;

/// The firm and item of the price signal, and its new range in fen (its ¥99,000 quote in
/// `selection::DEMOS` is below the minimum).
const PRICED: (&str, &str, i64, i64) = (
    "shuibao4@demo.zhongjie.cn",
    "PZH-SL-001",
    10_000_000,
    16_000_000,
);

/// The land department and its first regulator.
fn land(c: &mut DbConnection) -> Result<Option<(i64, i64)>, DbError> {
    use crate::db::schema::users;
    use diesel::prelude::*;
    let Some(dept) = crate::accounts::store::department::all(c)?
        .into_iter()
        .find(|d| d.code == "zrzyj")
    else {
        return Ok(None);
    };
    let r: Option<i64> = users::table
        .filter(users::role.eq(Role::Regulator))
        .filter(users::department_id.eq(dept.id))
        .order(users::id)
        .select(users::id)
        .first(c)
        .optional()?;
    Ok(r.map(|r| (dept.id, r)))
}

pub fn plan(story: &mut Story<'_>) {
    // A three-month ban that ended half a year ago (its person masked on the record).
    let start = story.working_day_from(story.days_ago(300));
    story.add(Story::at(start, 11, 0), move |c| {
        let Some((dept, by)) = land(c)? else {
            return Ok(());
        };
        let id = super::user_id(c, super::sanctions::AGENCIES[0].email)?;
        let (ban, _) = sx::create_ban(
            c,
            &NewBan {
                agency_id: id,
                department_id: dept,
                reason: "测绘项目中出借资质证书，情节较轻。",
                legal_basis: "《中华人民共和国测绘法》第六十二条",
                starts_on: start,
                ends_on: start + Duration::days(91),
                by,
                persons: vec![(
                    "赵志强".to_string(),
                    idcard::generate(510_411).as_str().to_string(),
                )],
            },
        )?;
        audit::record(
            c,
            &Actor::user(by, Role::Regulator),
            "credit.ban.create",
            "market_ban",
            ban,
            &ban,
            "demo",
        )?;
        Ok(())
    });

    // A one-year listing that ran out three months ago.
    let start = story.working_day_from(story.days_ago(460));
    story.add(Story::at(start, 11, 0), move |c| {
        let Some((dept, by)) = land(c)? else {
            return Ok(());
        };
        let id = super::user_id(c, super::sanctions::AGENCIES[1].email)?;
        let listing = sx::create_listing(
            c,
            &NewListing {
                agency_id: id,
                department_id: dept,
                reason: "未按规定报送测绘成果副本，逾期拒不改正。",
                legal_basis: "《测绘成果管理条例》第二十八条",
                starts_on: start,
                ends_on: start + Duration::days(366),
                by,
            },
        )?;
        let l = sx::find_listing(c, listing)?;
        audit::record(
            c,
            &Actor::user(by, Role::Regulator),
            "credit.blacklist.create",
            "blacklist_entry",
            listing,
            &l,
            "demo",
        )?;
        Ok(())
    });

    // The firm raises its published range before the selection it then quotes in.
    let day = story.working_days_ago(9);
    story.add(Story::at(day, 16, 0), move |c| {
        let (email, code, min, max) = PRICED;
        let id = super::user_id(c, email)?;
        let Some(item) = crate::catalogue::store::find_by_code(c, code)? else {
            return Ok(());
        };
        let Some(offer) = crate::library::store::agency::offered_items(c, id)?
            .into_iter()
            .find(|o| o.item_id == item.id)
        else {
            return Ok(());
        };
        let me = CurrentUser {
            id,
            role: Role::Agency,
            display_name: String::new(),
            email: email.to_string(),
            unread: 0,
            department_id: None,
        };
        let terms = crate::library::store::agency::OfferTerms {
            fee_standard: "市场调节价：按水土流失防治责任范围面积分档计费，报价含税。".into(),
            fee_min_fen: Some(Money::from_fen(min)),
            fee_max_fen: Some(Money::from_fen(max)),
            committed_days: offer.committed_days,
        };
        crate::library::steps::update_offer(c, &me, id, offer.id, code, &terms)?;
        Ok(())
    });
}
