//! Collusion signals: bidders sharing a senior manager, phone or e-mail; identical
//! quotes; quotes submitted from one network address within minutes. They are **flagged to
//! the regulator, never acted on automatically**: a shared phone may be an agency's
//! bookkeeping firm, an identical quote a common rate card. The regulator looks and decides.
//!
//! [`signals`] is pure: the facts come from `crate::selection::store::collusion`. Shared personal values
//! (ID numbers, phones, e-mail addresses) appear in the evidence only masked
//! (`domain::mask`); the regulator can open the agencies' records for the full values.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::domain::mask;
use crate::domain::money::Money;

/// Quotes from one address count as "within minutes" when at most this many minutes apart
/// (a chain of such quotes forms one group). The administrator's setting
/// `collusion_address_minutes` overrides it.
pub const DEFAULT_SAME_ADDRESS_MINUTES: i64 = 10;

/// What is known about one bidder of one announcement.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bidder {
    pub agency_id: i64,
    pub name: String,
    /// ID numbers of the agency's senior managers (any case; compared normalized).
    pub manager_ids: Vec<String>,
    /// The agency's contact phone and its account's phone.
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    /// The quoted amount: known only after opening.
    pub amount: Option<Money>,
    /// When the active quote was submitted (UTC) and from which address.
    pub submitted_at: Option<NaiveDateTime>,
    pub client_addr: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    SharedManager,
    SharedPhone,
    SharedEmail,
    IdenticalQuote,
    SameAddress,
}

impl Kind {
    /// Locale key in `locales/*/supervise.txt`.
    pub fn key(self) -> &'static str {
        match self {
            Kind::SharedManager => "supervise.kind.shared_manager",
            Kind::SharedPhone => "supervise.kind.shared_phone",
            Kind::SharedEmail => "supervise.kind.shared_email",
            Kind::IdenticalQuote => "supervise.kind.identical_quote",
            Kind::SameAddress => "supervise.kind.same_address",
        }
    }
}

/// One signal: which agencies, and what they share.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Signal {
    pub kind: Kind,
    /// The agencies involved, ascending, at least two.
    pub agencies: Vec<i64>,
    /// The shared value as shown: masked ID number, phone or e-mail; the amount in yuan
    /// ("1,234.56"); the network address.
    pub evidence: String,
    /// Same address: the first and last submission of the group (UTC).
    pub span: Option<(NaiveDateTime, NaiveDateTime)>,
    /// Same address: the window the group was formed with, in minutes.
    pub within_minutes: Option<i64>,
}

fn norm_id(s: &str) -> String {
    s.trim().to_uppercase()
}

/// Digits only, without a leading +86 / 0086: "0812-3336000" and "08123336000" are one.
fn norm_phone(s: &str) -> String {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    let d = d.strip_prefix("0086").unwrap_or(&d);
    let d = if s.trim_start().starts_with('+') {
        d.strip_prefix("86").unwrap_or(d)
    } else {
        d
    };
    d.to_string()
}

fn norm_email(s: &str) -> String {
    s.trim().to_lowercase()
}

/// The host part of an address ("1.2.3.4:5678" → "1.2.3.4", "[::1]:80" → "::1").
fn norm_addr(s: &str) -> String {
    let s = s.trim();
    match s.parse::<std::net::SocketAddr>() {
        Ok(a) => a.ip().to_string(),
        Err(_) => s.to_lowercase(),
    }
}

/// Groups agencies by a normalized value; each agency counts once per value.
fn shared(
    bidders: &[Bidder],
    kind: Kind,
    values: impl Fn(&Bidder) -> Vec<String>,
    norm: impl Fn(&str) -> String,
    show: impl Fn(&str) -> String,
    out: &mut Vec<Signal>,
) {
    // normalized value → (first raw value seen, agencies)
    let mut groups: BTreeMap<String, (String, BTreeSet<i64>)> = BTreeMap::new();
    for b in bidders {
        for raw in values(b) {
            let key = norm(&raw);
            if key.is_empty() {
                continue;
            }
            groups
                .entry(key)
                .or_insert_with(|| (raw.trim().to_string(), BTreeSet::new()))
                .1
                .insert(b.agency_id);
        }
    }
    for (_, (raw, agencies)) in groups {
        if agencies.len() >= 2 {
            out.push(Signal {
                kind,
                agencies: agencies.into_iter().collect(),
                evidence: show(&raw),
                span: None,
                within_minutes: None,
            });
        }
    }
}

