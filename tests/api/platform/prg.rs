//! Post/redirect/get: every POST route that succeeds answers 303 to a page that opens with a
//! GET, so a reload never sends the form again. The table names every POST route the
//! application registers (read from the features' `routes`), and for each either runs a successful
//! request here, or names the test of its feature that asserts its 303 — and checks that test
//! really does.

use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::agency_managers;

use crate::accounts::auth::clone_app;
use crate::fixtures::Surveying;
use crate::helpers::*;

/// Where a route's successful 303 is asserted.
enum Proof {
    /// In `prg_successful_posts_redirect_to_a_page_that_opens` below.
    Here,
    /// In another test: (file under tests/api, the test function or the helper that posts
    /// and asserts for it).
    Elsewhere(&'static str, &'static str),
}

use Proof::{Elsewhere, Here};

const TABLE: &[(&str, Proof)] = &[
    (
        "/complaints/new",
        Elsewhere(
            "complaints/flow.rs",
            "signed_in_complaint_is_handled_and_upheld_with_a_credit_record",
        ),
    ),
    (
        "/complaints/track/{token}/review",
        Elsewhere(
            "complaints/flow.rs",
            "visitor_confirms_by_mail_and_the_respondent_never_sees_who",
        ),
    ),
    (
        "/my/complaints/{id}/review",
        Elsewhere(
            "complaints/flow.rs",
            "signed_in_complaint_is_handled_and_upheld_with_a_credit_record",
        ),
    ),
    (
        "/supervision/complaints/{id}/accept",
        Elsewhere(
            "complaints/flow.rs",
            "signed_in_complaint_is_handled_and_upheld_with_a_credit_record",
        ),
    ),
    (
        "/supervision/complaints/{id}/not-accept",
        Elsewhere(
            "complaints/flow.rs",
            "not_accepted_complaints_close_with_their_reason",
        ),
    ),
    (
        "/supervision/complaints/{id}/investigate",
        Elsewhere(
            "complaints/flow.rs",
            "signed_in_complaint_is_handled_and_upheld_with_a_credit_record",
        ),
    ),
    (
        "/supervision/complaints/{id}/extend",
        Elsewhere(
            "complaints/flow.rs",
            "signed_in_complaint_is_handled_and_upheld_with_a_credit_record",
        ),
    ),
    (
        "/supervision/complaints/{id}/transfer",
        Elsewhere(
            "complaints/flow.rs",
            "overdue_complaints_are_reminded_once_a_day",
        ),
    ),
    (
        "/supervision/complaints/{id}/answer",
        Elsewhere(
            "complaints/flow.rs",
            "signed_in_complaint_is_handled_and_upheld_with_a_credit_record",
        ),
    ),
    (
        "/supervision/complaints/{id}/review",
        Elsewhere(
            "complaints/flow.rs",
            "signed_in_complaint_is_handled_and_upheld_with_a_credit_record",
        ),
    ),
    (
        "/respond/complaints/{id}/answer",
        Elsewhere(
            "complaints/flow.rs",
            "visitor_confirms_by_mail_and_the_respondent_never_sees_who",
        ),
    ),
    (
        "/register",
        Elsewhere(
            "accounts/auth.rs",
            "registration_verification_and_login_work_end_to_end",
        ),
    ),
    ("/login", Here),
    ("/logout", Here),
    (
        "/verify-email/resend",
        Elsewhere(
            "accounts/auth.rs",
            "registration_verification_and_login_work_end_to_end",
        ),
    ),
    ("/password/forgot", Here),
    (
        "/password/reset",
        Elsewhere(
            "accounts/auth.rs",
            "password_reset_by_mail_ends_every_session",
        ),
    ),
    ("/account/password", Here),
    (
        "/admin/users/new",
        Elsewhere(
            "platform/authz.rs",
            "admin_creates_staff_who_set_their_own_password",
        ),
    ),
    (
        "/admin/users/{id}/status",
        Elsewhere(
            "platform/authz.rs",
            "admin_creates_staff_who_set_their_own_password",
        ),
    ),
    ("/admin/departments", Here),
    (
        "/admin/settings",
        Elsewhere(
            "platform/authz.rs",
            "admin_settings_are_validated_and_saved",
        ),
    ),
    ("/admin/calendar", Here),
    (
        "/admin/clock",
        Elsewhere(
            "accounts/rehearsal.rs",
            "the_admin_moves_a_demo_database_clock_forward_and_every_page_says_demo",
        ),
    ),
    ("/admin/calendar/{day}/remove", Here),
    (
        "/admin/credit-rules",
        Elsewhere(
            "credit/records.rs",
            "an_admin_publishes_rules_and_the_job_regrades",
        ),
    ),
    (
        "/catalogue/new",
        Elsewhere(
            "catalogue/items.rs",
            "catalogue_admin_adds_publishes_and_the_public_sees_it",
        ),
    ),
    (
        "/catalogue/{code}/edit",
        Elsewhere(
            "catalogue/items.rs",
            "catalogue_regulator_edits_own_department_items_only",
        ),
    ),
    (
        "/catalogue/{code}/publish",
        Elsewhere(
            "catalogue/items.rs",
            "catalogue_admin_adds_publishes_and_the_public_sees_it",
        ),
    ),
    (
        "/catalogue/{code}/cancel",
        Elsewhere(
            "catalogue/items.rs",
            "catalogue_cancel_keeps_the_page_and_history",
        ),
    ),
    (
        "/catalogue/{code}/assessments",
        Elsewhere(
            "catalogue/items.rs",
            "catalogue_regional_assessments_cover_zones_while_valid",
        ),
    ),
    (
        "/agency/profile/edit",
        Elsewhere(
            "library/agency_profile.rs",
            "agency_completes_profile_with_version_and_audit",
        ),
    ),
    ("/agency/managers/new", Here),
    ("/agency/managers/{id}/remove", Here),
    (
        "/agency/practitioners/new",
        Elsewhere(
            "library/agency_profile.rs",
            "agency_completes_profile_with_version_and_audit",
        ),
    ),
    (
        "/agency/practitioners/{id}/remove",
        Elsewhere(
            "library/agency_profile.rs",
            "agency_completes_profile_with_version_and_audit",
        ),
    ),
    (
        "/agency/items/new",
        Elsewhere(
            "library/agency_profile.rs",
            "agency_completes_profile_with_version_and_audit",
        ),
    ),
    (
        "/agency/items/{id}/edit",
        Elsewhere(
            "library/agency_profile.rs",
            "agency_completes_profile_with_version_and_audit",
        ),
    ),
    (
        "/agency/items/{id}/remove",
        Elsewhere(
            "library/agency_profile.rs",
            "agency_completes_profile_with_version_and_audit",
        ),
    ),
    (
        "/agency/certificates/new",
        Elsewhere(
            "library/agency_profile.rs",
            "regulator_of_the_department_reviews_and_the_agency_is_told",
        ),
    ),
    (
        "/review/certificates/{id}",
        Elsewhere(
            "library/agency_profile.rs",
            "regulator_of_the_department_reviews_and_the_agency_is_told",
        ),
    ),
    (
        "/regulate/agencies/{id}/records/new",
        Elsewhere(
            "credit/records.rs",
            "a_regulator_records_only_points_the_rules_give",
        ),
    ),
    (
        "/regulate/records/{id}/revoke",
        Elsewhere(
            "credit/records.rs",
            "revoking_restores_the_score_once_and_records_are_append_only",
        ),
    ),
    (
        "/regulate/agencies/{id}/blacklist/new",
        Elsewhere(
            "credit/sanctions.rs",
            "blacklist_and_ban_block_an_agency_and_a_banned_manager_elsewhere",
        ),
    ),
    (
        "/regulate/agencies/{id}/ban/new",
        Elsewhere(
            "credit/sanctions.rs",
            "blacklist_and_ban_block_an_agency_and_a_banned_manager_elsewhere",
        ),
    ),
    (
        "/regulate/alerts/{id}/resolve",
        Elsewhere(
            "credit/sanctions.rs",
            "blacklist_and_ban_block_an_agency_and_a_banned_manager_elsewhere",
        ),
    ),
    (
        "/regulate/repairs/{id}",
        Elsewhere(
            "credit/sanctions.rs",
            "repair_after_half_the_period_ends_the_listing_and_keeps_its_history",
        ),
    ),
    (
        "/agency/credit/repairs/new",
        Elsewhere(
            "credit/sanctions.rs",
            "repair_after_half_the_period_ends_the_listing_and_keeps_its_history",
        ),
    ),
    (
        "/owner/projects/new",
        Elsewhere("selection/publication.rs", "create_project"),
    ),
    (
        "/owner/projects/{id}/announcements/new",
        Elsewhere("selection/publication.rs", "create_draft"),
    ),
    (
        "/owner/projects/{id}/self-prepare",
        Elsewhere(
            "selection/policy_rules.rs",
            "self_preparation_is_offered_recorded_and_shown_to_the_department",
        ),
    ),
    (
        "/owner/self-preparations/{id}/withdraw",
        Elsewhere(
            "selection/policy_rules.rs",
            "self_preparation_is_offered_recorded_and_shown_to_the_department",
        ),
    ),
    (
        "/owner/announcements/{id}/edit",
        Elsewhere(
            "selection/publication.rs",
            "owner_creates_a_project_and_a_draft_and_publishes_it",
        ),
    ),
    (
        "/owner/announcements/{id}/publish",
        Elsewhere(
            "selection/publication.rs",
            "owner_creates_a_project_and_a_draft_and_publishes_it",
        ),
    ),
    (
        "/owner/announcements/{id}/change",
        Elsewhere(
            "selection/publication.rs",
            "a_material_edit_bumps_the_version_and_asks_quoters_to_reconfirm",
        ),
    ),
    (
        "/owner/announcements/{id}/cancel",
        Elsewhere(
            "selection/publication.rs",
            "cancellation_needs_a_reason_and_is_public",
        ),
    ),
    ("/announcements/{id}/register", Here),
    ("/announcements/{id}/quote", Here),
    ("/announcements/{id}/withdraw", Here),
    ("/announcements/{id}/reconfirm", Here),
    (
        "/announcements/{id}/objections",
        Elsewhere(
            "selection/result.rs",
            "an_upheld_objection_annuls_the_result",
        ),
    ),
    (
        "/announcements/{id}/justify",
        Elsewhere(
            "selection/result.rs",
            "an_abnormally_low_quote_wins_only_after_its_justification_is_accepted",
        ),
    ),
    (
        "/announcements/{id}/confirm",
        Elsewhere(
            "contracts/signing.rs",
            "award_drafts_the_contract_the_owner_fills_it_and_both_sign_the_same_digest",
        ),
    ),
    (
        "/owner/announcements/{id}/choose",
        Elsewhere(
            "selection/result.rs",
            "direct_selection_waits_for_the_owner_and_needs_no_fiscal_funds",
        ),
    ),
    (
        "/owner/announcements/{id}/justifications/{agency}",
        Elsewhere(
            "selection/result.rs",
            "an_abnormally_low_quote_wins_only_after_its_justification_is_accepted",
        ),
    ),
    (
        "/owner/objections/{id}/answer",
        Elsewhere(
            "selection/result.rs",
            "an_upheld_objection_annuls_the_result",
        ),
    ),
    (
        "/owner/announcements/{id}/rerun",
        Elsewhere(
            "selection/result.rs",
            "too_few_quotes_fail_the_round_and_the_owner_reruns_it",
        ),
    ),
    (
        "/owner/announcements/{id}/contract",
        Elsewhere(
            "contracts/signing.rs",
            "without_a_model_text_no_draft_until_one_is_published_then_the_owner_generates_it",
        ),
    ),
    (
        "/contract-texts/new",
        Elsewhere(
            "contracts/signing.rs",
            "regulators_write_versioned_texts_for_their_industry_and_published_versions_never_change",
        ),
    ),
    (
        "/contract-texts/{id}/edit",
        Elsewhere(
            "contracts/signing.rs",
            "regulators_write_versioned_texts_for_their_industry_and_published_versions_never_change",
        ),
    ),
    (
        "/contract-texts/{id}/publish",
        Elsewhere(
            "contracts/signing.rs",
            "regulators_write_versioned_texts_for_their_industry_and_published_versions_never_change",
        ),
    ),
    (
        "/contracts/{id}/edit",
        Elsewhere(
            "contracts/signing.rs",
            "award_drafts_the_contract_the_owner_fills_it_and_both_sign_the_same_digest",
        ),
    ),
    (
        "/contracts/{id}/submit",
        Elsewhere(
            "contracts/signing.rs",
            "award_drafts_the_contract_the_owner_fills_it_and_both_sign_the_same_digest",
        ),
    ),
    (
        "/contracts/{id}/sign",
        Elsewhere(
            "contracts/signing.rs",
            "award_drafts_the_contract_the_owner_fills_it_and_both_sign_the_same_digest",
        ),
    ),
    (
        "/contracts/{id}/deliverables",
        Elsewhere(
            "contracts/fulfilment.rs",
            "agency_delivers_owner_returns_then_accepts_and_the_timer_stops",
        ),
    ),
    (
        "/contracts/{id}/deliverables/{did}/decision",
        Elsewhere(
            "contracts/fulfilment.rs",
            "agency_delivers_owner_returns_then_accepts_and_the_timer_stops",
        ),
    ),
    (
        "/contracts/{id}/amendments",
        Elsewhere(
            "contracts/fulfilment.rs",
            "amendments_need_both_signatures_and_never_exceed_the_limit",
        ),
    ),
    (
        "/contracts/{id}/amendments/{aid}/answer",
        Elsewhere(
            "contracts/fulfilment.rs",
            "amendments_need_both_signatures_and_never_exceed_the_limit",
        ),
    ),
    (
        "/contracts/{id}/payments",
        Elsewhere(
            "home/page.rs",
            "home_mail_and_messages_follow_the_recipients_language",
        ),
    ),
    (
        "/contracts/{id}/evaluation",
        Elsewhere(
            "contracts/fulfilment.rs",
            "ratings_replies_appeals_and_the_agency_page",
        ),
    ),
    (
        "/evaluations/{eid}/reply",
        Elsewhere(
            "contracts/fulfilment.rs",
            "ratings_replies_appeals_and_the_agency_page",
        ),
    ),
    (
        "/evaluations/{eid}/appeal",
        Elsewhere(
            "contracts/fulfilment.rs",
            "ratings_replies_appeals_and_the_agency_page",
        ),
    ),
    (
        "/evaluations/{eid}/decision",
        Elsewhere(
            "contracts/fulfilment.rs",
            "ratings_replies_appeals_and_the_agency_page",
        ),
    ),
    // Random inspections (issue 15).
    (
        "/inspections/inspectors",
        Elsewhere(
            "inspections/tasks.rs",
            "pool_is_kept_by_the_department_with_bad_input_refused",
        ),
    ),
    (
        "/inspections/inspectors/{id}/remove",
        Elsewhere(
            "inspections/tasks.rs",
            "pool_is_kept_by_the_department_with_bad_input_refused",
        ),
    ),
    (
        "/inspections/new",
        Elsewhere(
            "inspections/tasks.rs",
            "task_bad_input_is_refused_beside_the_field_and_nothing_is_saved",
        ),
    ),
    (
        "/inspections/{id}/edit",
        Elsewhere(
            "inspections/tasks.rs",
            "publish_draw_recuse_record_and_the_credit_record",
        ),
    ),
    (
        "/inspections/{id}/publish",
        Elsewhere(
            "inspections/tasks.rs",
            "publish_draw_recuse_record_and_the_credit_record",
        ),
    ),
    (
        "/inspections/{id}/draw",
        Elsewhere(
            "inspections/tasks.rs",
            "publish_draw_recuse_record_and_the_credit_record",
        ),
    ),
    (
        "/inspections/targets/{id}/result",
        Elsewhere(
            "inspections/tasks.rs",
            "publish_draw_recuse_record_and_the_credit_record",
        ),
    ),
    (
        "/inspections/targets/{id}/recuse",
        Elsewhere(
            "inspections/tasks.rs",
            "publish_draw_recuse_record_and_the_credit_record",
        ),
    ),
];

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The handler files: every `.rs` file of a feature's `routes` (a `routes/` folder or a
/// `routes.rs` file).
fn route_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            route_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs")
            && p.components()
                .any(|c| c.as_os_str() == "routes" || c.as_os_str() == "routes.rs")
        {
            out.push(p);
        }
    }
}

