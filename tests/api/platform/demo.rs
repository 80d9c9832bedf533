//! The demo keeps its own rules: every row it writes passes the parse function of the form a
//! person would have used (at the time the demo says it was entered), every region code is
//! in the vocabulary (and the database refuses one that is not), the timeline of each
//! announcement carries the dates of its rows, every load draws the same winners, and the
//! README names the accounts the demo really has.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::DbConnection;
use zhongjie::db::schema::*;
use zhongjie::domain::catalogue_rules::{self, ItemInput};
use zhongjie::domain::money::Money;
use zhongjie::domain::publication::{self as rules, AnnouncementInput, ProjectInput};
use zhongjie::domain::{accounts, agency_rules, catalogue, contract_text, credit, password};

use crate::helpers::*;

/// The China day of a stored UTC time: what "today" was when the row was entered.
fn day_of(t: NaiveDateTime) -> NaiveDate {
    rules::china_day(t)
}

async fn load_demo(app: &TestApp, bulk: usize) {
    let pool = app.pool.clone();
    let cfg = app.config.clone();
    actix_web::web::block(move || {
        let mut c = pool.get().unwrap();
        zhongjie::demo::load(&mut c, &cfg).unwrap();
        if bulk > 0 {
            zhongjie::demo::agencies::generate(&mut c, bulk).unwrap();
        }
    })
    .await
    .unwrap();
}

fn plain(m: Option<Money>) -> String {
    m.map(Money::to_plain).unwrap_or_default()
}

fn email_of(c: &mut DbConnection, id: i64) -> String {
    users::table.find(id).select(users::email).first(c).unwrap()
}

// ---------------------------------------------------------------- every row, every form

fn check_accounts(c: &mut DbConnection) {
    let depts = zhongjie::accounts::store::department::all(c).unwrap();
    for d in &depts {
        let others: Vec<&str> = depts
            .iter()
            .filter(|x| x.id != d.id)
            .map(|x| x.code.as_str())
            .collect();
        let v = accounts::parse_department(
            &accounts::DepartmentInput {
                code: d.code.clone(),
                name_zh: d.name_zh.clone(),
                name_en: d.name_en.clone(),
            },
            &others,
        )
        .unwrap_or_else(|e| panic!("department {}: {e:?}", d.code));
        assert_eq!(
            (v.code, v.name_zh, v.name_en),
            (d.code.clone(), d.name_zh.clone(), d.name_en.clone())
        );
    }
    type U = (
        String,
        String,
        String,
        Option<String>,
        String,
        String,
        Option<i64>,
    );
    let us: Vec<U> = users::table
        .select((
            users::role,
            users::email,
            users::org_name,
            users::uscc,
            users::contact_name,
            users::phone,
            users::department_id,
        ))
        .load(c)
        .unwrap();
    assert!(us.len() >= 27, "{} accounts", us.len());
    for (role, email, org, code, contact, phone, dept) in us {
        let role = Role::parse(&role).unwrap();
        let contact_in = accounts::ContactInput {
            contact_name: contact.clone(),
            phone: phone.clone(),
            email: email.clone(),
        };
        let typed = if role.self_registered() {
            let r = accounts::parse_registration(&accounts::RegistrationInput {
                org_name: org.clone(),
                uscc: code.clone().unwrap_or_default(),
                contact: contact_in,
            })
            .unwrap_or_else(|e| panic!("{email}: {e:?}"));
            assert_eq!(
                (r.org_name, Some(r.uscc.into_inner())),
                (org.clone(), code.clone()),
                "{email}"
            );
            r.contact
        } else {
            // Staff: a regulator works for its department, under the department's name.
            if role == Role::Regulator {
                let d = depts.iter().find(|d| Some(d.id) == dept).unwrap();
                assert_eq!(org, d.name_zh, "{email}");
            }
            accounts::parse_contact(&contact_in).unwrap_or_else(|e| panic!("{email}: {e:?}"))
        };
        assert_eq!(
            (typed.contact_name, typed.phone, typed.email),
            (contact, phone, email.clone())
        );
        if email.ends_with("@demo.zhongjie.cn") {
            assert_eq!(
                password::check(zhongjie::demo::DEMO_PASSWORD, &email),
                Ok(())
            );
        }
    }
}

