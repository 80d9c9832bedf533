//! Open Contracting Data Standard 1.1 (OCDS): how one announcement's story becomes releases,
//! how releases compile into a record, and the rules of the public feed (its `since` date,
//! cursor and page size). Pure: the facts come in as plain values (`crate::ocds::store` reads
//! them), the releases go out as JSON.
//!
//! One announcement is one contracting process: `ocid` = the platform's prefix (the setting
//! `ocds_ocid_prefix`, registered with the OCDS help desk) + `-` + the announcement id. Its
//! releases, each with an id that never changes once issued:
//! - `…-tender`: publication (tag `tender`);
//! - `…-amendment-{audit seq}`: each change after publication (`tenderAmendment`);
//! - `…-cancellation`: a cancellation with its reason (`tenderCancellation`);
//! - `…-opening`: the opening at the deadline (`tenderUpdate`): the cap price, the tenderers,
//!   the tender's end state (`complete` or, for 流标, `unsuccessful`);
//! - `…-award`: the result with its winner (`award`, status `pending` during publicity),
//!   `…-award-confirmed` (`awardUpdate`, `active`) or `…-award-annulled` (`awardCancellation`);
//! - `…-contract`: the signed contract (`contract`);
//! - `…-deliverable-{id}`, `…-deliverable-{id}-decision`, `…-payment-{id}` and
//!   `…-acceptance`: fulfilment (`implementation`).
//!
//! The sealed-quote rule reaches the open data: **before the opening no release carries an
//! amount** — neither the cap nor a quote — because the only releases that exist before it
//! (publication, amendments, cancellation) are built without any value. The amendments name
//! the fields that changed, never their values (the audit trail keeps only those names).
//!
//! Organisations are identified by their 统一社会信用代码 under the org-id.guide scheme
//! `CN-USCC`; amounts are CNY from fen, exact to the fen (`amount`).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{Map, Value, json};

use crate::domain::publication::{china_day, china_to_utc};
use crate::domain::selection::Mode;

/// The OCDS version the packages declare (schema 1.1.5).
pub const VERSION: &str = "1.1";

/// The prefix used until an administrator sets the registered one. Deliberately not a real
/// registered prefix: publish with it only for testing.
pub const PLACEHOLDER_PREFIX: &str = "ocds-unregistered";

/// The feed's page size when none is asked for, and the most it gives.
pub const FEED_DEFAULT_LIMIT: usize = 100;
pub const FEED_MAX_LIMIT: usize = 500;

