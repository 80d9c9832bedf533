//! The one sanction table (`templates/credit/sanctions/_table.html`) that the blacklist, an
//! agency's hub, the agency's own credit page and the exposure record all show: a row per
//! listing, ban or record, the columns each page needs switched on by [`Columns`].

use chrono::NaiveDate;

use crate::accounts::store::department::Department;
use crate::credit::store::sanctions::Listing;
use crate::domain::exposure::{self, State};
use crate::i18n::{Lang, tr};

/// Which optional columns a page shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Columns {
    /// The agency, its credit code (public lists).
    pub agency: bool,
    /// The kind of entry (the exposure record mixes them).
    pub kind: bool,
    /// The legal basis.
    pub basis: bool,
    /// The persons of a ban.
    pub persons: bool,
    /// The agency's own repair date and action.
    pub repair: bool,
}

/// The agency's own repair facts of a listing (its credit page only).
#[derive(Clone, Debug, Default)]
pub struct Repair {
    pub listing_id: i64,
    pub repair_on: String,
    pub can_apply: bool,
    pub pending: bool,
}

/// One row of the sanction table.
#[derive(Clone, Debug, Default)]
pub struct SanctionRow {
    pub agency_id: i64,
    pub agency: String,
    pub uscc: String,
    pub kind: String,
    pub reason: String,
    pub basis: String,
    pub period: String,
    pub department: String,
    /// `exposure::State::code` (`active`, `upcoming`, `expired`, `repaired`, `lifted`), or
    /// `in_force` for a record still counted.
    pub state: &'static str,
    pub state_label: String,
    /// The day a listing ended early.
    pub ended_on: String,
    /// (name, masked ID number)
    pub persons: Vec<(String, String)>,
    /// Where the entry's cause is published (a complaint outcome, an inspection), if so.
    pub link: String,
    pub repair: Option<Repair>,
}

impl SanctionRow {
    /// The tag class of its state.
    pub fn tag(&self) -> &'static str {
        match self.state {
            "active" | "in_force" => "tag-danger",
            "upcoming" => "tag-warning",
            "repaired" => "tag-success",
            _ => "tag-muted",
        }
    }
}

/// "start — end"
pub fn period(starts_on: NaiveDate, ends_on: NaiveDate) -> String {
    format!(
        "{} — {}",
        crate::web::fmt::date(starts_on),
        crate::web::fmt::date(ends_on)
    )
}

/// The state's code and label.
pub fn state(lang: Lang, s: State) -> (&'static str, String) {
    (s.code(), tr(lang, &s.key()).to_string())
}

/// The state of a listing or ban on `today`, with its label.
pub fn period_state(
    lang: Lang,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    ended_on: Option<NaiveDate>,
    repaired: bool,
    today: NaiveDate,
) -> (&'static str, String) {
    state(
        lang,
        exposure::state(starts_on, ends_on, ended_on, repaired, today),
    )
}

/// A blacklist listing as the blacklist page (and its download) shows it.
pub fn listing_sanction(
    l: &Listing,
    agency: &str,
    uscc: &str,
    depts: &[Department],
    lang: Lang,
) -> SanctionRow {
    let (state, state_label) = period_state(
        lang,
        l.starts_on,
        l.ends_on,
        l.ended_on,
        l.repaired(),
        crate::db::today(),
    );
    SanctionRow {
        agency_id: l.agency_id,
        agency: agency.to_string(),
        uscc: uscc.to_string(),
        kind: crate::i18n::tr(lang, "sanctions.measure.blacklist").to_string(),
        reason: l.reason.clone(),
        basis: l.legal_basis.clone(),
        period: period(l.starts_on, l.ends_on),
        department: crate::web::fmt::dept(lang, depts, Some(l.department_id)),
        state,
        state_label,
        ended_on: l
            .ended_on
            .filter(|e| *e < l.ends_on)
            .map(crate::web::fmt::date)
            .unwrap_or_default(),
        ..SanctionRow::default()
    }
}
