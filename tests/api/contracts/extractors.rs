//! The authorising extractors of the contract routes: an id that is not a positive number is
//! 404 like a missing row, and a contract (or model text) of someone else is 403 before any
//! form is looked at.

use zhongjie::auth::Role;

use super::signing::{contract_of, publish_demo_texts};
use crate::accounts::auth::clone_app;
use crate::fixtures::EnvAssessment;
use crate::helpers::*;

#[actix_web::test]
async fn ids_that_are_not_positive_numbers_are_404_and_strangers_are_403() {
    let app = spawn_app().await;
    let w = EnvAssessment::insert(&app).await;
    publish_demo_texts(&app);
    let ann = w.selected(&app);
    let r = w
        .agency
        .post(&format!("/announcements/{ann}/confirm"), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (id, ..) = contract_of(&app, ann).expect("drafted on award");

    // Not a number, zero, negative, or no such row: 404 on every contract route.
    for bad in ["abc", "0", "-1", "99999", "1.5"] {
        for path in [
            format!("/contracts/{bad}"),
            format!("/contracts/{bad}/print"),
            format!("/contracts/{bad}/fulfilment"),
            format!("/contracts/{bad}/deliverables/1/file"),
            format!("/contract-texts/{bad}"),
            format!("/contract-texts/{bad}/edit"),
            format!("/owners/{bad}/record"),
        ] {
            let s = w.owner.get(&path).await.status().as_u16();
            assert_eq!(s, 404, "GET {path}");
        }
        for path in [
            format!("/contracts/{bad}/edit"),
            format!("/contracts/{bad}/submit"),
            format!("/contracts/{bad}/sign"),
            format!("/contracts/{bad}/payments"),
            format!("/contracts/{bad}/amendments"),
            format!("/contracts/{bad}/evaluation"),
            format!("/evaluations/{bad}/reply"),
            format!("/evaluations/{bad}/decision"),
            format!("/owner/announcements/{bad}/contract"),
        ] {
            let s = w.owner.post(&path, &[]).await.status().as_u16();
            assert_eq!(s, 404, "POST {path}");
        }
    }

    // Without a valid CSRF token a POST is 403 before anything is looked up, so a forged
    // request cannot probe which ids exist.
    for path in [
        "/contracts/99999/edit".to_string(),
        "/contracts/99999/payments".to_string(),
        "/evaluations/99999/reply".to_string(),
        "/evaluations/99999/decision".to_string(),
        "/contract-texts/99999/publish".to_string(),
        format!("/contracts/{id}/submit"),
    ] {
        let s = w.owner.post_no_csrf(&path, &[]).await.status().as_u16();
        assert_eq!(s, 403, "POST {path} without CSRF");
    }

    // The second id of a path is a number too (a number that names nothing of this contract
    // is the step's business).
    for bad in ["abc", "1.5", "x1"] {
        for path in [
            format!("/contracts/{id}/deliverables/{bad}/file"),
            format!("/contracts/{id}/deliverables/{bad}/decision"),
            format!("/contracts/{id}/amendments/{bad}/answer"),
        ] {
            let s = if path.ends_with("/file") {
                w.owner.get(&path).await.status().as_u16()
            } else {
                w.owner.post(&path, &[]).await.status().as_u16()
            };
            assert_eq!(s, 404, "{path}");
        }
    }

    // Another owner and another agency: 403 on the contract and on every party's form.
    let stranger = clone_app(&app);
    app.create_user(Role::Owner, "stranger@example.com").await;
    stranger.login("stranger@example.com", PASSWORD).await;
    let other_agency = clone_app(&app);
    app.create_user(Role::Agency, "other-agency@example.com")
        .await;
    other_agency
        .login("other-agency@example.com", PASSWORD)
        .await;
    for who in [&stranger, &other_agency] {
        for path in [
            format!("/contracts/{id}"),
            format!("/contracts/{id}/print"),
            format!("/contracts/{id}/fulfilment"),
        ] {
            assert_eq!(who.get(&path).await.status().as_u16(), 403, "GET {path}");
        }
        for path in [
            format!("/contracts/{id}/edit"),
            format!("/contracts/{id}/submit"),
            format!("/contracts/{id}/sign"),
            format!("/contracts/{id}/payments"),
            format!("/contracts/{id}/amendments"),
            format!("/contracts/{id}/deliverables/1/decision"),
            format!("/owner/announcements/{ann}/contract"),
        ] {
            let s = who.post(&path, &[]).await.status().as_u16();
            assert_eq!(s, 403, "POST {path}");
        }
    }
    // Each party only on its own side: the agency does not edit or pay, the owner does not
    // deliver.
    for path in [
        format!("/contracts/{id}/edit"),
        format!("/contracts/{id}/submit"),
        format!("/contracts/{id}/payments"),
        format!("/owner/announcements/{ann}/contract"),
    ] {
        let s = w.agency.post(&path, &[]).await.status().as_u16();
        assert_eq!(s, 403, "agency POST {path}");
    }
    let s = w
        .owner
        .post(&format!("/contracts/{id}/deliverables"), &[])
        .await
        .status()
        .as_u16();
    assert_eq!(s, 403, "the owner does not deliver");
    // A model text is written by admins and regulators only.
    let (s, page) = app.get_text("/contract-texts").await;
    assert_eq!(s, 200);
    let marker = "href=\"/contract-texts/";
    let i = page.find(marker).expect("a published text") + marker.len();
    let text_id: String = page[i..].chars().take_while(char::is_ascii_digit).collect();
    assert!(!text_id.is_empty());
    let s = w
        .owner
        .get(&format!("/contract-texts/{text_id}/edit"))
        .await
        .status()
        .as_u16();
    assert_eq!(s, 403, "an owner does not write model texts");
}