/// Whether `s` can serve as an ocid prefix: `ocds-` and then lower-case letters, digits and
/// hyphens (a registered prefix is `ocds-` + six characters), at most 40 in all.
pub fn valid_prefix(s: &str) -> bool {
    s.len() <= 40
        && s.strip_prefix("ocds-").is_some_and(|rest| {
            !rest.is_empty()
                && !rest.starts_with('-')
                && !rest.ends_with('-')
                && rest
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

/// The ocid of announcement `id`.
pub fn ocid(prefix: &str, id: i64) -> String {
    format!("{prefix}-{id}")
}

/// The announcement id of an ocid made with `prefix`, if it is one.
pub fn announcement_of(prefix: &str, ocid: &str) -> Option<i64> {
    let n = ocid.strip_prefix(prefix)?.strip_prefix('-')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || n.starts_with('0') {
        return None;
    }
    n.parse().ok()
}

// ------------------------------------------------------------------ values

/// `{"amount": 1234.56, "currency": "CNY"}` from fen. The number is the nearest double to
/// fen / 100, which prints back as exactly the decimal (to the fen) for every amount below
/// 2^53 fen.
pub fn cny(fen: i64) -> Value {
    json!({ "amount": fen as f64 / 100.0, "currency": "CNY" })
}

/// An OCDS date-time of a stored UTC time: `2026-12-04T02:10:00Z`.
pub fn date_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An OCDS date-time of a China calendar day (its midnight in China time).
pub fn china_date(d: NaiveDate) -> String {
    format!("{}T00:00:00+08:00", d.format("%Y-%m-%d"))
}

// ------------------------------------------------------------------ facts

/// An organisation as a party: its key (unique on the platform: `user-{id}` or
/// `department-{id}`), its name and, if known, its 统一社会信用代码.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Org {
    pub key: String,
    pub name: String,
    pub uscc: Option<String>,
}

impl Org {
    /// The party id: `CN-USCC-{code}` when the code is known, else the platform key.
    pub fn party_id(&self) -> String {
        match &self.uscc {
            Some(u) => format!("CN-USCC-{u}"),
            None => format!("zj-{}", self.key),
        }
    }

    fn reference(&self) -> Value {
        json!({ "id": self.party_id(), "name": self.name })
    }

    fn party(&self, roles: &[&str]) -> Value {
        let mut p = json!({ "id": self.party_id(), "name": self.name, "roles": roles });
        if let Some(u) = &self.uscc {
            p["identifier"] = json!({ "scheme": "CN-USCC", "id": u, "legalName": self.name });
        }
        p
    }
}

/// A change after publication, as the audit trail keeps it.
#[derive(Clone, Debug)]
pub struct Change {
    pub seq: i64,
    pub at: NaiveDateTime,
    /// Form field names (`scope`, `cap`, `deadline`, ...): never values.
    pub fields: Vec<String>,
    pub version: i64,
}

/// The opening at the deadline.
#[derive(Clone, Debug)]
pub struct Opening {
    pub at: NaiveDateTime,
    /// 流标: fewer valid quotes or registrations than the minimum.
    pub failed: bool,
    /// Every agency that registered or quoted.
    pub tenderers: Vec<Org>,
}

/// The result's winner.
#[derive(Clone, Debug)]
pub struct Winner {
    /// When the result naming this winner was published.
    pub decided_at: NaiveDateTime,
    pub supplier: Org,
    /// The winning quote (none in modes without quotes).
    pub amount: Option<i64>,
    /// The winner confirmed and the award is final (`awards`).
    pub confirmed_at: Option<NaiveDateTime>,
    /// An upheld objection annulled the result.
    pub annulled_at: Option<NaiveDateTime>,
}

/// A deliverable the agency handed in, and the owner's decision.
#[derive(Clone, Debug)]
pub struct Deliverable {
    pub id: i64,
    pub submitted_at: NaiveDateTime,
    /// (accepted, when): accepted or returned with reasons.
    pub decision: Option<(bool, NaiveDateTime)>,
}

#[derive(Clone, Debug)]
pub struct Payment {
    pub id: i64,
    pub paid_on: NaiveDate,
    pub recorded_at: NaiveDateTime,
    pub amount: i64,
}

/// The signed contract and its fulfilment.
#[derive(Clone, Debug)]
pub struct Signed {
    pub id: i64,
    pub signed_at: NaiveDateTime,
    pub price: i64,
    pub time_limit_days: i32,
    pub accepted_at: Option<NaiveDateTime>,
    pub deliverables: Vec<Deliverable>,
    pub payments: Vec<Payment>,
}

/// Everything public about one published announcement.
#[derive(Clone, Debug)]
pub struct Facts {
    pub ocid: String,
    /// The ocid of the round this one re-runs (after 流标 or an annulment).
    pub previous_ocid: Option<String>,
    pub announcement_id: i64,
    pub project_name: String,
    pub project_code: String,
    pub item_code: String,
    pub item_name: String,
    pub scope: String,
    pub mode: Mode,
    pub time_limit_days: i32,
    pub published_at: NaiveDateTime,
    pub deadline: NaiveDateTime,
    /// The cap price in fen: published only from the opening on.
    pub cap: Option<i64>,
    /// The owner (or the department that runs the selection itself, 附件4 (五)).
    pub buyer: Org,
    /// The item's approval department, which supervises and hears complaints.
    pub regulator: Option<Org>,
    pub changes: Vec<Change>,
    pub cancelled: Option<(NaiveDateTime, String)>,
    pub opening: Option<Opening>,
    pub winner: Option<Winner>,
    pub contract: Option<Signed>,
    /// The public page of the announcement (absolute URL).
    pub url: String,
}

/// One release: its id, date and phase (the sort key: releases of the same instant follow
/// the story — an opening before its award, a decision on a deliverable before the
/// acceptance) and the JSON.
#[derive(Clone, Debug)]
pub struct Release {
    pub id: String,
    pub at: NaiveDateTime,
    pub phase: u8,
    pub json: Value,
}

/// The phase of a release by its tag and suffix (see [`Release`]).
fn phase(suffix: &str, tag: &str) -> u8 {
    match tag {
        "tender" => 0,
        "tenderAmendment" => 1,
        "tenderCancellation" => 2,
        "tenderUpdate" => 3,
        "award" => 4,
        "awardUpdate" | "awardCancellation" => 5,
        "contract" => 6,
        _ if suffix == "acceptance" => 9,
        _ if suffix.ends_with("-decision") || suffix.starts_with("payment-") => 8,
        _ => 7,
    }
}

// ------------------------------------------------------------------ releases

fn method(mode: Mode) -> (&'static str, &'static str, &'static str) {
    // (procurementMethod, its details in Chinese, awardCriteria)
    match mode {
        Mode::Direct => ("direct", "直接选取", "singleBidOnly"),
        Mode::RandomDraw => ("open", "随机抽取", "ratedCriteria"),
        Mode::LowestPrice => ("open", "竞价选取（最低价）", "priceOnly"),
        Mode::ReasonablePrice => ("open", "竞价+摇号（合理价随机）", "priceOnly"),
        Mode::WeightedScoring => ("open", "综合评审", "ratedCriteria"),
    }
}

/// The service time limit in words (working days: no OCDS field counts them).
fn time_limit(days: i32) -> String {
    format!("服务时限：{days} 个工作日")
}

/// The Chinese name of a changed field.
fn field_name(f: &str) -> &str {
    match f {
        "scope" => "服务范围",
        "cap" => "最高限价",
        "time_limit_days" => "服务时限",
        "weights" => "评审权重",
        "min_grade" => "信用等级要求",
        "deadline" => "报价截止时间",
        "complaint_phone" => "投诉电话",
        "witness" => "见证人",
        "avoided" => "回避单位",
        other => other,
    }
}

impl Facts {
    fn release(&self, suffix: &str, at: NaiveDateTime, tag: &str) -> Release {
        let id = format!("{}-{suffix}", self.ocid);
        let json = json!({
            "ocid": self.ocid,
            "id": id,
            "date": date_time(at),
            "tag": [tag],
            "initiationType": "tender",
            "language": "zh",
            "buyer": self.buyer.reference(),
        });
        Release {
            id,
            at,
            phase: phase(suffix, tag),
            json,
        }
    }

    /// The tender's terms as they stand now (the audit trail does not keep earlier values).
    /// The service time limit is in working days, which no OCDS period field counts, so it
    /// is said in the description.
    fn terms(&self) -> Value {
        json!({
            "description": format!("{}\n{}", self.scope, time_limit(self.time_limit_days)),
            "tenderPeriod": {
                "startDate": date_time(self.published_at),
                "endDate": date_time(self.deadline),
            },
        })
    }

    fn publication(&self) -> Release {
        let mut r = self.release("tender", self.published_at, "tender");
        let (m, details, criteria) = method(self.mode);
        let mut tender = json!({
            "id": self.announcement_id.to_string(),
            "title": format!("{} · {}", self.project_name, self.item_name),
            "status": "active",
            "procuringEntity": self.buyer.reference(),
            "items": [{
                "id": "1",
                "description": self.item_name,
                "classification": {
                    "scheme": "ZJ-ITEM",
                    "id": self.item_code,
                    "description": self.item_name,
                },
                "quantity": 1,
            }],
            "procurementMethod": m,
            "procurementMethodDetails": details,
            "mainProcurementCategory": "services",
            "awardCriteria": criteria,
            "submissionMethod": ["electronicSubmission"],
        });
        if self.changes.is_empty() {
            merge(&mut tender, &self.terms());
        }
        r.json["tender"] = tender;
        let mut parties = vec![self.buyer.party(&["buyer", "procuringEntity"])];
        if let Some(d) = &self.regulator {
            parties.push(d.party(&["reviewBody"]));
        }
        r.json["parties"] = Value::Array(parties);
        r.json["planning"] = json!({
            "budget": { "project": self.project_name, "projectID": self.project_code },
        });
        if let Some(p) = &self.previous_ocid {
            r.json["relatedProcesses"] = json!([{
                "id": "1",
                "relationship": ["unsuccessfulProcess"],
                "scheme": "ocid",
                "identifier": p,
            }]);
        }
        r
    }

    fn amendment(&self, c: &Change, last: bool) -> Release {
        let mut r = self.release(&format!("amendment-{}", c.seq), c.at, "tenderAmendment");
        let names: Vec<&str> = c.fields.iter().map(|f| field_name(f)).collect();
        let mut tender = json!({
            "id": self.announcement_id.to_string(),
            "amendments": [{
                "id": c.seq.to_string(),
                "date": date_time(c.at),
                "description": format!("公告变更（第 {} 版）：{}", c.version, names.join("、")),
                "releaseID": r.id,
            }],
        });
        if last {
            merge(&mut tender, &self.terms());
        }
        r.json["tender"] = tender;
        r
    }

    fn cancellation(&self, at: NaiveDateTime, reason: &str) -> Release {
        let mut r = self.release("cancellation", at, "tenderCancellation");
        r.json["tender"] = json!({
            "id": self.announcement_id.to_string(),
            "status": "cancelled",
            "amendments": [{
                "id": "cancellation",
                "date": date_time(at),
                "rationale": reason,
                "releaseID": r.id,
            }],
        });
        r
    }

    fn opened(&self, o: &Opening) -> Release {
        let mut r = self.release("opening", o.at, "tenderUpdate");
        let mut tender = json!({
            "id": self.announcement_id.to_string(),
            "status": if o.failed { "unsuccessful" } else { "complete" },
            "numberOfTenderers": o.tenderers.len(),
            "tenderers": o.tenderers.iter().map(Org::reference).collect::<Vec<_>>(),
            "awardPeriod": { "startDate": date_time(o.at) },
        });
        if let Some(cap) = self.cap {
            tender["value"] = cny(cap);
        }
        r.json["tender"] = tender;
        r.json["parties"] = o.tenderers.iter().map(|t| t.party(&["tenderer"])).collect();
        r
    }

    fn supplier_roles(&self, w: &Winner) -> Vec<&'static str> {
        let tendered = self
            .opening
            .as_ref()
            .is_some_and(|o| o.tenderers.iter().any(|t| t.key == w.supplier.key));
        if tendered {
            vec!["tenderer", "supplier"]
        } else {
            vec!["supplier"]
        }
    }

    fn award(&self, w: &Winner, suffix: &str, at: NaiveDateTime, tag: &str, st: &str) -> Release {
        let mut r = self.release(suffix, at, tag);
        let mut award = json!({
            "id": "award-1",
            "status": st,
            "date": date_time(w.decided_at),
            "suppliers": [w.supplier.reference()],
        });
        if let Some(a) = w.amount {
            award["value"] = cny(a);
        }
        r.json["awards"] = json!([award]);
        r.json["parties"] = json!([w.supplier.party(&self.supplier_roles(w))]);
        r
    }

    fn contract_base(&self, k: &Signed) -> Value {
        json!({ "id": format!("contract-{}", k.id), "awardID": "award-1" })
    }

    fn signed(&self, k: &Signed) -> Release {
        let mut r = self.release("contract", k.signed_at, "contract");
        let mut c = self.contract_base(k);
        merge(
            &mut c,
            &json!({
                "title": format!("{} · {}", self.project_name, self.item_name),
                "status": "active",
                "dateSigned": date_time(k.signed_at),
                "description": time_limit(k.time_limit_days),
                "value": cny(k.price),
                "period": { "startDate": date_time(k.signed_at) },
            }),
        );
        r.json["contracts"] = json!([c]);
        r
    }

    fn implementation(&self, k: &Signed, suffix: &str, at: NaiveDateTime, extra: Value) -> Release {
        let mut r = self.release(suffix, at, "implementation");
        let mut c = self.contract_base(k);
        merge(&mut c, &extra);
        r.json["contracts"] = json!([c]);
        r
    }

    fn fulfilment(&self, k: &Signed, out: &mut Vec<Release>) {
        for (n, d) in k.deliverables.iter().enumerate() {
            let id = format!("deliverable-{}", d.id);
            let title = format!("第 {} 次成果提交", n + 1);
            let m = json!({ "id": id, "title": title, "type": "delivery", "status": "scheduled",
                            "dateModified": date_time(d.submitted_at) });
            let extra = json!({ "implementation": { "milestones": [m] } });
            out.push(self.implementation(k, &id, d.submitted_at, extra));
            if let Some((ok, at)) = d.decision {
                let mut m = json!({ "id": id, "title": title, "type": "delivery",
                                    "status": if ok { "met" } else { "notMet" },
                                    "dateModified": date_time(at) });
                if ok {
                    m["dateMet"] = json!(date_time(at));
                }
                let extra = json!({ "implementation": { "milestones": [m] } });
                out.push(self.implementation(k, &format!("{id}-decision"), at, extra));
            }
        }
        let payee = self.winner.as_ref().map(|w| w.supplier.reference());
        for p in &k.payments {
            let mut t = json!({ "id": format!("payment-{}", p.id), "date": china_date(p.paid_on),
                                "value": cny(p.amount), "payer": self.buyer.reference() });
            if let Some(payee) = &payee {
                t["payee"] = payee.clone();
            }
            let extra = json!({ "implementation": { "transactions": [t] } });
            out.push(self.implementation(k, &format!("payment-{}", p.id), p.recorded_at, extra));
        }
        if let Some(at) = k.accepted_at {
            let extra = json!({
                "status": "terminated",
                "implementation": { "milestones": [{
                    "id": "acceptance", "title": "成果验收", "type": "assessment",
                    "status": "met", "dateMet": date_time(at), "dateModified": date_time(at),
                }]},
            });
            out.push(self.implementation(k, "acceptance", at, extra));
        }
    }

    /// Every release of the announcement, oldest first (ties by id).
    pub fn releases(&self) -> Vec<Release> {
        let mut out = vec![self.publication()];
        for (i, c) in self.changes.iter().enumerate() {
            out.push(self.amendment(c, i + 1 == self.changes.len()));
        }
        if let Some((at, reason)) = &self.cancelled {
            out.push(self.cancellation(*at, reason));
        }
        // Nothing below exists before the opening: the only releases with amounts.
        if let Some(o) = &self.opening {
            out.push(self.opened(o));
            if let Some(w) = &self.winner {
                out.push(self.award(w, "award", w.decided_at, "award", "pending"));
                if let Some(at) = w.annulled_at {
                    out.push(self.award(w, "award-annulled", at, "awardCancellation", "cancelled"));
                } else if let Some(at) = w.confirmed_at {
                    out.push(self.award(w, "award-confirmed", at, "awardUpdate", "active"));
                }
            }
            if let Some(k) = &self.contract {
                out.push(self.signed(k));
                self.fulfilment(k, &mut out);
            }
        }
        sort(&mut out);
        out
    }
}

/// Oldest first, then by phase, then by release id: the order of a record and of the feed.
pub fn sort(rs: &mut [Release]) {
    rs.sort_by(|a, b| key(a).cmp(&key(b)));
}

fn key(r: &Release) -> (NaiveDateTime, u8, &str) {
    (r.at, r.phase, r.id.as_str())
}

// ------------------------------------------------------------------ compiling

/// Merges `from` into `into` by the OCDS merge rules: objects field by field, an array of
/// objects that all carry an `id` item by item (matched on `id`), anything else replaced;
/// `null` removes the field.
pub fn merge(into: &mut Value, from: &Value) {
    let (Value::Object(a), Value::Object(b)) = (&mut *into, from) else {
        *into = from.clone();
        return;
    };
    for (k, v) in b {
        if v.is_null() {
            a.remove(k);
            continue;
        }
        match (a.get_mut(k), v) {
            (Some(old @ Value::Object(_)), Value::Object(_)) => merge(old, v),
            (Some(Value::Array(old)), Value::Array(new)) if identified(old) && identified(new) => {
                for item in new {
                    match old.iter_mut().find(|o| o.get("id") == item.get("id")) {
                        Some(o) => merge(o, item),
                        None => old.push(item.clone()),
                    }
                }
            }
            _ => {
                a.insert(k.clone(), v.clone());
            }
        }
    }
}

fn identified(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|i| i.get("id").is_some())
}