fn check_agencies(c: &mut DbConnection) {
    let dept_ids: Vec<i64> = zhongjie::accounts::store::department::all(c)
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    let all: Vec<zhongjie::library::store::agency::Agency> = agencies::table
        .select(zhongjie::library::store::agency::Agency::as_select())
        .load(c)
        .unwrap();
    let settings = zhongjie::accounts::store::settings::load(c).unwrap();
    let review_days = u32::try_from(settings.get("cert_review_working_days")).unwrap();
    for a in &all {
        let (org, code): (String, Option<String>) = users::table
            .find(a.user_id)
            .select((users::org_name, users::uscc))
            .first(c)
            .unwrap();
        assert_eq!((&a.name, Some(&a.uscc)), (&org, code.as_ref()));
        assert!(!a.legal_rep.is_empty(), "{} has a profile", a.name);
        let p = agency_rules::parse_profile(
            &agency_rules::ProfileInput {
                legal_rep: a.legal_rep.clone(),
                address: a.address.clone(),
                region: a.region.clone(),
                contact_phone: a.contact_phone.clone(),
                affiliated: if a.affiliated {
                    "on".into()
                } else {
                    String::new()
                },
                affiliated_department_id: a
                    .affiliated_department_id
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                intro: a.intro.clone(),
            },
            &a.uscc,
            &dept_ids,
        )
        .unwrap_or_else(|e| panic!("{} ({}): {e:?}", a.name, a.uscc));
        assert_eq!(
            (
                &p.legal_rep,
                &p.address,
                &p.region,
                &p.contact_phone,
                &p.intro
            ),
            (
                &a.legal_rep,
                &a.address,
                &a.region,
                &a.contact_phone,
                &a.intro
            )
        );
        for m in zhongjie::library::store::agency::managers(c, a.user_id).unwrap() {
            let v = agency_rules::parse_manager(
                &agency_rules::ManagerInput {
                    name: m.name.clone(),
                    id_number: m.id_number.clone(),
                    position: m.position.clone(),
                },
                day_of(m.created_at),
            )
            .unwrap_or_else(|e| panic!("{}: manager {e:?}", a.name));
            assert_eq!(
                (v.name, v.id_number.into_inner(), v.position),
                (m.name, m.id_number, m.position)
            );
        }
        for x in zhongjie::library::store::agency::practitioners(c, a.user_id).unwrap() {
            let v = agency_rules::parse_practitioner(&agency_rules::PractitionerInput {
                name: x.name.clone(),
                cert_type: x.cert_type.clone(),
                cert_number: x.cert_number.clone(),
            })
            .unwrap_or_else(|e| panic!("{}: practitioner {e:?}", a.name));
            assert_eq!(
                (v.name, v.cert_type, v.cert_number),
                (x.name, x.cert_type, x.cert_number)
            );
        }
        for o in zhongjie::library::store::agency::offered_items(c, a.user_id).unwrap() {
            let item = zhongjie::catalogue::store::find(c, o.item_id)
                .unwrap()
                .unwrap();
            assert_eq!(
                item.status,
                zhongjie::domain::status::ItemStatus::Retained,
                "{} offers {}",
                a.name,
                item.code
            );
            let terms = agency_rules::ItemTerms {
                pricing: catalogue::Pricing::parse(&item.pricing).unwrap(),
                price_min: item.price_min_fen,
                price_max: item.price_max_fen,
                time_limit_days: item.time_limit_days,
            };
            let v = agency_rules::parse_offer(
                &agency_rules::OfferInput {
                    fee_standard: o.fee_standard.clone(),
                    fee_min: plain(o.fee_min_fen),
                    fee_max: plain(o.fee_max_fen),
                    committed_days: o.committed_days.to_string(),
                },
                &terms,
            )
            .unwrap_or_else(|e| panic!("{}: offer of {}: {e:?}", a.name, item.code));
            assert_eq!(
                (
                    v.fee_range.map(|r| r.0),
                    v.fee_range.map(|r| r.1),
                    v.committed_days
                ),
                (o.fee_min_fen, o.fee_max_fen, o.committed_days)
            );
        }
        for cert in zhongjie::library::store::agency::certificates(c, a.user_id).unwrap() {
            let submitted = day_of(cert.created_at);
            let v = agency_rules::parse_certificate(
                &agency_rules::CertificateInput {
                    qual_type: cert.qual_type.clone(),
                    level: cert.level.to_string(),
                    number: cert.number.clone(),
                    issuer: cert.issuer.clone(),
                    valid_from: cert.valid_from.to_string(),
                    valid_to: cert.valid_to.to_string(),
                },
                submitted,
            )
            .unwrap_or_else(|e| panic!("{}: certificate {}: {e:?}", a.name, cert.number));
            assert_eq!(
                (v.level, v.valid_from, v.valid_to),
                (cert.level, cert.valid_from, cert.valid_to)
            );
            let cal = zhongjie::accounts::store::calendar::load_from(c, submitted).unwrap();
            assert_eq!(
                cert.review_due,
                agency_rules::review_due(submitted, review_days, &cal),
                "{}: review due of {}",
                a.name,
                cert.number
            );
            if cert.status == zhongjie::domain::status::ReviewStatus::Approved {
                let at = cert.reviewed_at.unwrap();
                assert!(at >= cert.created_at);
                let reviewer = cert.reviewed_by.unwrap();
                let (role, dept): (String, Option<i64>) = users::table
                    .find(reviewer)
                    .select((users::role, users::department_id))
                    .first(c)
                    .unwrap();
                if role == "regulator" {
                    let code: String = departments::table
                        .find(dept.unwrap())
                        .select(departments::code)
                        .first(c)
                        .unwrap();
                    assert_eq!(
                        Some(code.as_str()),
                        agency_rules::reviewing_department(&cert.qual_type),
                        "reviewed by its department"
                    );
                } else {
                    assert_eq!(role, "admin");
                }
            }
        }
    }
}