/// Every signal among one announcement's bidders, in a fixed order (kind, then agencies,
/// then evidence). `within_minutes` is the same-address window (at least 1).
pub fn signals(bidders: &[Bidder], within_minutes: i64) -> Vec<Signal> {
    let mut out = Vec::new();
    shared(
        bidders,
        Kind::SharedManager,
        |b| b.manager_ids.clone(),
        norm_id,
        |v| mask::mask_id(&norm_id(v)),
        &mut out,
    );
    shared(
        bidders,
        Kind::SharedPhone,
        |b| b.phones.clone(),
        norm_phone,
        mask::mask_phone,
        &mut out,
    );
    shared(
        bidders,
        Kind::SharedEmail,
        |b| b.emails.clone(),
        norm_email,
        |v| mask::mask_email(&norm_email(v)),
        &mut out,
    );
    shared(
        bidders,
        Kind::IdenticalQuote,
        |b| b.amount.map(|m| m.fen().to_string()).into_iter().collect(),
        |s| s.to_string(),
        |fen| {
            fen.parse::<i64>()
                .map(|f| Money::from_fen(f).yuan_text())
                .unwrap_or_default()
        },
        &mut out,
    );
    same_address(bidders, within_minutes.max(1), &mut out);
    out.sort_by(|a, b| {
        (a.kind, &a.agencies, &a.evidence, a.span).cmp(&(b.kind, &b.agencies, &b.evidence, b.span))
    });
    out
}