/// Every `.route("…", web::post()…)` registered by a feature's handlers.
fn post_routes() -> Vec<String> {
    let mut out = Vec::new();
    let mut files = Vec::new();
    route_files(&root().join("src"), &mut files);
    assert!(files.len() > 10, "handler files found: {files:?}");
    files.sort();
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap();
        // `.route(` then the path literal, then the method before the next `.route(`.
        for part in src.split(".route(").skip(1) {
            let part = part.split(".route(").next().unwrap_or_default();
            let Some(path) = part.split('"').nth(1) else {
                continue;
            };
            let head: String = part.chars().take(200).collect();
            if head.contains("web::post()") {
                out.push(path.to_string());
            }
        }
    }
    out
}

/// The fixed pieces of a route (`/contracts/{id}/payments` → `/contracts/`, `/payments`).
fn pieces(route: &str) -> Vec<&str> {
    route
        .split(['{', '}'])
        .enumerate()
        .filter(|(i, p)| i % 2 == 0 && !p.is_empty())
        .map(|(_, p)| p)
        .collect()
}

/// The body of `async fn name(` in a test file, up to the next test or function.
fn test_body(file: &str, name: &str) -> Option<String> {
    let src = std::fs::read_to_string(root().join("tests/api").join(file)).ok()?;
    let start = src.find(&format!("async fn {name}("))?;
    let rest = &src[start..];
    let end = ["\n#[", "\nasync fn ", "\nfn ", "\npub "]
        .iter()
        .filter_map(|m| rest[1..].find(m))
        .min()
        .map_or(rest.len(), |e| e + 1);
    Some(rest[..end].to_string())
}