fn item_input(item: &zhongjie::catalogue::store::Item, quals: &[(String, i32)]) -> ItemInput {
    let fixed = item.pricing == "fixed";
    ItemInput {
        code: item.code.clone(),
        name: item.name.clone(),
        keywords: item.keywords.clone(),
        industry: item.industry.clone(),
        approval_name: item.approval_name.clone(),
        department_id: item.department_id.to_string(),
        legal_basis: item.legal_basis.clone(),
        guide_basis: item.guide_basis.clone(),
        guide_scope: item.guide_scope.clone(),
        guide_object: item.guide_object.clone(),
        guide_content: item.guide_content.clone(),
        guide_method: item.guide_method.clone(),
        guide_conclusion: item.guide_conclusion.clone(),
        time_limit_days: item.time_limit_days.to_string(),
        pricing: item.pricing.clone(),
        price_min: if fixed {
            String::new()
        } else {
            plain(item.price_min_fen)
        },
        price_max: if fixed {
            String::new()
        } else {
            plain(item.price_max_fen)
        },
        price_fixed: if fixed {
            plain(item.price_min_fen)
        } else {
            String::new()
        },
        fee_basis: item.fee_basis.clone(),
        payer: item.payer.clone(),
        self_preparable: if item.self_preparable { "1" } else { "" }.into(),
        regional_assessment: if item.regional_assessment { "1" } else { "" }.into(),
        quals: quals
            .iter()
            .map(|(t, l)| (t.clone(), l.to_string()))
            .collect(),
    }
}

fn check_catalogue(c: &mut DbConnection) {
    let dept_ids: Vec<i64> = zhongjie::accounts::store::department::all(c)
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    let ids: Vec<i64> = catalogue_items::table
        .select(catalogue_items::id)
        .load(c)
        .unwrap();
    assert!(ids.len() >= 30);
    for id in ids {
        let item = zhongjie::catalogue::store::find(c, id).unwrap().unwrap();
        let quals = zhongjie::catalogue::store::qual_pairs(
            &zhongjie::catalogue::store::quals_of(c, id).unwrap(),
        );
        let v = catalogue_rules::validate_item(&item_input(&item, &quals), &dept_ids)
            .unwrap_or_else(|e| panic!("{}: {e:?}", item.code));
        assert_eq!(
            (
                v.code,
                v.name,
                v.legal_basis,
                v.time_limit_days,
                v.price_min,
                v.price_max,
                v.quals
            ),
            (
                item.code.clone(),
                item.name.clone(),
                item.legal_basis.clone(),
                item.time_limit_days,
                item.price_min_fen,
                item.price_max_fen,
                quals
            )
        );
    }
    let adjustments: Vec<(String, String)> = catalogue_adjustments::table
        .select((catalogue_adjustments::reason, catalogue_adjustments::basis))
        .load(c)
        .unwrap();
    for (reason, basis) in adjustments {
        catalogue_rules::validate_change(&reason, &basis)
            .unwrap_or_else(|e| panic!("{reason}: {e:?}"));
    }
    let assessments: Vec<(String, String, NaiveDate, NaiveDateTime)> = regional_assessments::table
        .select((
            regional_assessments::zone,
            regional_assessments::title,
            regional_assessments::valid_until,
            regional_assessments::created_at,
        ))
        .load(c)
        .unwrap();
    assert_eq!(assessments.len(), 2);
    for (zone, title, until, at) in assessments {
        catalogue_rules::validate_assessment(
            &catalogue_rules::AssessmentInput {
                zone,
                title,
                valid_until: until.to_string(),
            },
            day_of(at),
        )
        .unwrap();
    }
}

