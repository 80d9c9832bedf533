//! What a new user saw wrongly: restrictions and "not yet rated" beside every grade, automatic
//! credit records that deduct what the rules say and name their announcement, states that
//! read right after signing, annulment and re-confirmation, one revision of a rating, one way
//! of writing money, the way back from fulfilment to the contract, and an audit trail in
//! words.

use chrono::Duration;
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::{
    agencies, announcement_results, announcements, contracts, credit_records, evaluations, quotes,
    users,
};
use zhongjie::domain::credit::{Kind, RuleSet, Source};

use crate::accounts::auth::clone_app;
use crate::fixtures::{EnergyReview, EnvAssessment};
use crate::helpers::*;
use crate::selection::result as sel;

fn today() -> chrono::NaiveDate {
    zhongjie::db::today()
}

fn d(day: chrono::NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The table row (`<tr>…</tr>`) of a page that links to `href`.
fn row_of<'a>(html: &'a str, href: &str) -> &'a str {
    let at = html
        .find(&format!("href=\"{href}\""))
        .unwrap_or_else(|| panic!("no link to {href}"));
    let start = html[..at].rfind("<tr").unwrap_or(0);
    let end = html[at..].find("</tr>").map_or(html.len(), |e| at + e);
    &html[start..end]
}

fn score_of(app: &TestApp, agency: i64) -> i32 {
    let mut c = app.conn();
    zhongjie::credit::store::credit::score_of(&mut c, agency, today())
        .unwrap()
        .0
        .total_x100
}

fn cached_grade(app: &TestApp, agency: i64) -> Option<String> {
    agencies::table
        .find(agency)
        .select(agencies::grade)
        .first(&mut *app.conn())
        .unwrap()
}

/// Publishes a second rule set that differs from the defaults for the automatic kinds.
fn publish_rules(app: &TestApp, by: i64) -> RuleSet {
    let mut r = RuleSet::default();
    r.points.insert(Kind::Forfeit.code().into(), -7);
    r.points.insert(Kind::RefusedToSign.code().into(), -6);
    r.validate().unwrap();
    let mut c = app.conn();
    let v = zhongjie::db::write_tx(&mut c, |c| {
        zhongjie::credit::store::credit::publish_rules(c, &r, "自动记录分值调整", by)
    })
    .unwrap();
    assert_eq!(v, 2);
    r
}

// ---------------------------------------------------------------- restrictions, 暂无评价