/// The compiled release: the releases merged in order, tagged `compiled`, dated by the
/// latest. `None` for no releases.
pub fn compile(releases: &[Release]) -> Option<Value> {
    let last = releases.last()?;
    let mut c = Value::Object(Map::new());
    for r in releases {
        merge(&mut c, &r.json);
    }
    let ocid = c.get("ocid").cloned().unwrap_or(Value::Null);
    c["id"] = json!(format!("{}-compiled", ocid.as_str().unwrap_or_default()));
    c["date"] = json!(date_time(last.at));
    c["tag"] = json!(["compiled"]);
    Some(c)
}

// ------------------------------------------------------------------ the feed

/// Why a `since` date was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinceError {
    /// Not a YYYY-MM-DD date.
    Malformed,
    /// After today (China time): nothing can have happened yet.
    Future,
}

/// The feed's `since` (a China calendar day, YYYY-MM-DD) as the UTC instant it begins;
/// empty means from the beginning.
pub fn parse_since(s: &str, now: NaiveDateTime) -> Result<Option<NaiveDateTime>, SinceError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.len() != 10 {
        return Err(SinceError::Malformed);
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| SinceError::Malformed)?;
    if d > china_day(now) {
        return Err(SinceError::Future);
    }
    Ok(Some(china_to_utc(d, NaiveTime::MIN)))
}