fn check_credit_and_sanctions(c: &mut DbConnection) {
    let ruleset = zhongjie::credit::store::credit::current_rules(c)
        .unwrap()
        .rules();
    type R = (
        String,
        i32,
        String,
        String,
        NaiveDate,
        NaiveDateTime,
        Option<i64>,
    );
    let records: Vec<R> = credit_records::table
        .select((
            credit_records::kind,
            credit_records::points,
            credit_records::evidence,
            credit_records::legal_basis,
            credit_records::effective_on,
            credit_records::created_at,
            credit_records::recorded_by,
        ))
        .load(c)
        .unwrap();
    let mut by_form = 0;
    for (kind, points, evidence, basis, on, at, by) in records {
        let k = credit::Kind::parse(&kind).unwrap();
        if credit::Kind::REGULATOR_FORM.contains(&k) {
            let v = credit::parse_record(
                &credit::RecordInput {
                    kind: kind.clone(),
                    points: points.to_string(),
                    evidence: evidence.clone(),
                    legal_basis: basis.clone(),
                    effective_on: on.to_string(),
                },
                day_of(at),
                &ruleset,
            )
            .unwrap_or_else(|e| panic!("{kind} {evidence}: {e:?}"));
            assert_eq!((v.points, v.effective_on), (points, on));
            assert!(by.is_some(), "{kind}: a regulator recorded it");
            by_form += 1;
        } else if k == credit::Kind::Revocation {
            zhongjie::domain::validate::text(&evidence, credit::REVOKE_REASON_MAX, true).unwrap();
        }
    }
    assert!(by_form >= 9);
    type P = (String, String, NaiveDate, NaiveDate, NaiveDateTime);
    let listings: Vec<P> = blacklist_entries::table
        .select((
            blacklist_entries::reason,
            blacklist_entries::legal_basis,
            blacklist_entries::starts_on,
            blacklist_entries::ends_on,
            blacklist_entries::created_at,
        ))
        .load(c)
        .unwrap();
    let bans: Vec<P> = market_bans::table
        .select((
            market_bans::reason,
            market_bans::legal_basis,
            market_bans::starts_on,
            market_bans::ends_on,
            market_bans::created_at,
        ))
        .load(c)
        .unwrap();
    // Two listings and a ban in force, and an expired listing and ban (demo::supervision).
    assert_eq!((listings.len(), bans.len()), (3, 2));
    for (rows, months) in [
        (listings, credit::BLACKLIST_MONTHS),
        (bans, credit::BAN_MONTHS),
    ] {
        for (reason, basis, starts, ends, at) in rows {
            let v = credit::parse_period(
                &credit::PeriodInput {
                    reason,
                    legal_basis: basis,
                    starts_on: starts.to_string(),
                    ends_on: ends.to_string(),
                },
                day_of(at),
                months,
            )
            .unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!((v.starts_on, v.ends_on), (starts, ends));
        }
    }
    let persons: Vec<(String, String, NaiveDateTime)> = banned_persons::table
        .select((
            banned_persons::name,
            banned_persons::id_number,
            banned_persons::created_at,
        ))
        .load(c)
        .unwrap();
    for (name, id, at) in persons {
        assert_eq!(
            credit::parse_person(&name, &id, day_of(at)).unwrap(),
            (name, id)
        );
    }
}