#[actix_web::test]
async fn blacklisted_banned_and_new_agencies_show_as_they_are_on_every_page() {
    let app = spawn_web_only().await;
    let reg = app.create_user(Role::Regulator, "reg@example.com").await;
    let dept: i64 = users::table
        .find(reg)
        .select(users::department_id)
        .first::<Option<i64>>(&mut *app.conn())
        .unwrap()
        .unwrap();
    let listed = app.create_user(Role::Agency, "listed@example.com").await;
    let banned = app.create_user(Role::Agency, "banned@example.com").await;
    let fresh = app.create_user(Role::Agency, "fresh@example.com").await;
    for (id, name) in [
        (listed, "攀枝花市失信测绘有限公司"),
        (banned, "攀枝花市禁入评估有限公司"),
        (fresh, "攀枝花市新设咨询有限公司"),
    ] {
        diesel::update(agencies::table.find(id))
            .set((agencies::name.eq(name), agencies::region.eq("pzh_dongqu")))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let (from, to) = (today(), today() + Duration::days(730));
    {
        let mut c = app.conn();
        zhongjie::db::write_tx(&mut c, |c| {
            zhongjie::credit::store::sanctions::create_listing(
                c,
                &zhongjie::credit::store::sanctions::NewListing {
                    agency_id: listed,
                    department_id: dept,
                    reason: "出具虚假测绘成果报告",
                    legal_basis: "《四川省社会信用条例》第三十条",
                    starts_on: from,
                    ends_on: to,
                    by: reg,
                },
            )
        })
        .unwrap();
        // The banned agency was commended once: graded A with 100 points, as the issue saw.
        let mut n = zhongjie::credit::store::credit::NewRecord::new(
            banned,
            Kind::Commendation,
            2,
            Source::Regulator,
        );
        n.evidence = "年度优秀中介机构";
        zhongjie::db::write_tx(&mut c, |c| {
            zhongjie::credit::store::credit::insert_record(c, &n)
        })
        .unwrap();
        zhongjie::db::write_tx(&mut c, |c| {
            zhongjie::credit::store::sanctions::create_ban(
                c,
                &zhongjie::credit::store::sanctions::NewBan {
                    agency_id: banned,
                    department_id: dept,
                    reason: "以欺骗手段取得中选资格",
                    legal_basis: "《攀枝花市中介服务网上超市管理办法》第三十二条",
                    starts_on: from,
                    ends_on: to,
                    by: reg,
                    persons: Vec::new(),
                },
            )
        })
        .unwrap();
        // The credit job has run over every agency.
        zhongjie::credit::store::credit::regrade_stale(
            &mut c,
            today(),
            500,
            chrono::Duration::zero(),
        )
        .unwrap();
    }
    assert_eq!(
        cached_grade(&app, fresh),
        None,
        "no record, no contract: not graded"
    );
    assert_eq!(cached_grade(&app, banned).as_deref(), Some("A"));
    let period = format!("{} 至 {}", d(from), d(to));

    // The library list: each restriction with its period in the grade's cell.
    let (s, list) = app.get_text("/agencies").await;
    assert_eq!(s, 200);
    let row = row_of(&list, &format!("/agencies/{listed}"));
    assert!(row.contains("失信名单") && row.contains(&period), "{row}");
    let row = row_of(&list, &format!("/agencies/{banned}"));
    assert!(row.contains("市场禁入") && row.contains(&period), "{row}");
    assert!(!row.contains("守信"), "no red-list mark under a ban: {row}");
    let row = row_of(&list, &format!("/agencies/{fresh}"));
    assert!(row.contains("暂无评价"), "{row}");
    assert!(!row.contains("守信") && !row.contains(">A<"), "{row}");

    // The agency page: the restriction instead of 正常, beside the grade.
    let (_, page) = app.get_text(&format!("/agencies/{listed}")).await;
    assert!(page.contains(&format!("失信名单 {period}")), "{page}");
    assert!(
        !page.contains("tag-success\">正常<"),
        "a blacklisted agency is not 正常"
    );
    let (_, page) = app.get_text(&format!("/agencies/{banned}")).await;
    assert!(page.contains(&format!("市场禁入 {period}")));
    assert!(!page.contains("tag-success\">正常<") && !page.contains("守信"));
    let (_, page) = app.get_text(&format!("/agencies/{fresh}")).await;
    assert!(page.contains("暂无评价") && !page.contains("守信"));
    assert!(page.contains("tag-success\">正常<"), "nothing against it");

    // The credit list: graded agencies only, each restriction beside its grade.
    let (_, credit) = app.get_text("/credit").await;
    let row = row_of(&credit, &format!("/credit/agencies/{banned}"));
    assert!(row.contains("市场禁入") && !row.contains("守信"), "{row}");
    let row = row_of(&credit, &format!("/credit/agencies/{listed}"));
    assert!(row.contains("失信名单") && row.contains(&period), "{row}");
    assert!(
        !credit.contains(&format!("/credit/agencies/{fresh}")),
        "a new agency has no grade to list"
    );

    // The credit report and its JSON.
    let (_, rep) = app.get_text(&format!("/credit/agencies/{listed}")).await;
    assert!(rep.contains(&format!("失信名单 {period}")));
    let (_, rep) = app.get_text(&format!("/credit/agencies/{fresh}")).await;
    assert!(rep.contains("暂无评价") && !rep.contains("守信"), "{rep}");
    let (_, json) = app
        .get_text(&format!("/credit/agencies/{fresh}.json"))
        .await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["grade"].is_null() && v["red_list"] == false, "{v}");

    // Downloads carry it too; and English pages say it in English.
    let (_, csv) = app.get_text("/agencies?format=csv").await;
    assert!(csv.contains(&format!("失信名单 {period}")));
    let (_, json) = app.get_text("/agencies?format=json").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = v["items"].as_array().unwrap();
    let listed_json = rows.iter().find(|r| r["id"] == listed).unwrap();
    assert_eq!(listed_json["restrictions"][0]["kind"], "blacklisted");
    assert_eq!(listed_json["restrictions"][0]["until"], d(to));
    let (_, en) = app.get_text(&format!("/agencies/{banned}?lang=en")).await;
    assert!(
        en.contains(&format!("Market ban {} to {}", d(from), d(to))),
        "{en}"
    );
}

