//! Login guesses sent all at once: each try takes its slot before its password is checked, so a
//! burst gets no more evaluations than the same tries sent one by one (5 free per account,
//! 20 per address, then pauses of 2, 4, 8 … seconds from the last try let through).

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use zhongjie::auth::Role;
use zhongjie::domain::throttle::{ACCOUNT, ADDRESS, Limits};

use crate::helpers::*;

const WRONG: &str = "Wrong-Password-123";

/// The most tries the rule lets through in `elapsed`: the free ones, then one more after each
/// pause of 2, 4, 8 … seconds (the pauses run one after another from the last try let through).
fn most_evaluated(limits: Limits, elapsed: Duration) -> usize {
    let mut n = limits.free_tries as usize;
    let mut waited = 0.0;
    let mut pause = 2.0_f64;
    loop {
        waited += pause;
        if waited > elapsed.as_secs_f64() {
            return n;
        }
        n += 1;
        pause = (pause * 2.0).min(300.0);
    }
}

/// Posts every (e-mail, password) at once from one client (one address); the statuses in the
/// order given and the time from the first send to the last answer.
async fn burst(app: &TestApp, tries: &[(String, String)]) -> (Vec<u16>, Duration) {
    let token = app.csrf().await;
    let started = Instant::now();
    let sends = tries.iter().map(|(email, password)| {
        let form = [
            ("email", email.as_str()),
            ("password", password.as_str()),
            ("next", "/my"),
            ("csrf", token.as_str()),
        ];
        let req = app.client.post(app.url("/login")).form(&form);
        async move {
            let r = req.send().await.expect("POST /login");
            let retry_after = r.headers().contains_key("retry-after");
            let s = r.status().as_u16();
            assert!(s != 429 || retry_after, "a refusal says when to retry");
            s
        }
    });
    let statuses = join_all(sends).await;
    (statuses, started.elapsed())
}

/// Sends wrong tries one by one until one is let through, which starts a fresh pause of at
/// least 4 seconds (the sixth failure or later); then, at once, the right password, which must
/// wait like any other try. Waiting for the pause this way keeps the check off the edge of a
/// pause that happens to end as the burst does.
async fn right_password_during_a_pause(
    app: &TestApp,
    wrong_email: impl Fn(usize) -> String,
    email: &str,
) {
    let give_up = Instant::now() + Duration::from_secs(120);
    for i in 0.. {
        let s = app.login(&wrong_email(i), WRONG).await.status().as_u16();
        if s == 401 {
            break;
        }
        assert_eq!(s, 429);
        assert!(
            Instant::now() < give_up,
            "no try was let through in two minutes"
        );
        actix_web::rt::time::sleep(Duration::from_millis(250)).await;
    }
    let r = app.login(email, PASSWORD).await;
    assert_eq!(r.status().as_u16(), 429, "the right password waits too");
    assert!(r.headers().contains_key("retry-after"));
}

fn attempt_rows(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use zhongjie::db::schema::login_attempts;
    let mut c = app.conn();
    login_attempts::table
        .count()
        .get_result(&mut *c)
        .expect("count attempts")
}

#[actix_web::test]
async fn a_burst_of_guesses_at_one_account_is_throttled_like_single_tries() {
    let app = spawn_web_only().await;
    app.create_user(Role::Owner, "burst@example.com").await;
    let mut tries: Vec<(String, String)> = (0..199)
        .map(|_| ("burst@example.com".to_string(), WRONG.to_string()))
        .collect();
    tries.push(("burst@example.com".into(), PASSWORD.into()));

    let (statuses, elapsed) = burst(&app, &tries).await;

    let evaluated = statuses.iter().filter(|s| **s != 429).count();
    let allowed = most_evaluated(ACCOUNT, elapsed);
    assert!(
        evaluated <= allowed,
        "{evaluated} of 200 tries were evaluated in {elapsed:?}; the rule allows {allowed}"
    );
    assert!(evaluated >= ACCOUNT.free_tries as usize, "{statuses:?}");
    assert!(
        statuses[..199].iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    // Every evaluated try took its slot, and none was let through without one.
    assert_eq!(attempt_rows(&app), evaluated as i64);
    // The right password, sent last, is one of the counted tries: on a loaded machine a pause
    // may end just as it arrives. While a pause runs it is refused:
    let fresh = crate::accounts::auth::clone_app(&app);
    right_password_during_a_pause(&fresh, |_| "burst@example.com".into(), "burst@example.com")
        .await;
}

#[actix_web::test]
async fn a_burst_from_one_address_over_many_accounts_is_throttled_by_the_address() {
    let app = spawn_web_only().await;
    app.create_user(Role::Agency, "real@example.com").await;
    let mut tries: Vec<(String, String)> = (0..199)
        .map(|i| (format!("guess{i}@example.com"), WRONG.to_string()))
        .collect();
    tries.push(("real@example.com".into(), PASSWORD.into()));

    let (statuses, elapsed) = burst(&app, &tries).await;

    let evaluated = statuses.iter().filter(|s| **s != 429).count();
    let allowed = most_evaluated(ADDRESS, elapsed);
    assert!(
        evaluated <= allowed,
        "{evaluated} of 200 tries were evaluated in {elapsed:?}; the address allows {allowed}"
    );
    assert!(evaluated >= ADDRESS.free_tries as usize, "{statuses:?}");
    assert_eq!(attempt_rows(&app), evaluated as i64);
    // The right password of an untried account waits for the address's pause.
    let fresh = crate::accounts::auth::clone_app(&app);
    right_password_during_a_pause(
        &fresh,
        |i| format!("later{i}@example.com"),
        "real@example.com",
    )
    .await;
}

#[actix_web::test]
async fn a_right_password_turns_its_slot_into_a_success() {
    use diesel::prelude::*;
    use zhongjie::db::schema::login_attempts;
    let app = spawn_web_only().await;
    app.create_user(Role::Owner, "ok@example.com").await;
    // Four failures, then the right password: it is let through (the fifth free try) and
    // does not count against the account afterwards.
    for _ in 0..4 {
        let r = app.login("ok@example.com", WRONG).await;
        assert_eq!(r.status().as_u16(), 401);
    }
    assert_eq!(
        app.login("ok@example.com", PASSWORD)
            .await
            .status()
            .as_u16(),
        303
    );
    let rows: Vec<bool> = {
        let mut c = app.conn();
        login_attempts::table
            .order(login_attempts::id)
            .select(login_attempts::success)
            .load(&mut *c)
            .expect("attempts")
    };
    assert_eq!(rows, [false, false, false, false, true]);
    // Still four failures on the account: another wrong try is free.
    let other = crate::accounts::auth::clone_app(&app);
    assert_eq!(
        other.login("ok@example.com", WRONG).await.status().as_u16(),
        401
    );
}