/// The announcements: each project and announcement through its form and the publication
/// rules on the day it was published; registrations and quotes by firms that offer the item
/// and may take part, inside the quote window; the opening after the deadline; publicity,
/// confirmation and contract on their working days; and a timeline with the same times.
fn check_selections(c: &mut DbConnection) {
    let projects: Vec<zhongjie::selection::store::announcement::Project> = projects::table
        .select(zhongjie::selection::store::announcement::Project::as_select())
        .load(c)
        .unwrap();
    assert_eq!(projects.len(), zhongjie::demo::selection::DEMOS.len());
    for p in &projects {
        let v = rules::parse_project(&ProjectInput {
            name: p.name.clone(),
            code: p.code.clone(),
            region: p.region.clone(),
            fiscal_funds: if p.fiscal_funds { "yes" } else { "no" }.into(),
            total_investment: p.total_investment.to_plain(),
        })
        .unwrap_or_else(|e| panic!("{}: {e:?}", p.name));
        assert_eq!(
            (v.name, v.code, v.region),
            (p.name.clone(), p.code.clone(), p.region.clone())
        );
    }
    let anns: Vec<zhongjie::selection::store::announcement::Announcement> = announcements::table
        .select(zhongjie::selection::store::announcement::Announcement::as_select())
        .load(c)
        .unwrap();
    for a in &anns {
        let published = a.published_at.unwrap();
        let terms = zhongjie::selection::store::publication::terms_of(a).unwrap();
        let again = rules::parse_terms(&AnnouncementInput::of(&terms), published)
            .unwrap_or_else(|e| panic!("announcement {}: {e:?}", a.id));
        assert_eq!(
            again, terms,
            "the form gives back what is stored (no seconds)"
        );
        let problems =
            zhongjie::selection::store::publication::publication_problems(c, a, published).unwrap();
        assert!(problems.is_empty(), "announcement {}: {problems:?}", a.id);
        assert!(a.created_at <= published && published < a.deadline);

        let offering: Vec<i64> = agency_items::table
            .filter(agency_items::item_id.eq(a.item_id))
            .select(agency_items::agency_id)
            .load(c)
            .unwrap();
        let regs: Vec<(i64, NaiveDateTime)> = registrations::table
            .filter(registrations::announcement_id.eq(a.id))
            .select((registrations::agency_id, registrations::created_at))
            .load(c)
            .unwrap();
        assert!(regs.len() >= 3, "announcement {}", a.id);
        for (agency, at) in &regs {
            assert!(
                offering.contains(agency),
                "{} offers the item",
                email_of(c, *agency)
            );
            assert!(published <= *at && *at < a.deadline);
            let ok = zhongjie::selection::store::bidding::eligibility(c, a, *agency, day_of(*at))
                .unwrap();
            assert!(ok.is_ok(), "{}: {ok:?}", email_of(c, *agency));
        }
        let quotes: Vec<(i64, NaiveDateTime, Option<i64>, String)> = quotes::table
            .left_join(quote_openings::table)
            .filter(quotes::announcement_id.eq(a.id))
            .select((
                quotes::agency_id,
                quotes::submitted_at,
                quote_openings::amount_fen.nullable(),
                quotes::commitment,
            ))
            .load(c)
            .unwrap();
        let limits = zhongjie::selection::store::bidding::limits(c, a).unwrap();
        for (agency, at, amount, commitment) in &quotes {
            assert!(regs.iter().any(|(r, t)| r == agency && t <= at));
            assert!(published <= *at && *at < a.deadline);
            let receipts =
                zhongjie::selection::store::bidding::receipts_of(c, a.id, *agency).unwrap();
            assert!(receipts.iter().any(|r| &r.commitment == commitment));
            if let Some(fen) = amount {
                zhongjie::domain::selection::validate_quote(
                    Money::from_fen(*fen),
                    &limits.unwrap(),
                )
                .unwrap();
            }
        }

        // The timeline: the audit entries about this announcement, at the rows' own times.
        let trail: Vec<(String, NaiveDateTime)> = audit_log::table
            .filter(audit_log::object_type.eq("announcement"))
            .filter(audit_log::object_id.eq(a.id.to_string()))
            .order(audit_log::seq)
            .select((audit_log::action, audit_log::at))
            .load(c)
            .unwrap();
        let at = |action: &str| {
            trail
                .iter()
                .find(|(x, _)| x == action)
                .map(|(_, t)| *t)
                .unwrap_or_else(|| panic!("{action} of {}", a.id))
        };
        assert_eq!(at("announcement.publish"), published);
        assert_eq!(
            trail
                .iter()
                .filter(|(x, _)| x == "selection.register")
                .count(),
            regs.len()
        );
        let Some(r) = zhongjie::selection::store::announcement::result_of(c, a.id).unwrap() else {
            assert_eq!(a.status.as_str(), "published");
            assert!(trail.iter().all(|(_, t)| *t < a.deadline));
            continue;
        };
        assert!(r.opened_at >= a.deadline, "opened after the deadline");
        assert_eq!(at("selection.opened"), r.opened_at);
        let cal = zhongjie::accounts::store::calendar::load_from(c, day_of(r.opened_at)).unwrap();
        let publicity = cal.add_working_days(
            day_of(r.opened_at),
            zhongjie::selection::store::opening::PUBLICITY_DAYS,
        );
        assert_eq!(r.publicity_ends, Some(publicity));
        assert_eq!(
            r.confirm_by,
            Some(
                cal.add_working_days(publicity, zhongjie::selection::store::opening::CONFIRM_DAYS)
            )
        );
        let award: Option<(i64, NaiveDateTime)> = awards::table
            .find(a.id)
            .select((awards::agency_id, awards::confirmed_at))
            .first(c)
            .optional()
            .unwrap();
        if let Some((winner, confirmed)) = award {
            assert_eq!(Some(winner), r.winner_id);
            assert!(day_of(confirmed) > publicity && Some(day_of(confirmed)) <= r.confirm_by);
            assert_eq!(at("selection.awarded"), confirmed);
            let (owner, agency, limit, price, sign_by, created): (
                i64,
                i64,
                i64,
                i64,
                NaiveDate,
                NaiveDateTime,
            ) = contracts::table
                .filter(contracts::announcement_id.eq(a.id))
                .select((
                    contracts::owner_id,
                    contracts::agency_id,
                    contracts::price_limit_fen,
                    contracts::price_fen,
                    contracts::sign_by,
                    contracts::created_at,
                ))
                .first(c)
                .unwrap();
            assert_eq!((owner, agency), (a.owner_id, winner));
            assert_eq!(
                Some(limit),
                contract_text::price_limit(r.winner_amount.map(Money::fen), a.cap.map(Money::fen))
            );
            assert!(price <= limit && created == confirmed);
            // The fields the platform filled in name the parties, project and item.
            let fields: String = contract_terms::table
                .inner_join(contracts::table)
                .filter(contracts::announcement_id.eq(a.id))
                .select(contract_terms::fields)
                .first(c)
                .unwrap();
            let fields: std::collections::BTreeMap<String, String> =
                serde_json::from_str(&fields).unwrap();
            let (owner_org, agency_name): (String, String) = (
                users::table
                    .find(owner)
                    .select(users::org_name)
                    .first(c)
                    .unwrap(),
                agencies::table
                    .find(agency)
                    .select(agencies::name)
                    .first(c)
                    .unwrap(),
            );
            let project: String = projects::table
                .find(a.project_id)
                .select(projects::name)
                .first(c)
                .unwrap();
            assert_eq!(fields["owner_name"], owner_org);
            assert_eq!(fields["agency_name"], agency_name);
            assert_eq!(fields["project_name"], project);
            assert_eq!(fields["scope"], contract_text::normalise(&a.scope));
            assert!(sign_by > zhongjie::db::today(), "time left to sign");
        } else {
            assert!(r.publicity_ends.unwrap() >= zhongjie::db::today());
        }
    }
    // Model texts the awards draft from.
    let texts: Vec<(String, String)> = model_texts::table
        .select((model_texts::industry, model_texts::title))
        .load(c)
        .unwrap();
    for (industry, title) in texts {
        assert!(catalogue::is_industry(&industry));
        contract_text::check_title(&title).unwrap();
    }
    let bodies: Vec<String> = model_text_versions::table
        .select(model_text_versions::body)
        .load(c)
        .unwrap();
    for b in bodies {
        contract_text::parse(&b).unwrap();
    }
}