#[actix_web::test]
async fn an_agency_is_rated_from_its_first_contract() {
    let app = spawn_web_only().await;
    let w = EnvAssessment::insert(&app).await;
    crate::contracts::signing::publish_demo_texts(&app);
    zhongjie::credit::store::credit::regrade_stale(
        &mut app.conn(),
        today(),
        500,
        chrono::Duration::zero(),
    )
    .unwrap();
    assert_eq!(cached_grade(&app, w.agency_id), None);
    let ann = w.selected(&app);
    let r = w
        .agency
        .post(&format!("/announcements/{ann}/confirm"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(crate::contracts::signing::contract_of(&app, ann).is_some());
    assert_eq!(cached_grade(&app, w.agency_id).as_deref(), Some("A"));
    let (_, page) = app.get_text(&format!("/agencies/{}", w.agency_id)).await;
    assert!(!page.contains("暂无评价"));
}

// ---------------------------------------------------------------- automatic credit records

#[actix_web::test]
async fn a_forfeit_deducts_what_the_current_rules_say_and_names_the_announcement() {
    let app = spawn_web_only().await;
    let admin = app.create_user(Role::Admin, "admin@example.com").await;
    let w = EnergyReview::with_agencies(3).insert(&app).await;
    let rules = publish_rules(&app, admin);
    let (id, _) = w.announce(&app, "lowest_price");
    sel::quote(&app, id, w.agencies[0].0, "100000");
    sel::quote(&app, id, w.agencies[1].0, "101000");
    sel::quote(&app, id, w.agencies[2].0, "102000");
    sel::pass_deadline(&app, id);
    app.get(&format!("/announcements/{id}/proof.json")).await;
    assert_eq!(sel::status_of(&app, id), "publicity");
    let loser = w.agencies[0].0;
    let before = score_of(&app, loser);
    diesel::update(announcement_results::table.find(id))
        .set((
            announcement_results::publicity_ends.eq(today() - Duration::days(5)),
            announcement_results::confirm_by.eq(today() - Duration::days(1)),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    zhongjie::selection::steps::opening::advance(&mut app.conn()).unwrap();
    assert_eq!(sel::result_row(&app, id).0, Some(w.agencies[1].0));
    let (points, version): (i32, i32) = credit_records::table
        .filter(credit_records::agency_id.eq(loser))
        .filter(credit_records::kind.eq("forfeit"))
        .select((credit_records::points, credit_records::rule_version))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((points, version), (rules.points_for(Kind::Forfeit), 2));
    assert_eq!(
        score_of(&app, loser) - before,
        100 * rules.points_for(Kind::Forfeit),
        "the score falls by the rule set's points"
    );

    // The evidence names the announcement, in the reader's language, with a link.
    let title = "钒钛产业园区道路工程 · 节能评估报告编制";
    let (_, zh) = app.get_text(&format!("/credit/agencies/{loser}")).await;
    assert!(zh.contains(&format!("公告 {id}《{title}》")), "{zh}");
    assert!(zh.contains(&format!("href=\"/announcements/{id}\"")));
    assert!(!zh.contains(&format!("announcement {id}")));
    let (_, en) = app
        .get_text(&format!("/credit/agencies/{loser}?lang=en"))
        .await;
    assert!(
        en.contains(&format!("announcement {id} &#34;{title}&#34;")),
        "{en}"
    );
    assert!(en.contains("Did not confirm the award"));
}

#[actix_web::test]
async fn refusing_to_sign_deducts_what_the_current_rules_say_and_names_the_announcement() {
    let app = spawn_web_only().await;
    let admin = app.create_user(Role::Admin, "admin@example.com").await;
    let w = EnvAssessment::insert(&app).await;
    crate::contracts::signing::publish_demo_texts(&app);
    let ann = w.selected(&app);
    w.agency
        .post(&format!("/announcements/{ann}/confirm"), &[])
        .await;
    let (id, ..) = crate::contracts::signing::contract_of(&app, ann).unwrap();
    let mut f = crate::contracts::signing::FILL.to_vec();
    f.push(("revision", "1"));
    assert_eq!(
        w.owner
            .post(&format!("/contracts/{id}/edit"), &f)
            .await
            .status()
            .as_u16(),
        303
    );
    w.owner.post(&format!("/contracts/{id}/submit"), &[]).await;
    let dg = crate::contracts::signing::digest_on_page(&w.owner, id).await;
    let r = w
        .owner
        .post(
            &format!("/contracts/{id}/sign"),
            &[("digest", dg.as_str()), ("read", "1")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let rules = publish_rules(&app, admin);
    let before = score_of(&app, w.agency_id);
    diesel::update(contracts::table.find(id))
        .set(contracts::sign_by.eq(today() - Duration::days(1)))
        .execute(&mut *app.conn())
        .unwrap();
    zhongjie::jobs::contracts(&mut app.conn(), today()).unwrap();
    let (points, version): (i32, i32) = credit_records::table
        .filter(credit_records::agency_id.eq(w.agency_id))
        .filter(credit_records::kind.eq("refused_to_sign"))
        .select((credit_records::points, credit_records::rule_version))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(
        (points, version),
        (rules.points_for(Kind::RefusedToSign), 2)
    );
    assert_eq!(
        score_of(&app, w.agency_id) - before,
        100 * rules.points_for(Kind::RefusedToSign)
    );
    let title = "钒钛新材料产业园污水处理厂 · 建设项目环境影响报告书编制";
    let (_, zh) = app
        .get_text(&format!("/credit/agencies/{}", w.agency_id))
        .await;
    assert!(zh.contains(&format!("合同 {id}")) && zh.contains(&format!("公告 {ann}《{title}》")));
    assert!(zh.contains(&format!("href=\"/announcements/{ann}\"")));
    let (_, en) = app
        .get_text(&format!("/credit/agencies/{}?lang=en", w.agency_id))
        .await;
    assert!(en.contains(&format!(
        "Did not sign the contract within the time allowed (contract {id})"
    )));
}

// ---------------------------------------------------------------- states that read right

#[actix_web::test]
async fn once_both_have_signed_nobody_is_told_to_wait() {
    let app = spawn_web_only().await;
    let w = EnvAssessment::insert(&app).await;
    crate::contracts::signing::publish_demo_texts(&app);
    let ann = w.selected(&app);
    w.agency
        .post(&format!("/announcements/{ann}/confirm"), &[])
        .await;
    let (id, ..) = crate::contracts::signing::contract_of(&app, ann).unwrap();
    let mut f = crate::contracts::signing::FILL.to_vec();
    f.push(("revision", "1"));
    w.owner.post(&format!("/contracts/{id}/edit"), &f).await;
    w.owner.post(&format!("/contracts/{id}/submit"), &[]).await;
    let dg = crate::contracts::signing::digest_on_page(&w.agency, id).await;
    let sign = [("digest", dg.as_str()), ("read", "1")];
    let path = format!("/contracts/{id}/sign");
    assert_eq!(w.agency.post(&path, &sign).await.status().as_u16(), 303);
    let (_, page) = w.agency.get_text(&format!("/contracts/{id}")).await;
    assert!(
        page.contains("等待对方签署"),
        "the agency waits for the owner"
    );
    assert_eq!(w.owner.post(&path, &sign).await.status().as_u16(), 303);
    assert_eq!(
        crate::contracts::signing::contract_of(&app, ann).unwrap().1,
        "signed"
    );
    for who in [&w.agency, &w.owner] {
        let (_, page) = who.get_text(&format!("/contracts/{id}")).await;
        assert!(!page.contains("等待对方签署"), "{page}");
        assert!(page.contains("id=\"signed-by-both\""));
        assert!(page.contains("合同已生效"));
    }
}

#[actix_web::test]
async fn an_annulled_result_names_no_winner() {
    let app = spawn_web_only().await;
    let w = EnergyReview::with_agencies(3).insert(&app).await;
    let (id, _) = w.announce(&app, "lowest_price");
    for (i, (a, _)) in w.agencies.iter().enumerate() {
        sel::quote(&app, id, *a, &format!("{}", 100_000 + i * 1_000));
    }
    sel::pass_deadline(&app, id);
    app.get(&format!("/announcements/{id}/proof.json")).await;
    let (_, page) = app.get_text(&format!("/announcements/{id}")).await;
    assert!(
        page.contains("<dt>中选机构</dt>"),
        "a winner while in publicity"
    );
    let r = w.agencies[2]
        .1
        .post(
            &format!("/announcements/{id}/objections"),
            &[("text", "中选机构报价明显低于成本")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let oid: i64 = zhongjie::db::schema::objections::table
        .select(zhongjie::db::schema::objections::id)
        .first(&mut *app.conn())
        .unwrap();
    let r = w
        .owner
        .post(
            &format!("/owner/objections/{oid}/answer"),
            &[("text", "经核查质疑成立。"), ("upheld", "yes")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(sel::status_of(&app, id), "annulled");
    let (_, page) = app.get_text(&format!("/announcements/{id}")).await;
    assert!(!page.contains("<dt>中选机构</dt>"), "{page}");
    assert!(!page.contains("中选价"));
    assert!(page.contains("本次选取结果已撤销"));
    assert!(!page.contains("已产生中选机构"));
}

#[actix_web::test]
async fn while_a_low_quote_is_justified_a_quote_not_reconfirmed_is_not_valid() {
    let app = spawn_web_only().await;
    let w = EnergyReview::with_agencies(5).insert(&app).await;
    let (id, _) = w.announce(&app, "lowest_price");
    for (i, amount) in ["100000", "100000", "100000", "50000", "100500"]
        .iter()
        .enumerate()
    {
        sel::quote(&app, id, w.agencies[i].0, amount);
    }
    // A material change after the quotes: all but the last agency re-confirmed.
    let stale = w.agencies[4].0;
    diesel::update(announcements::table.find(id))
        .set(announcements::version.eq(2))
        .execute(&mut *app.conn())
        .unwrap();
    diesel::update(
        quotes::table
            .filter(quotes::announcement_id.eq(id))
            .filter(quotes::agency_id.ne(stale)),
    )
    .set(quotes::announcement_version.eq(2))
    .execute(&mut *app.conn())
    .unwrap();
    sel::pass_deadline(&app, id);
    app.get(&format!("/announcements/{id}/proof.json")).await;
    assert_eq!(sel::status_of(&app, id), "justifying");
    let (_, page) = app.get_text(&format!("/announcements/{id}")).await;
    let row = row_of(&page, &format!("/agencies/{stale}"));
    assert!(row.contains("公告实质性变更后未重新确认报价"), "{row}");
    assert!(!row.contains("有效"), "{row}");
    let row = row_of(&page, &format!("/agencies/{}", w.agencies[0].0));
    assert!(row.contains("有效"), "{row}");
    let row = row_of(&page, &format!("/agencies/{}", w.agencies[3].0));
    assert!(row.contains("待机构说明"), "{row}");
}

#[actix_web::test]
async fn a_rating_is_revised_once_as_the_page_says() {
    let app = spawn_web_only().await;
    let k = crate::contracts::fulfilment::signed_contract(&app, 1, 20, 0).await;
    crate::contracts::fulfilment::deliver_and_accept(&app, &k).await;
    let rate = format!("/contracts/{}/evaluation", k.id);
    let stars = |q: &'static str, comment: &'static str| {
        vec![
            ("quality", q),
            ("timeliness", "4"),
            ("attitude", "5"),
            ("fees", "4"),
            ("conduct", "5"),
            ("comment", comment),
        ]
    };
    let (_, page) = k
        .owner
        .get_text(&format!("/contracts/{}/fulfilment", k.id))
        .await;
    assert!(page.contains("可修改一次"));
    let r = k.owner.post(&rate, &stars("3", "报告基本符合要求")).await;
    assert_eq!(r.status().as_u16(), 303);
    let r = k.owner.post(&rate, &stars("4", "补正后报告符合要求")).await;
    assert_eq!(r.status().as_u16(), 303);
    let r = k.owner.post(&rate, &stars("1", "再次修改")).await;
    assert_eq!(r.status().as_u16(), 409);
    let body = r.text().await.unwrap();
    assert!(body.contains("已修改过一次"), "{body}");
    let (quality, comment): (i32, String) = evaluations::table
        .select((evaluations::quality, evaluations::comment))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((quality, comment.as_str()), (4, "补正后报告符合要求"));
    let kinds: Vec<String> = credit_records::table
        .filter(credit_records::agency_id.eq(k.agency_id))
        .order(credit_records::id)
        .select(credit_records::kind)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(kinds, ["evaluation", "revocation", "evaluation"]);
    // The page no longer offers the form.
    let (_, page) = k
        .owner
        .get_text(&format!("/contracts/{}/fulfilment", k.id))
        .await;
    assert!(!page.contains(&format!("action=\"{rate}\"")));
}

// ---------------------------------------------------------------- money

#[actix_web::test]
async fn money_reads_one_way_on_the_result_page_and_in_mail() {
    let app = spawn_web_only().await;
    let w = EnergyReview::with_agencies(5).insert(&app).await;
    // Reasonable price: the highest and lowest are left out of the benchmark, which is then
    // 123,456.78; its ±10% band is 111,111.102 to 135,802.458 exactly.
    let (rp, _) = w.announce(&app, "reasonable_price");
    for (i, amount) in ["123456.78", "123456.78", "123456.78", "100000", "150000"]
        .iter()
        .enumerate()
    {
        sel::quote(&app, rp, w.agencies[i].0, amount);
    }
    sel::pass_deadline(&app, rp);
    app.get(&format!("/announcements/{rp}/proof.json")).await;
    assert_eq!(sel::status_of(&app, rp), "publicity");
    let (_, page) = app.get_text(&format!("/announcements/{rp}")).await;
    assert!(page.contains("¥123,456.78"), "benchmark and quotes");
    assert!(page.contains("¥100,000.00") && page.contains("¥150,000.00"));
    // The band in whole fen inside it, never the rule's four decimals.
    assert!(page.contains("¥111,111.11 至 ¥135,802.45"), "{page}");
    assert!(!page.contains("111111.1020") && !page.contains("135802.4580"));
    assert!(page.contains("中选价 ¥123,456.78"));
    let (_, en) = app.get_text(&format!("/announcements/{rp}?lang=en")).await;
    assert!(en.contains("¥111,111.11 to ¥135,802.45"));

    // A mail naming an amount: the abnormally low quote's request for a justification.
    let (lp, _) = w.announce(&app, "lowest_price");
    for (i, amount) in ["100000", "100000", "100000", "50000.5"].iter().enumerate() {
        sel::quote(&app, lp, w.agencies[i].0, amount);
    }
    sel::pass_deadline(&app, lp);
    app.get(&format!("/announcements/{lp}/proof.json")).await;
    assert_eq!(sel::status_of(&app, lp), "justifying");
    let low_email: String = users::table
        .find(w.agencies[3].0)
        .select(users::email)
        .first(&mut *app.conn())
        .unwrap();
    let mails = app.outbox_bodies();
    let (_, body) = mails
        .iter()
        .find(|(to, b)| *to == low_email && b.contains("异常低价"))
        .expect("the justification request");
    assert!(body.contains("¥50,000.50"), "{body}");
    assert!(!body.contains("¥¥"));
}

// ---------------------------------------------------------------- navigation and audit

#[actix_web::test]
async fn the_fulfilment_page_links_back_to_its_contract() {
    let app = spawn_web_only().await;
    let k = crate::contracts::fulfilment::signed_contract(&app, 1, 20, 0).await;
    for who in [&k.owner, &k.agency] {
        let (s, page) = who
            .get_text(&format!("/contracts/{}/fulfilment", k.id))
            .await;
        assert_eq!(s, 200);
        assert!(
            page.contains(&format!(
                "<a href=\"/contracts/{}\" id=\"back-to-contract\">返回合同</a>",
                k.id
            )),
            "{page}"
        );
    }
}

/// Every action code the code writes to the audit trail (the literals passed to
/// `audit::record` and to its wrappers), found by scanning the sources: each has a name in
/// both languages.
#[test]
fn every_audit_action_the_code_writes_has_a_name_in_both_languages() {
    let zh = zhongjie::i18n::parse(zhongjie::i18n::ZH_FILES).unwrap();
    let en = zhongjie::i18n::parse(zhongjie::i18n::EN_FILES).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let is_code = |s: &str| {
        let mut parts = s.split('.');
        let ok = |p: &str| {
            p.starts_with(|c: char| c.is_ascii_lowercase())
                && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        };
        s.contains('.') && parts.all(ok)
    };
    // File names that look like codes.
    let files_ext = [
        "csv", "json", "txt", "rs", "html", "key", "db", "js", "css", "sql", "toml", "md", "pdf",
        "eml", "xml", "zip",
    ];
    let mut codes = std::collections::BTreeSet::new();
    let mut patterns = std::collections::BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        // Unit tests hold sample entries, not codes the platform writes.
        let code_part = text.split("#[cfg(test)]").next().unwrap_or("");
        for piece in code_part.split('"').skip(1).step_by(2) {
            if is_code(piece)
                && !zh.contains_key(piece)
                && !files_ext.contains(&piece.rsplit('.').next().unwrap_or(""))
            {
                codes.insert(piece.to_string());
            }
            // "contract.reminded.{kind}": a family of codes.
            if let Some(prefix) = piece.strip_suffix("{kind}")
                && prefix.ends_with('.')
                && is_code(prefix.trim_end_matches('.'))
                && !zh.keys().any(|k| k.starts_with(prefix))
            {
                patterns.insert(prefix.to_string());
            }
        }
    }
    assert!(
        codes.contains("session.login") && codes.contains("contract.signed") && codes.len() > 60,
        "the scan finds the codes: {codes:?}"
    );
    let missing: Vec<String> = codes
        .iter()
        .flat_map(|c| {
            let key = format!("audit.action.{c}");
            [
                ("zh-CN", zh.contains_key(&key)),
                ("en", en.contains_key(&key)),
            ]
            .into_iter()
            .filter(|(_, ok)| !ok)
            .map(move |(l, _)| format!("{key} ({l})"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "actions without a name:\n{}",
        missing.join("\n")
    );
    for p in patterns {
        let key = format!("audit.action.{p}");
        assert!(
            zh.keys().any(|k| k.starts_with(&key)) && en.keys().any(|k| k.starts_with(&key)),
            "no names for {p}*"
        );
    }
    for kind in ["delivery", "payment", "rating"] {
        assert!(zh.contains_key(&format!("audit.action.contract.reminded.{kind}")));
    }
}

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
}

#[actix_web::test]
async fn the_audit_page_says_what_happened_in_words_with_links() {
    let app = spawn_web_only().await;
    let w = EnvAssessment::insert(&app).await;
    crate::contracts::signing::publish_demo_texts(&app);
    let ann = w.selected(&app);
    w.agency
        .post(&format!("/announcements/{ann}/confirm"), &[])
        .await;
    let (id, ..) = crate::contracts::signing::contract_of(&app, ann).unwrap();
    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;
    let owner_name: String = users::table
        .find(w.owner_id)
        .select(users::org_name)
        .first(&mut *app.conn())
        .unwrap();
    let (s, page) = admin.get_text("/admin/audit").await;
    assert_eq!(s, 200);
    // Actions in words (the code stays as the cell's title), never the raw code alone.
    assert!(page.contains("title=\"session.login\">登录</td>"), "{page}");
    assert!(page.contains("title=\"selection.awarded\">确认中选</td>"));
    assert!(page.contains("title=\"contract.drafted\">按示范文本生成合同草稿</td>"));
    assert!(!page.contains(">session.login<"));
    // Actors by name and role; objects by name, each linking to its page.
    assert!(page.contains(&owner_name) && page.contains("项目业主"));
    assert!(page.contains("系统（自动执行）"));
    assert!(page.contains(&format!(
        "<a href=\"/announcements/{ann}\">公告 第 {ann} 号</a>"
    )));
    assert!(page.contains(&format!("<a href=\"/contracts/{id}\">合同 第 {id} 号</a>")));
    assert!(
        page.contains(&format!("href=\"/agencies/{}\"", w.agency_id)),
        "the agency's login"
    );
    assert!(!page.contains("user #") && !page.contains("owner #"));
    let (_, en) = admin.get_text("/admin/audit?lang=en").await;
    assert!(en.contains("title=\"session.login\">Signed in</td>"));
    assert!(en.contains(&format!(
        "<a href=\"/contracts/{id}\">Contract no. {id}</a>"
    )));
}
