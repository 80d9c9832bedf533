//! Ids in the accounts pages' paths: a message is read only by its addressee (`OwnMessage`,
//! an authorising extractor: a missing message is 404 before the policy says 403), an account
//! is acted on only by an administrator (`web::Path<i64>`). An id that is not a positive
//! integer, or names nothing, is a page that does not exist.

use diesel::prelude::*;
use zhongjie::auth::Role;
use zhongjie::db::schema::messages;

use crate::accounts::auth::clone_app;
use crate::helpers::*;

fn message_for(app: &TestApp, user_id: i64) -> i64 {
    let mut c = app.conn();
    zhongjie::mail::store::enqueue(&mut c, Some(user_id), "x@example.com", "测试消息", "正文")
        .unwrap();
    messages::table
        .filter(messages::user_id.eq(user_id))
        .select(messages::id)
        .order(messages::id.desc())
        .first(&mut *c)
        .unwrap()
}

#[actix_web::test]
async fn a_message_is_read_by_its_addressee_only() {
    let app = spawn_app().await;
    let me = app.signed_in(Role::Owner, "owner@example.com").await;
    let other = app.create_user(Role::Agency, "agency@example.com").await;
    let mine = message_for(&app, me);
    let theirs = message_for(&app, other);

    assert_eq!(
        app.get(&format!("/messages/{mine}"))
            .await
            .status()
            .as_u16(),
        200
    );
    let read: Option<chrono::NaiveDateTime> = messages::table
        .find(mine)
        .select(messages::read_at)
        .first(&mut *app.conn())
        .unwrap();
    assert!(read.is_some(), "opening a message marks it read");

    // Someone else's message: it exists, but not for this reader, and stays unread.
    assert_eq!(
        app.get(&format!("/messages/{theirs}"))
            .await
            .status()
            .as_u16(),
        403
    );
    let read: Option<chrono::NaiveDateTime> = messages::table
        .find(theirs)
        .select(messages::read_at)
        .first(&mut *app.conn())
        .unwrap();
    assert!(read.is_none());

    for path in [
        "/messages/0",
        "/messages/-3",
        "/messages/abc",
        "/messages/99999999",
    ] {
        assert_eq!(app.get(path).await.status().as_u16(), 404, "{path}");
    }

    // A visitor is sent to the login page for an id that could exist.
    let visitor = clone_app(&app);
    let r = visitor.get(&format!("/messages/{mine}")).await;
    assert_eq!(r.status().as_u16(), 303);
}

#[actix_web::test]
async fn an_account_is_acted_on_by_an_administrator_only() {
    let app = spawn_app().await;
    let target = app.create_user(Role::Agency, "agency@example.com").await;
    let owner = clone_app(&app);
    owner.signed_in(Role::Owner, "owner@example.com").await;
    app.signed_in(Role::Admin, "admin@example.com").await;

    let path = format!("/admin/users/{target}/status");
    let r = owner.post(&path, &[("status", "disabled")]).await;
    assert_eq!(r.status().as_u16(), 403);

    for bad in ["0", "-1", "abc", "99999999"] {
        let r = app
            .post(
                &format!("/admin/users/{bad}/status"),
                &[("status", "disabled")],
            )
            .await;
        assert_eq!(r.status().as_u16(), 404, "{bad}");
    }

    let r = app.post(&path, &[("status", "disabled")]).await;
    assert_eq!(r.status().as_u16(), 303);
    let status: String = {
        use zhongjie::db::schema::users;
        users::table
            .find(target)
            .select(users::status)
            .first::<zhongjie::domain::status::UserStatus>(&mut *app.conn())
            .unwrap()
            .as_str()
            .to_string()
    };
    assert_eq!(status, "disabled");
}