#[actix_web::test]
async fn every_row_of_the_demo_passes_the_rules_of_its_form() {
    let app = spawn_web_only().await;
    load_demo(&app, 30).await;
    let mut c = app.conn();
    check_accounts(&mut c);
    check_agencies(&mut c);
    check_catalogue(&mut c);
    check_credit_and_sanctions(&mut c);
    check_selections(&mut c);
    // The history is in time order along the audit chain, which holds.
    let ats: Vec<NaiveDateTime> = audit_log::table
        .order(audit_log::seq)
        .select(audit_log::at)
        .load(&mut *c)
        .unwrap();
    assert!(ats.windows(2).all(|w| w[0] <= w[1]), "audit times in order");
    assert!(*ats.last().unwrap() <= zhongjie::db::now());
    let v = zhongjie::audit::verify(&mut c).unwrap();
    assert!(v.broken.is_none());
}

// ---------------------------------------------------------------- region codes

/// Every column that holds a region code, found by name in the live schema (so a table added
/// later is walked too).
fn region_columns(c: &mut DbConnection) -> Vec<(String, String)> {
    #[derive(QueryableByName)]
    struct Col {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        c: String,
    }
    let q = match c {
        DbConnection::Pg(_) => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = 'public' AND column_name IN ('region', 'zone')"
        }
        DbConnection::Sqlite(_) => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.name IN ('region', 'zone')"
        }
    };
    let cols: Vec<Col> = match c {
        DbConnection::Pg(pg) => diesel::sql_query(q).load(pg).unwrap(),
        DbConnection::Sqlite(s) => diesel::sql_query(q).load(s).unwrap(),
    };
    let mut out: Vec<(String, String)> = cols.into_iter().map(|x| (x.t, x.c)).collect();
    out.sort();
    out
}