/// Where a feed page starts: after the release `id` dated `at` in `phase`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub at: NaiveDateTime,
    pub phase: u8,
    pub id: String,
}

impl Cursor {
    /// `{microseconds since 1970}~{phase}~{release id}`.
    pub fn text(&self) -> String {
        let micros = self.at.and_utc().timestamp_micros();
        format!("{micros}~{}~{}", self.phase, self.id)
    }

    pub fn parse(s: &str) -> Option<Cursor> {
        let (micros, rest) = s.split_once('~')?;
        let (phase, id) = rest.split_once('~')?;
        let micros: i64 = micros.parse().ok()?;
        let phase: u8 = phase.parse().ok()?;
        let at = chrono::DateTime::from_timestamp_micros(micros)?.naive_utc();
        let ok = !id.is_empty()
            && id.len() <= 120
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        ok.then(|| Cursor {
            at,
            phase,
            id: id.to_owned(),
        })
    }

    fn of(r: &Release) -> Cursor {
        Cursor {
            at: r.at,
            phase: r.phase,
            id: r.id.clone(),
        }
    }

    fn before(&self, r: &Release) -> bool {
        (self.at, self.phase, self.id.as_str()) < key(r)
    }
}

/// The page size applied for an asked one: the default when none, at most the maximum.
/// `None` for a size that is not a positive whole number.
pub fn feed_limit(asked: &str) -> Option<usize> {
    match asked.trim() {
        "" => Some(FEED_DEFAULT_LIMIT),
        s => s
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| n.min(FEED_MAX_LIMIT as u64) as usize),
    }
}

