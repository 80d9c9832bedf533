//! The authorising extractors of the library and credit pages: a path id that is not a
//! positive number is 404 before anything is looked up, a missing row is 404 for whoever may
//! look, and another agency's row is 403.

use zhongjie::auth::Role;
use zhongjie::library::store::agency as ag;

use crate::helpers::*;

#[actix_web::test]
async fn ids_that_are_not_positive_numbers_are_404() {
    let app = spawn_app().await;
    app.signed_in(Role::Agency, "agency@example.com").await;
    for path in [
        "/agency/items/abc/edit",
        "/agency/items/-1/edit",
        "/agency/items/0/edit",
        "/agency/items/999999/edit",
        "/agency/certificates/x/scan",
        "/agency/certificates/-5/scan",
        "/agency/certificates/999999/scan",
        "/agencies/abc",
        "/agencies/-3",
        "/credit/agencies/abc",
        "/credit/agencies/abc.json",
        "/credit/agencies/-2.json",
        "/credit/records/x/evidence",
        "/credit/records/-1/evidence",
    ] {
        assert_eq!(app.get(path).await.status().as_u16(), 404, "{path}");
    }
    for path in [
        "/agency/managers/abc/remove",
        "/agency/managers/-1/remove",
        "/agency/practitioners/x/remove",
        "/agency/items/0/remove",
    ] {
        assert_eq!(app.post(path, &[]).await.status().as_u16(), 404, "{path}");
    }
}

#[actix_web::test]
async fn the_regulators_pages_answer_404_for_an_id_that_is_not_one() {
    let app = spawn_app().await;
    app.signed_in(Role::Regulator, "reg@example.com").await;
    for path in [
        "/review/certificates/abc",
        "/review/certificates/-1",
        "/regulate/agencies/abc",
        "/regulate/agencies/abc/records",
        "/regulate/agencies/-4/records/new",
        "/regulate/repairs/x",
        "/regulate/repairs/-1/evidence",
    ] {
        assert_eq!(app.get(path).await.status().as_u16(), 404, "{path}");
    }
    for path in [
        "/regulate/records/abc/revoke",
        "/regulate/alerts/-1/resolve",
    ] {
        assert_eq!(app.post(path, &[]).await.status().as_u16(), 404, "{path}");
    }
}

#[actix_web::test]
async fn another_agencys_rows_are_403_and_stay() {
    let app = spawn_app().await;
    let other = app.create_user(Role::Agency, "other@example.com").await;
    let mut c = app.conn();
    ag::add_manager(&mut c, other, "李四", "510402198001011234", "总经理").expect("manager");
    ag::add_practitioner(&mut c, other, "王五", "注册测绘师", "CH-001").expect("practitioner");
    let mid = ag::managers(&mut c, other).expect("managers")[0].id;
    let pid = ag::practitioners(&mut c, other).expect("practitioners")[0].id;
    drop(c);
    app.signed_in(Role::Agency, "me@example.com").await;
    for path in [
        format!("/agency/managers/{mid}/remove"),
        format!("/agency/practitioners/{pid}/remove"),
    ] {
        assert_eq!(app.post(&path, &[]).await.status().as_u16(), 403, "{path}");
    }
    let mut c = app.conn();
    assert_eq!(ag::managers(&mut c, other).expect("managers").len(), 1);
    assert_eq!(
        ag::practitioners(&mut c, other)
            .expect("practitioners")
            .len(),
        1
    );
}