fn stored_codes(c: &mut DbConnection, table: &str, column: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct V {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let q = format!("SELECT DISTINCT {column} AS v FROM {table}");
    let vs: Vec<V> = match c {
        DbConnection::Pg(pg) => diesel::sql_query(q).load(pg).unwrap(),
        DbConnection::Sqlite(s) => diesel::sql_query(q).load(s).unwrap(),
    };
    vs.into_iter().map(|v| v.v).collect()
}

#[actix_web::test]
async fn every_stored_region_code_is_known_and_the_database_refuses_others() {
    let app = spawn_web_only().await;
    load_demo(&app, 200).await;
    let mut c = app.conn();
    let cols = region_columns(&mut c);
    for want in [
        ("agencies", "region"),
        ("projects", "region"),
        ("regional_assessments", "zone"),
    ] {
        assert!(
            cols.iter().any(|(t, c)| (t.as_str(), c.as_str()) == want),
            "{want:?} in {cols:?}"
        );
    }
    for (table, column) in &cols {
        let codes = stored_codes(&mut c, table, column);
        for code in &codes {
            assert!(catalogue::is_region(code), "{table}.{column} holds {code}");
            if column == "zone" {
                assert!(catalogue::is_local_zone(code), "{code}");
            }
        }
    }
    // Every code of the vocabulary is accepted, and nothing else, by each table.
    let project: i64 = projects::table.select(projects::id).first(&mut *c).unwrap();
    let agency: i64 = agencies::table
        .select(agencies::user_id)
        .first(&mut *c)
        .unwrap();
    let assessment: i64 = regional_assessments::table
        .select(regional_assessments::id)
        .first(&mut *c)
        .unwrap();
    for code in catalogue::REGIONS {
        diesel::update(projects::table.find(project))
            .set(projects::region.eq(code))
            .execute(&mut *c)
            .unwrap();
        diesel::update(agencies::table.find(agency))
            .set(agencies::region.eq(code))
            .execute(&mut *c)
            .unwrap();
        let r = diesel::update(regional_assessments::table.find(assessment))
            .set(regional_assessments::zone.eq(code))
            .execute(&mut *c);
        assert_eq!(r.is_ok(), catalogue::is_local_zone(code), "zone {code}");
    }
    for bad in ["east", "", "Beijing"] {
        assert!(
            diesel::update(projects::table.find(project))
                .set(projects::region.eq(bad))
                .execute(&mut *c)
                .is_err(),
            "projects.region {bad:?}"
        );
        assert!(
            diesel::update(agencies::table.find(agency))
                .set(agencies::region.eq(bad))
                .execute(&mut *c)
                .is_err(),
            "agencies.region {bad:?}"
        );
    }
    let owner: i64 = projects::table
        .select(projects::owner_id)
        .first(&mut *c)
        .unwrap();
    let now = zhongjie::db::now();
    let insert = diesel::insert_into(projects::table)
        .values((
            projects::owner_id.eq(owner),
            projects::name.eq("东区项目"),
            projects::code.eq("2026-510402-00-00-000001"),
            projects::region.eq("east"),
            projects::fiscal_funds.eq(false),
            projects::total_investment_fen.eq(100_i64),
            projects::created_at.eq(now),
            projects::updated_at.eq(now),
        ))
        .execute(&mut *c);
    assert!(
        insert.is_err(),
        "a project cannot be stored in region 'east'"
    );
}

// ---------------------------------------------------------------- the same every time

/// What a visitor sees of the demo selections, by names and addresses (ids may differ).
fn outcome(c: &mut DbConnection) -> Vec<String> {
    let mut out = Vec::new();
    for d in zhongjie::demo::selection::DEMOS {
        let a: zhongjie::selection::store::announcement::Announcement = announcements::table
            .inner_join(projects::table)
            .filter(projects::code.eq(d.code))
            .select(zhongjie::selection::store::announcement::Announcement::as_select())
            .first(c)
            .unwrap();
        out.push(format!(
            "{} {} {} {}",
            d.code,
            a.status,
            a.deadline,
            a.seed_commitment.clone().unwrap_or_default()
        ));
        let quotes: Vec<(i64, String)> = quotes::table
            .filter(quotes::announcement_id.eq(a.id))
            .order(quotes::agency_id)
            .select((quotes::agency_id, quotes::commitment))
            .load(c)
            .unwrap();
        for (agency, commitment) in quotes {
            out.push(format!("  quote {} {commitment}", email_of(c, agency)));
        }
        if let Some(r) = zhongjie::selection::store::announcement::result_of(c, a.id).unwrap() {
            let w = r.winner_id.map(|w| email_of(c, w)).unwrap_or_default();
            out.push(format!(
                "  winner {w} {:?}",
                r.winner_amount.map(Money::fen)
            ));
        }
        let parties: Option<(i64, i64, i64)> = contracts::table
            .filter(contracts::announcement_id.eq(a.id))
            .select((
                contracts::owner_id,
                contracts::agency_id,
                contracts::price_fen,
            ))
            .first(c)
            .optional()
            .unwrap();
        if let Some((o, ag, price)) = parties {
            out.push(format!(
                "  contract {} {} {price}",
                email_of(c, o),
                email_of(c, ag)
            ));
        }
    }
    out
}

#[actix_web::test]
async fn two_loads_draw_the_same_winners_and_contract_parties() {
    let first = spawn_web_only().await;
    let second = spawn_web_only().await;
    load_demo(&first, 0).await;
    load_demo(&second, 0).await;
    let a = outcome(&mut first.conn());
    let b = outcome(&mut second.conn());
    assert!(a.iter().any(|l| l.contains("contract")), "{a:#?}");
    assert!(
        a.iter().filter(|l| l.contains("winner")).count() == 2,
        "{a:#?}"
    );
    assert_eq!(a, b);
    // Fixed seeds, and still real draws: the revealed seed is the one committed to at
    // publication, and every draw recomputes from the database as `zhongjie verify-draw`
    // recomputes it.
    let mut c = first.conn();
    let ids: Vec<i64> = announcement_results::table
        .select(announcement_results::announcement_id)
        .load(&mut *c)
        .unwrap();
    assert_eq!(ids.len(), 2);
    for id in ids {
        let (commitment, seed, outcome) =
            zhongjie::cli::load_draw_facts(&mut c, id).unwrap().unwrap();
        let commitment = commitment.unwrap();
        let s = zhongjie::domain::draw::Seed::from_hex(&seed).unwrap();
        assert_eq!(s.commitment(), commitment);
        let outcome: serde_json::Value = serde_json::from_str(&outcome.unwrap()).unwrap();
        let steps = zhongjie::cli::verify_proofs(&commitment, &seed, &outcome)
            .unwrap_or_else(|e| panic!("announcement {id}: {e:?}"));
        assert!(!steps.is_empty());
    }
}

/// The e-mail addresses in backquotes in the README sentence that contains `marker`.
fn readme_accounts(marker: &str) -> Vec<String> {
    let readme = include_str!("../../../README.md").replace('\n', " ");
    let i = readme
        .find(marker)
        .unwrap_or_else(|| panic!("README says {marker:?}"));
    let end = readme[i..].find(';').map_or(readme.len(), |e| i + e);
    readme[i..end]
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.contains('@'))
        .map(str::to_string)
        .collect()
}