/// One feed page of `releases` (sorted): those dated from `since` on, after the cursor, at
/// most `limit`; and the cursor of the next page if there is more.
pub fn feed_page(
    releases: Vec<Release>,
    since: Option<NaiveDateTime>,
    after: Option<&Cursor>,
    limit: usize,
) -> (Vec<Release>, Option<Cursor>) {
    let mut page: Vec<Release> = releases
        .into_iter()
        .filter(|r| since.is_none_or(|s| r.at >= s))
        .filter(|r| after.is_none_or(|c| c.before(r)))
        .take(limit + 1)
        .collect();
    let next = (page.len() > limit).then(|| {
        page.truncate(limit);
        page.last().map(Cursor::of)
    });
    (page, next.flatten())
}

// ------------------------------------------------------------------ packages

/// Who publishes: the platform's name and its public address.
#[derive(Clone, Copy, Debug)]
pub struct Publisher<'a> {
    pub name: &'a str,
    pub uri: &'a str,
}

impl Publisher<'_> {
    fn json(&self) -> Value {
        json!({ "name": self.name, "uri": self.uri })
    }
}

/// The date of a package generated on demand: that of its latest release (the last change
/// to its contents), or `now` when it has none.
fn published(releases: &[Release], now: NaiveDateTime) -> String {
    date_time(releases.iter().map(|r| r.at).max().unwrap_or(now))
}