/// Quotes from one address, grouped while consecutive submissions are at most `minutes`
/// apart; a group of two or more agencies is a signal.
fn same_address(bidders: &[Bidder], minutes: i64, out: &mut Vec<Signal>) {
    let window = chrono::Duration::minutes(minutes);
    let mut by_addr: BTreeMap<String, Vec<(NaiveDateTime, i64)>> = BTreeMap::new();
    for b in bidders {
        let addr = norm_addr(&b.client_addr);
        if let (false, Some(t)) = (addr.is_empty(), b.submitted_at) {
            by_addr.entry(addr).or_default().push((t, b.agency_id));
        }
    }
    for (addr, mut subs) in by_addr {
        subs.sort_unstable();
        let mut group: Vec<(NaiveDateTime, i64)> = Vec::new();
        let mut flush = |group: &mut Vec<(NaiveDateTime, i64)>| {
            let agencies: BTreeSet<i64> = group.iter().map(|(_, a)| *a).collect();
            if agencies.len() >= 2
                && let (Some(first), Some(last)) = (group.first(), group.last())
            {
                out.push(Signal {
                    kind: Kind::SameAddress,
                    agencies: agencies.into_iter().collect(),
                    evidence: addr.clone(),
                    span: Some((first.0, last.0)),
                    within_minutes: Some(minutes),
                });
            }
            group.clear();
        };
        for s in subs {
            if let Some(last) = group.last()
                && s.0 - last.0 > window
            {
                flush(&mut group);
            }
            group.push(s);
        }
        flush(&mut group);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 2)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    fn bidder(id: i64) -> Bidder {
        Bidder {
            agency_id: id,
            name: format!("机构{id}"),
            manager_ids: vec![format!("51040219800101{id:04}")],
            phones: vec![format!("1390000{id:04}")],
            emails: vec![format!("a{id}@example.com")],
            amount: Some(Money::from_fen(100_000 + id)),
            submitted_at: Some(t(9, 0) + chrono::Duration::hours(id)),
            client_addr: format!("10.0.0.{id}"),
        }
    }

    fn three() -> Vec<Bidder> {
        vec![bidder(1), bidder(2), bidder(3)]
    }

    #[test]
    fn distinct_bidders_raise_nothing() {
        assert!(signals(&three(), 10).is_empty());
        assert!(signals(&[], 10).is_empty());
        // One agency alone never signals, even with its values repeated.
        let mut b = bidder(1);
        b.phones = vec!["13900000001".into(), "139-0000-0001".into()];
        assert!(signals(&[b], 10).is_empty());
    }

    #[test]
    fn shared_manager_is_masked_and_case_blind() {
        let mut bs = three();
        bs[0].manager_ids = vec!["51040219800101123x".into()];
        bs[2].manager_ids = vec![" 51040219800101123X".into(), "x".into()];
        let s = signals(&bs, 10);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].kind, Kind::SharedManager);
        assert_eq!(s[0].agencies, vec![1, 3]);
        assert_eq!(s[0].evidence, "5104**********123X");
        assert!(!s[0].evidence.contains("198001"));
    }

    #[test]
    fn shared_phone_ignores_formatting() {
        let mut bs = three();
        bs[1].phones.push("0812-3336000".into());
        bs[2].phones = vec!["08123336000".into()];
        bs[0].phones.push("+86 0812 3336000".into());
        let s = signals(&bs, 10);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].kind, Kind::SharedPhone);
        assert_eq!(s[0].agencies, vec![1, 2, 3]);
        assert!(!s[0].evidence.contains("3336"), "{}", s[0].evidence);
    }

    #[test]
    fn shared_email_is_case_blind_and_masked() {
        let mut bs = three();
        bs[0].emails = vec!["Boss@Example.com".into()];
        bs[1].emails = vec!["boss@example.com".into()];
        let s = signals(&bs, 10);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].kind, Kind::SharedEmail);
        assert_eq!(s[0].agencies, vec![1, 2]);
        assert_eq!(s[0].evidence, "b***@example.com");
    }

    #[test]
    fn identical_quotes_only_when_known() {
        let mut bs = three();
        bs[1].amount = Some(Money::from_fen(12_345_678));
        bs[2].amount = Some(Money::from_fen(12_345_678));
        let s = signals(&bs, 10);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].kind, Kind::IdenticalQuote);
        assert_eq!(s[0].agencies, vec![2, 3]);
        assert_eq!(s[0].evidence, "¥123,456.78");
        // Before opening no amount is known: nothing to compare.
        for b in &mut bs {
            b.amount = None;
        }
        assert!(signals(&bs, 10).is_empty());
    }

    #[test]
    fn same_address_within_minutes() {
        let mut bs = vec![bidder(1), bidder(2), bidder(3), bidder(4)];
        for b in &mut bs {
            b.client_addr = "203.0.113.7".into();
        }
        bs[0].submitted_at = Some(t(9, 0));
        bs[1].client_addr = "203.0.113.7:51234".into();
        bs[1].submitted_at = Some(t(9, 8));
        bs[2].submitted_at = Some(t(9, 30)); // 22 minutes later: not with them
        bs[3].submitted_at = Some(t(9, 40)); // 10 minutes after 3: with 3
        let s = signals(&bs, 10);
        assert_eq!(s.len(), 2, "{s:?}");
        assert!(s.iter().all(|x| x.kind == Kind::SameAddress));
        assert_eq!(s[0].agencies, vec![1, 2]);
        assert_eq!(s[0].evidence, "203.0.113.7");
        assert_eq!(s[0].span, Some((t(9, 0), t(9, 8))));
        assert_eq!(s[0].within_minutes, Some(10));
        assert_eq!(s[1].agencies, vec![3, 4]);
        // A shorter window splits the first pair too.
        let s = signals(&bs, 5);
        assert_eq!(s.len(), 0, "{s:?}");
        // A wider one makes one group of four.
        let s = signals(&bs, 30);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].agencies, vec![1, 2, 3, 4]);
    }

    #[test]
    fn same_address_needs_two_agencies_and_an_address() {
        let mut bs = three();
        for b in &mut bs {
            b.client_addr = String::new();
            b.submitted_at = Some(t(9, 0));
        }
        assert!(signals(&bs, 10).is_empty());
        // The same agency resubmitting from one address is not a signal.
        let mut a = bidder(1);
        a.submitted_at = Some(t(9, 0));
        let mut a2 = a.clone();
        a2.submitted_at = Some(t(9, 1));
        assert!(signals(&[a, a2], 10).is_empty());
    }

    #[test]
    fn order_is_deterministic() {
        let mut bs = three();
        bs[0].phones = vec!["13911112222".into()];
        bs[1].phones = vec!["13911112222".into()];
        bs[1].amount = Some(Money::from_fen(5));
        bs[2].amount = Some(Money::from_fen(5));
        bs[0].manager_ids = vec!["510402198001011234".into()];
        bs[2].manager_ids = vec!["510402198001011234".into()];
        let a = signals(&bs, 10);
        bs.reverse();
        let b = signals(&bs, 10);
        assert_eq!(a, b);
        let kinds: Vec<Kind> = a.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            vec![Kind::SharedManager, Kind::SharedPhone, Kind::IdenticalQuote]
        );
    }
}