/// The test (or the helper that posts for it) names the route — all its fixed pieces — and
/// asserts a 303 after the first place it does.
fn asserts_303(body: &str, route: &str) -> bool {
    let ps = pieces(route);
    if !ps.iter().all(|p| body.contains(p)) {
        return false;
    }
    let last = ps.last().copied().unwrap_or(route);
    body.find(last).is_some_and(|i| body[i..].contains("303"))
}

#[test]
fn prg_every_post_route_is_in_the_table_and_its_proof_holds() {
    let routes = post_routes();
    assert!(routes.len() > 50, "found {} POST routes", routes.len());
    let mut problems = Vec::new();
    for r in &routes {
        if !TABLE.iter().any(|(t, _)| t == r) {
            problems.push(format!("{r}: a POST route missing from the table"));
        }
    }
    for (route, proof) in TABLE {
        if !routes.iter().any(|r| r == route) {
            problems.push(format!("{route}: in the table but not a POST route"));
        }
        if let Elsewhere(file, name) = proof {
            match test_body(file, name) {
                None => problems.push(format!("{route}: no test {file}::{name}")),
                Some(body) if !asserts_303(&body, route) => {
                    problems.push(format!("{route}: {file}::{name} asserts no 303 for it"))
                }
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Posts and checks the answer: 303 to a page the same browser opens (200).
async fn redirects(who: &TestApp, path: &str, form: &[(&str, &str)]) -> String {
    let r = who.post(path, form).await;
    let s = r.status().as_u16();
    let to = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = if s == 303 {
        String::new()
    } else {
        r.text().await.unwrap_or_default()
    };
    assert_eq!(s, 303, "{path}: {body}");
    assert!(to.starts_with('/'), "{path} → {to}");
    let s = who.get(&to).await.status().as_u16();
    assert_eq!(s, 200, "{path} → {to}");
    // A reload of that page reads again; it does not post.
    assert_eq!(who.get(&to).await.status().as_u16(), 200, "{path} → {to}");
    to
}

#[actix_web::test]
async fn prg_successful_posts_redirect_to_a_page_that_opens() {
    let app = spawn_app().await;
    let mut ran: Vec<&str> = Vec::new();

    // Visitor and account.
    let visitor = clone_app(&app);
    redirects(
        &visitor,
        "/password/forgot",
        &[("email", "nobody@example.com")],
    )
    .await;
    ran.push("/password/forgot");
    app.create_user(Role::Owner, "prg-owner@example.com").await;
    let owner = clone_app(&app);
    let r = owner
        .post(
            "/login",
            &[
                ("email", "prg-owner@example.com"),
                ("password", PASSWORD),
                ("next", "/my"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(owner.get("/my").await.status().as_u16(), 200);
    ran.push("/login");
    redirects(
        &owner,
        "/account/password",
        &[
            ("current", PASSWORD),
            ("password", "Jinsha-Jiang-Bridge-77"),
            ("password2", "Jinsha-Jiang-Bridge-77"),
        ],
    )
    .await;
    ran.push("/account/password");
    redirects(&owner, "/logout", &[]).await;
    ran.push("/logout");

    // Administrator.
    let admin = clone_app(&app);
    admin.signed_in(Role::Admin, "admin@example.com").await;
    redirects(
        &admin,
        "/admin/departments",
        &[
            ("code", "slj"),
            ("name_zh", "攀枝花市水利局"),
            ("name_en", "Water Resources Bureau"),
        ],
    )
    .await;
    ran.push("/admin/departments");
    redirects(
        &admin,
        "/admin/calendar",
        &[
            ("date", "2027-10-01"),
            ("kind", "holiday"),
            ("name", "国庆节"),
        ],
    )
    .await;
    ran.push("/admin/calendar");
    redirects(&admin, "/admin/calendar/2027-10-01/remove", &[]).await;
    ran.push("/admin/calendar/{day}/remove");

    // Agency profile.
    let w = Surveying::insert(&app).await;
    let (me, ag) = w.agency(&app, "ag@example.com", true).await;
    redirects(
        &ag,
        "/agency/managers/new",
        &[
            ("name", "周建华"),
            ("id_number", "11010519491231002X"),
            ("position", "总经理"),
        ],
    )
    .await;
    ran.push("/agency/managers/new");
    let manager: i64 = agency_managers::table
        .filter(agency_managers::agency_id.eq(me))
        .select(agency_managers::id)
        .first(&mut *app.conn())
        .unwrap();
    redirects(&ag, &format!("/agency/managers/{manager}/remove"), &[]).await;
    ran.push("/agency/managers/{id}/remove");

    // The quote steps.
    let a = w.announce(&app, "lowest_price", Some(2_000_000));
    redirects(&ag, &format!("/announcements/{a}/register"), &[]).await;
    ran.push("/announcements/{id}/register");
    let to = redirects(
        &ag,
        &format!("/announcements/{a}/quote"),
        &[("amount", "15000")],
    )
    .await;
    assert_eq!(to, format!("/agency/announcements/{a}/receipts/1"));
    ran.push("/announcements/{id}/quote");
    diesel::update(zhongjie::db::schema::announcements::table.find(a))
        .set(zhongjie::db::schema::announcements::version.eq(2))
        .execute(&mut *app.conn())
        .unwrap();
    redirects(&ag, &format!("/announcements/{a}/reconfirm"), &[]).await;
    ran.push("/announcements/{id}/reconfirm");
    redirects(&ag, &format!("/announcements/{a}/withdraw"), &[]).await;
    ran.push("/announcements/{id}/withdraw");

    // Everything the table says is run here was.
    let here: Vec<&str> = TABLE
        .iter()
        .filter(|(_, p)| matches!(p, Here))
        .map(|(r, _)| *r)
        .collect();
    ran.sort_unstable();
    let mut want = here.clone();
    want.sort_unstable();
    assert_eq!(ran, want);
}