/// A release package of `releases` (in their order), identified by `uri`.
pub fn release_package(
    uri: &str,
    publisher: Publisher<'_>,
    releases: &[Release],
    now: NaiveDateTime,
) -> Value {
    json!({
        "uri": uri,
        "version": VERSION,
        "publishedDate": published(releases, now),
        "publisher": publisher.json(),
        "releases": releases.iter().map(|r| r.json.clone()).collect::<Vec<_>>(),
    })
}

/// A record package with the one record of `ocid`: every release (embedded, oldest first)
/// and the compiled release. `package` is the release package the releases come from.
pub fn record_package(
    uri: &str,
    package: &str,
    publisher: Publisher<'_>,
    ocid: &str,
    releases: &[Release],
    now: NaiveDateTime,
) -> Value {
    let mut record = json!({
        "ocid": ocid,
        "releases": releases.iter().map(|r| r.json.clone()).collect::<Vec<_>>(),
    });
    if let Some(c) = compile(releases) {
        record["compiledRelease"] = c;
    }
    json!({
        "uri": uri,
        "version": VERSION,
        "publishedDate": published(releases, now),
        "publisher": publisher.json(),
        "packages": [package],
        "records": [record],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn org(key: &str, name: &str, uscc: Option<&str>) -> Org {
        Org {
            key: key.into(),
            name: name.into(),
            uscc: uscc.map(Into::into),
        }
    }

    fn facts() -> Facts {
        Facts {
            ocid: ocid(PLACEHOLDER_PREFIX, 7),
            previous_ocid: None,
            announcement_id: 7,
            project_name: "污水处理厂".into(),
            project_code: "2026-510400-77-01-000456".into(),
            item_code: "STHJ-001".into(),
            item_name: "环评".into(),
            scope: "编制报告书".into(),
            mode: Mode::LowestPrice,
            time_limit_days: 24,
            published_at: t("2026-11-02 01:00"),
            deadline: t("2026-11-09 09:00"),
            cap: Some(12_345_678),
            buyer: org("user-1", "业主", Some("91510400MA000000X1")),
            regulator: Some(org("department-2", "生态环境局", None)),
            changes: Vec::new(),
            cancelled: None,
            opening: None,
            winner: None,
            contract: None,
            url: "http://x/announcements/7".into(),
        }
    }

    fn has_amount(v: &Value) -> bool {
        match v {
            Value::Object(m) => m
                .iter()
                .any(|(k, v)| k == "amount" || k == "value" || has_amount(v)),
            Value::Array(a) => a.iter().any(has_amount),
            _ => false,
        }
    }

    #[test]
    fn prefixes_and_ocids() {
        assert!(valid_prefix("ocds-213czf"));
        assert!(valid_prefix(PLACEHOLDER_PREFIX));
        for bad in [
            "",
            "ocds-",
            "OCDS-abc",
            "ocds-ab c",
            "abc-123",
            "ocds--x",
            "ocds-x-",
        ] {
            assert!(!valid_prefix(bad), "{bad}");
        }
        assert_eq!(ocid("ocds-213czf", 42), "ocds-213czf-42");
        assert_eq!(announcement_of("ocds-213czf", "ocds-213czf-42"), Some(42));
        for bad in [
            "ocds-213czf-",
            "ocds-213czf-042",
            "ocds-213czf-4x",
            "ocds-other-42",
            "42",
        ] {
            assert_eq!(announcement_of("ocds-213czf", bad), None, "{bad}");
        }
    }

    #[test]
    fn amounts_are_exact_decimals_of_fen() {
        for (fen, text) in [
            (12_345_678, "123456.78"),
            (1, "0.01"),
            (10, "0.1"),
            (100_000_000_000, "1000000000.0"),
            (9_999_999_999_999, "99999999999.99"),
        ] {
            assert_eq!(cny(fen)["amount"].to_string(), text);
        }
        assert_eq!(cny(5)["currency"], "CNY");
    }

    #[test]
    fn before_the_opening_nothing_has_an_amount() {
        let mut f = facts();
        f.changes.push(Change {
            seq: 99,
            at: t("2026-11-03 01:00"),
            fields: vec!["cap".into(), "deadline".into()],
            version: 2,
        });
        f.cancelled = Some((t("2026-11-04 01:00"), "项目取消".into()));
        let rs = f.releases();
        assert_eq!(rs.len(), 3);
        for r in &rs {
            assert!(!has_amount(&r.json), "{}", r.json);
            assert!(!r.json.to_string().contains("123456"), "{}", r.json);
        }
        assert!(!has_amount(&compile(&rs).unwrap()));
        let tags: Vec<&str> = rs
            .iter()
            .map(|r| r.json["tag"][0].as_str().unwrap())
            .collect();
        assert_eq!(tags, ["tender", "tenderAmendment", "tenderCancellation"]);
        // The terms ride on the latest amendment, and the change names fields only.
        assert!(rs[0].json["tender"].get("tenderPeriod").is_none());
        let desc = rs[1].json["tender"]["amendments"][0]["description"]
            .as_str()
            .unwrap();
        assert!(
            desc.contains("最高限价") && desc.contains("第 2 版"),
            "{desc}"
        );
        assert_eq!(rs[1].id, "ocds-unregistered-7-amendment-99");
    }

    #[test]
    fn the_whole_story_compiles() {
        let mut f = facts();
        let agency = org("user-9", "蓝天环境", Some("91510100MA6CGUGA1W"));
        let other = org("user-10", "川西咨询", None);
        f.opening = Some(Opening {
            at: t("2026-11-09 09:00"),
            failed: false,
            tenderers: vec![agency.clone(), other],
        });
        f.winner = Some(Winner {
            decided_at: t("2026-11-09 09:00"),
            supplier: agency.clone(),
            amount: Some(9_800_000),
            confirmed_at: Some(t("2026-11-13 02:00")),
            annulled_at: None,
        });
        f.contract = Some(Signed {
            id: 3,
            signed_at: t("2026-11-16 03:00"),
            price: 9_800_000,
            time_limit_days: 24,
            accepted_at: Some(t("2026-12-01 03:00")),
            deliverables: vec![Deliverable {
                id: 5,
                submitted_at: t("2026-11-28 03:00"),
                decision: Some((true, t("2026-12-01 03:00"))),
            }],
            payments: vec![Payment {
                id: 8,
                paid_on: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
                recorded_at: t("2026-12-02 03:00"),
                amount: 4_900_000,
            }],
        });
        let rs = f.releases();
        let ids: Vec<&str> = rs.iter().map(|r| r.id.as_str()).collect();
        let p = "ocds-unregistered-7-";
        let want: Vec<String> = [
            "tender",
            "opening",
            "award",
            "award-confirmed",
            "contract",
            "deliverable-5",
            "deliverable-5-decision",
            "acceptance",
            "payment-8",
        ]
        .iter()
        .map(|s| format!("{p}{s}"))
        .collect();
        assert_eq!(ids, want);
        let c = compile(&rs).unwrap();
        assert_eq!(c["tag"], json!(["compiled"]));
        assert_eq!(c["tender"]["status"], "complete");
        assert_eq!(c["tender"]["value"]["amount"].to_string(), "123456.78");
        assert_eq!(c["tender"]["procurementMethod"], "open");
        assert_eq!(c["awards"][0]["status"], "active");
        assert_eq!(c["contracts"][0]["status"], "terminated");
        assert_eq!(c["contracts"][0]["value"]["amount"].to_string(), "98000.0");
        let ms = c["contracts"][0]["implementation"]["milestones"]
            .as_array()
            .unwrap();
        assert_eq!(
            ms.len(),
            2,
            "one deliverable (merged by id) and the acceptance"
        );
        assert_eq!(ms[0]["status"], "met");
        let parties = c["parties"].as_array().unwrap();
        assert_eq!(parties.len(), 4, "buyer, department, two tenderers");
        let winner = parties
            .iter()
            .find(|p| p["id"] == "CN-USCC-91510100MA6CGUGA1W")
            .unwrap();
        assert_eq!(winner["roles"], json!(["tenderer", "supplier"]));
        assert_eq!(winner["identifier"]["scheme"], "CN-USCC");
        assert_eq!(parties[0]["roles"], json!(["buyer", "procuringEntity"]));
    }

    #[test]
    fn merging_follows_the_ocds_rules() {
        let mut a = json!({"x": {"y": 1, "z": 2}, "list": [{"id": "1", "v": 1}], "tags": ["a"]});
        merge(
            &mut a,
            &json!({"x": {"y": 3, "z": null}, "list": [{"id": "1", "w": 2}, {"id": "2"}], "tags": ["b"]}),
        );
        assert_eq!(
            a,
            json!({"x": {"y": 3}, "list": [{"id": "1", "v": 1, "w": 2}, {"id": "2"}], "tags": ["b"]})
        );
    }

    #[test]
    fn since_and_limit_and_cursor() {
        let now = t("2026-12-04 02:00");
        assert_eq!(parse_since("", now), Ok(None));
        assert_eq!(
            parse_since("2026-12-01", now),
            Ok(Some(t("2026-11-30 16:00")))
        );
        assert_eq!(parse_since("2026-12-04", now).map(|_| ()), Ok(()));
        assert_eq!(parse_since("2026-12-05", now), Err(SinceError::Future));
        for bad in ["2026-13-01", "2026-2-1", "yesterday", "2026-12-01T00:00"] {
            assert_eq!(parse_since(bad, now), Err(SinceError::Malformed), "{bad}");
        }
        assert_eq!(feed_limit(""), Some(FEED_DEFAULT_LIMIT));
        assert_eq!(feed_limit("3"), Some(3));
        assert_eq!(feed_limit("100000"), Some(FEED_MAX_LIMIT));
        assert_eq!(feed_limit("0"), None);
        assert_eq!(feed_limit("-1"), None);
        let c = Cursor {
            at: t("2026-12-01 00:00"),
            phase: 3,
            id: "ocds-x-1-tender".into(),
        };
        assert_eq!(Cursor::parse(&c.text()), Some(c));
        for bad in [
            "", "x~y", "12", "12~", "12~1~a b", "12~x~a", "12~300~a", "12~1~",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn feed_pages_follow_each_other() {
        let mk = |id: &str, at: &str| Release {
            id: id.into(),
            at: t(at),
            phase: 0,
            json: Value::Null,
        };
        let mut all = vec![
            mk("b", "2026-12-01 00:00"),
            mk("a", "2026-12-01 00:00"),
            mk("c", "2026-12-02 00:00"),
            mk("old", "2026-11-01 00:00"),
        ];
        sort(&mut all);
        let since = Some(t("2026-11-30 16:00"));
        let (p1, next) = feed_page(all.clone(), since, None, 2);
        assert_eq!(
            p1.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        let next = next.unwrap();
        let (p2, end) = feed_page(all, since, Some(&next), 2);
        assert_eq!(p2.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["c"]);
        assert!(end.is_none());
    }
}
