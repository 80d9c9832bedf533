//! Stub: blacklist, market bans, alerts and repairs (issue 4).
