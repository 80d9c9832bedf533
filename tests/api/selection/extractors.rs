//! The authorising extractors of selection (`selection::routes::extract`): an id that is not a
//! positive number is 404 like a missing row, another owner's announcement or project is 403
//! (after it is found), the agency's pages are for agencies, and a POST without its CSRF token
//! is refused before anything about its object is told.

use zhongjie::auth::Role;

use crate::accounts::auth::clone_app;
use crate::fixtures::{AnnouncementBuilder, ItemBuilder, ProjectBuilder, department};
use crate::helpers::*;

struct World {
    owner: TestApp,
    stranger: TestApp,
    agency: TestApp,
    project: i64,
    draft: i64,
    published: i64,
}

async fn world() -> (TestApp, World) {
    let app = spawn_app().await;
    let owner = clone_app(&app);
    let owner_id = owner.signed_in(Role::Owner, "owner@example.com").await;
    let stranger = clone_app(&app);
    stranger
        .signed_in(Role::Owner, "stranger@example.com")
        .await;
    let agency = clone_app(&app);
    agency.signed_in(Role::Agency, "agency@example.com").await;
    let dept = department(
        &app,
        "fgw",
        "攀枝花市发展和改革委员会",
        "Development and Reform",
    );
    let item = ItemBuilder::new("EX-01", "节能评估")
        .industry("environment")
        .approval("节能审查")
        .time_limit(20)
        .insert(&app, dept);
    let draft = AnnouncementBuilder::new(owner_id, item)
        .cap(Some(5_000_000))
        .new_project(ProjectBuilder::new(owner_id, "东区节能改造", "2026-EX-01"))
        .status("draft")
        .published_at(None)
        .insert(&app);
    let project = {
        use diesel::prelude::*;
        use zhongjie::db::schema::announcements;
        announcements::table
            .find(draft)
            .select(announcements::project_id)
            .first::<i64>(&mut *app.conn())
            .unwrap()
    };
    let published = AnnouncementBuilder::new(owner_id, item)
        .cap(Some(5_000_000))
        .project(project)
        .insert(&app);
    (
        app,
        World {
            owner,
            stranger,
            agency,
            project,
            draft,
            published,
        },
    )
}

#[actix_web::test]
async fn ids_that_are_not_positive_numbers_are_not_found() {
    let (_app, w) = world().await;
    for path in [
        "/owner/announcements/abc/edit",
        "/owner/announcements/-1/edit",
        "/owner/announcements/0/change",
        "/owner/projects/abc",
        "/owner/projects/-5/announcements/new",
        "/announcements/abc",
        "/announcements/abc/bid",
    ] {
        let who = if path.ends_with("/bid") {
            &w.agency
        } else {
            &w.owner
        };
        assert_eq!(who.get(path).await.status().as_u16(), 404, "GET {path}");
    }
    for path in [
        "/owner/announcements/-1/publish",
        "/owner/announcements/abc/cancel",
        "/owner/self-preparations/-1/withdraw",
    ] {
        let r = w.owner.post(path, &[]).await;
        assert_eq!(r.status().as_u16(), 404, "POST {path}");
    }
    let r = w
        .agency
        .get(&format!("/agency/announcements/{}/receipts/x", w.published))
        .await;
    assert_eq!(r.status().as_u16(), 404);
}

#[actix_web::test]
async fn another_owners_objects_are_forbidden_and_their_own_are_served() {
    let (_app, w) = world().await;
    let mine = [
        format!("/owner/announcements/{}/edit", w.draft),
        format!("/owner/announcements/{}/change", w.published),
        format!("/owner/announcements/{}/cancel", w.published),
        format!("/owner/projects/{}", w.project),
        format!("/owner/projects/{}/announcements/new", w.project),
    ];
    for path in &mine {
        assert_eq!(
            w.owner.get(path).await.status().as_u16(),
            200,
            "owner GET {path}"
        );
        assert_eq!(
            w.stranger.get(path).await.status().as_u16(),
            403,
            "stranger GET {path}"
        );
        assert_eq!(
            w.agency.get(path).await.status().as_u16(),
            403,
            "agency GET {path}"
        );
    }
    for path in [
        format!("/owner/announcements/{}/publish", w.draft),
        format!("/owner/announcements/{}/cancel", w.published),
        format!("/owner/projects/{}/self-prepare", w.project),
    ] {
        let r = w.stranger.post(&path, &[("reason", "不再需要")]).await;
        assert_eq!(r.status().as_u16(), 403, "stranger POST {path}");
    }
    // Nothing was changed by the refused requests.
    assert_eq!(
        w.owner
            .get(&format!("/announcements/{}", w.published))
            .await
            .status()
            .as_u16(),
        200
    );
}

#[actix_web::test]
async fn the_bid_page_is_for_agencies_and_a_draft_is_not_there_for_them() {
    let (app, w) = world().await;
    let bid = format!("/announcements/{}/bid", w.published);
    assert_eq!(w.agency.get(&bid).await.status().as_u16(), 200);
    assert_eq!(w.owner.get(&bid).await.status().as_u16(), 403);
    let visitor = clone_app(&app);
    assert_eq!(visitor.get(&bid).await.status().as_u16(), 303);
    let draft_bid = format!("/announcements/{}/bid", w.draft);
    assert_eq!(w.agency.get(&draft_bid).await.status().as_u16(), 404);
}

#[actix_web::test]
async fn a_post_without_its_token_is_refused_before_its_object_is_looked_at() {
    let (app, w) = world().await;
    let visitor = clone_app(&app);
    for (who, path) in [
        (
            &w.stranger,
            format!("/owner/announcements/{}/publish", w.draft),
        ),
        (
            &w.stranger,
            "/owner/announcements/999999/cancel".to_string(),
        ),
        (&w.owner, format!("/announcements/{}/register", w.published)),
        (&visitor, format!("/announcements/{}/quote", w.published)),
        (
            &visitor,
            format!("/announcements/{}/objections", w.published),
        ),
    ] {
        let r = who.post_no_csrf(&path, &[("amount", "100")]).await;
        assert_eq!(r.status().as_u16(), 403, "POST {path} without CSRF");
    }
}