#[actix_web::test]
async fn the_readme_names_the_demo_contract_parties_and_winners() {
    let app = spawn_web_only().await;
    load_demo(&app, 0).await;
    let mut c = app.conn();
    let (owner, agency): (i64, i64) = contracts::table
        .select((contracts::owner_id, contracts::agency_id))
        .first(&mut *c)
        .unwrap();
    assert_eq!(
        readme_accounts("its contract draft is waiting for"),
        vec![email_of(&mut c, owner), email_of(&mut c, agency)]
    );
    // The reasonable-price draw in publicity: its owner and its drawn winner.
    let d = &zhongjie::demo::selection::DEMOS[1];
    let id: i64 = announcements::table
        .inner_join(projects::table)
        .filter(projects::code.eq(d.code))
        .select(announcements::id)
        .first(&mut *c)
        .unwrap();
    let r = zhongjie::selection::store::announcement::result_of(&mut c, id)
        .unwrap()
        .unwrap();
    let a = zhongjie::selection::store::announcement::find(&mut c, id)
        .unwrap()
        .unwrap();
    assert_eq!(
        readme_accounts("a reasonable-price draw in publicity"),
        vec![
            email_of(&mut c, a.owner_id),
            email_of(&mut c, r.winner_id.unwrap())
        ]
    );
}

/// Issue 17 (5): a bulk load leaves the planner's statistics behind, so the first request
/// after `demo` is planned on real figures, not on an "empty table" guess.
#[actix_web::test]
async fn the_demo_leaves_planner_statistics_for_what_it_loaded() {
    let app = spawn_web_only().await;
    {
        let mut c = app.conn();
        assert!(
            !zhongjie::db::has_statistics(&mut c, "announcements").unwrap(),
            "a fresh database has no statistics yet"
        );
    }
    load_demo(&app, 0).await;
    let mut c = app.conn();
    for table in [
        "users",
        "agencies",
        "announcements",
        "credit_records",
        "audit_log",
    ] {
        assert!(
            zhongjie::db::has_statistics(&mut c, table).unwrap(),
            "no planner statistics for {table} after the demo"
        );
    }
}

/// The generated history (`demo --announcements N`) is history: its openings count as told,
/// so the background pass does not mail every bidder of thousands of past selections.
#[actix_web::test]
async fn generated_history_leaves_no_opening_untold() {
    use zhongjie::db::schema::{announcement_results, outbox};
    let app = spawn_web_only().await;
    load_demo(&app, 200).await;
    let mut c = app.conn();
    let made = zhongjie::demo::announcements::generate(&mut c, 50).unwrap();
    assert!(made > 0);
    let results: i64 = announcement_results::table
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert!(results > 0, "the history has openings");
    let untold: i64 = announcement_results::table
        .filter(announcement_results::told_at.is_null())
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(untold, 0);
    let mails: i64 = outbox::table.count().get_result(&mut *c).unwrap();
    assert_eq!(
        zhongjie::selection::steps::opening::tell_untold(&mut c).unwrap(),
        0
    );
    let after: i64 = outbox::table.count().get_result(&mut *c).unwrap();
    assert_eq!(after, mails, "nobody is mailed about history");
}
