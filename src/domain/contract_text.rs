//! Model contract texts 合同示范文本 and the contracts drafted from them, the pure
//! part: the body syntax, the typed fill-in fields, rendering (the exact text whose SHA-256
//! each party signs), the owner's edit (only fill-in fields and supplementary clauses, the
//! price never above its limit), the signing check, and a line diff between two versions.
//!
//! Body syntax, as a regulator types it:
//! - a line starting with `# ` begins a clause (its heading, e.g. `# 第一条 定义`);
//! - each line below it is one paragraph of that clause (blank lines are ignored);
//! - `{{key}}` inside a paragraph is a fill-in field from [`FIELDS`]; everything else is a
//!   locked clause text that no contract can change.
//!
//! Every clause is locked: the owner fills only the fields; what it wants to add goes into the
//! supplementary clauses 补充条款, shown apart and flagged to the regulator.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::domain::money::Money;

/// How a fill-in field is typed and who fills it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// Filled by the platform from the award (party names, project, item): never edited.
    Fixed,
    /// The contract price in yuan, never above the limit (the award amount or the cap).
    Price,
    /// The service time limit in working days, never above the announcement's.
    Days,
    /// A paragraph of text (scope, deliverables, payment schedule).
    Text,
    /// One line of text (the dispute venue).
    Line,
}

pub struct FieldSpec {
    pub key: &'static str,
    pub kind: FieldKind,
}

/// The fill-in fields a model text may use. The locale key of each label is
/// `contracts.field.<key>`.
pub const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "owner_name",
        kind: FieldKind::Fixed,
    },
    FieldSpec {
        key: "agency_name",
        kind: FieldKind::Fixed,
    },
    FieldSpec {
        key: "project_name",
        kind: FieldKind::Fixed,
    },
    FieldSpec {
        key: "item_name",
        kind: FieldKind::Fixed,
    },
    FieldSpec {
        key: "price",
        kind: FieldKind::Price,
    },
    FieldSpec {
        key: "time_limit",
        kind: FieldKind::Days,
    },
    FieldSpec {
        key: "scope",
        kind: FieldKind::Text,
    },
    FieldSpec {
        key: "deliverables",
        kind: FieldKind::Text,
    },
    FieldSpec {
        key: "payment_schedule",
        kind: FieldKind::Text,
    },
    FieldSpec {
        key: "dispute_venue",
        kind: FieldKind::Line,
    },
];

/// Fields every model text must use: a contract without its parties, price and time limit
/// is no contract.
pub const REQUIRED: &[&str] = &["owner_name", "agency_name", "price", "time_limit"];

/// The form key of the supplementary clauses.
pub const SUPPLEMENTARY: &str = "supplementary";
/// Heading of the supplementary clauses in the rendered text (part of what is signed, so
/// one language).
pub const SUPPLEMENTARY_HEADING: &str = "补充条款";

pub const MAX_BODY_CHARS: usize = 60_000;
pub const MAX_TEXT_CHARS: usize = 2_000;
pub const MAX_LINE_CHARS: usize = 100;
pub const MAX_SUPPLEMENTARY_CHARS: usize = 5_000;

pub fn field(key: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|f| f.key == key)
}

/// Fields the owner fills (everything but the platform's own).
pub fn editable(key: &str) -> bool {
    field(key).is_some_and(|f| f.kind != FieldKind::Fixed)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Text(String),
    Field(&'static str),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    pub heading: String,
    pub paragraphs: Vec<Vec<Seg>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub clauses: Vec<Clause>,
}

/// Why a body does not parse: a locale key in `contracts.txt` and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyProblem {
    pub key: &'static str,
    pub line: usize,
    pub detail: String,
}

fn problem(key: &'static str, line: usize, detail: impl Into<String>) -> BodyProblem {
    BodyProblem {
        key,
        line,
        detail: detail.into(),
    }
}

fn parse_paragraph(text: &str, line: usize, out: &mut Vec<BodyProblem>) -> Vec<Seg> {
    let mut segs = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        if i > 0 {
            segs.push(Seg::Text(rest[..i].to_string()));
        }
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            out.push(problem("contracts.body.unclosed", line, ""));
            return segs;
        };
        let key = after[..j].trim();
        match field(key) {
            Some(f) => segs.push(Seg::Field(f.key)),
            None => out.push(problem("contracts.body.unknown_field", line, key)),
        }
        rest = &after[j + 2..];
    }
    if rest.contains("}}") {
        out.push(problem("contracts.body.unclosed", line, ""));
    }
    if !rest.is_empty() {
        segs.push(Seg::Text(rest.to_string()));
    }
    segs
}

/// Parses a body; every problem is reported with its line number (1-based).
pub fn parse(src: &str) -> Result<Body, Vec<BodyProblem>> {
    let mut problems = Vec::new();
    if src.chars().count() > MAX_BODY_CHARS {
        return Err(vec![problem(
            "contracts.body.too_long",
            0,
            MAX_BODY_CHARS.to_string(),
        )]);
    }
    let mut clauses: Vec<Clause> = Vec::new();
    let mut para: Option<(usize, String)> = None;
    let flush = |para: &mut Option<(usize, String)>,
                 clauses: &mut Vec<Clause>,
                 problems: &mut Vec<BodyProblem>| {
        if let Some((line, text)) = para.take() {
            let segs = parse_paragraph(&text, line, problems);
            if let Some(c) = clauses.last_mut() {
                c.paragraphs.push(segs);
            }
        }
    };
    for (n, raw) in src.lines().enumerate() {
        let line = n + 1;
        let l = raw.trim();
        if let Some(h) = l.strip_prefix("# ") {
            flush(&mut para, &mut clauses, &mut problems);
            let h = h.trim();
            if h.is_empty() || h.contains("{{") {
                problems.push(problem("contracts.body.bad_heading", line, ""));
            }
            clauses.push(Clause {
                heading: h.to_string(),
                paragraphs: Vec::new(),
            });
        } else if l.is_empty() {
            flush(&mut para, &mut clauses, &mut problems);
        } else if clauses.is_empty() {
            problems.push(problem("contracts.body.before_heading", line, ""));
        } else {
            // One line, one paragraph (a party line, a numbered duty, ...).
            para = Some((line, l.to_string()));
            flush(&mut para, &mut clauses, &mut problems);
        }
    }
    flush(&mut para, &mut clauses, &mut problems);
    if clauses.is_empty() {
        problems.push(problem("contracts.body.empty", 0, ""));
    }
    let used = Body {
        clauses: clauses.clone(),
    }
    .fields_used();
    for r in REQUIRED {
        if !used.contains(r) {
            problems.push(problem("contracts.body.missing_field", 0, *r));
        }
    }
    if problems.is_empty() {
        Ok(Body { clauses })
    } else {
        Err(problems)
    }
}

impl Body {
    /// The fields this body uses, in the order of the list.
    pub fn fields_used(&self) -> Vec<&'static str> {
        let mut used: Vec<&'static str> = Vec::new();
        for c in &self.clauses {
            for p in &c.paragraphs {
                for s in p {
                    if let Seg::Field(k) = s
                        && !used.contains(k)
                    {
                        used.push(k);
                    }
                }
            }
        }
        FIELDS
            .iter()
            .map(|f| f.key)
            .filter(|k| used.contains(k))
            .collect()
    }
}

/// The values of a contract's fields, by key (price as shown: `人民币 12,000.00 元`).
pub type Values = BTreeMap<String, String>;

/// One part of a rendered paragraph: text, and whether it was filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub filled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedClause {
    pub heading: String,
    pub paragraphs: Vec<Vec<Piece>>,
}

/// What a value shows when it has not been filled yet.
pub const BLANK: &str = "________";

/// The clauses with their fields filled (for the page and the print view).
pub fn fill(body: &Body, values: &Values) -> Vec<RenderedClause> {
    body.clauses
        .iter()
        .map(|c| RenderedClause {
            heading: c.heading.clone(),
            paragraphs: c
                .paragraphs
                .iter()
                .map(|p| {
                    p.iter()
                        .map(|s| match s {
                            Seg::Text(t) => Piece {
                                text: t.clone(),
                                filled: false,
                            },
                            Seg::Field(k) => Piece {
                                text: values
                                    .get(*k)
                                    .filter(|v| !v.trim().is_empty())
                                    .cloned()
                                    .unwrap_or_else(|| BLANK.to_string()),
                                filled: true,
                            },
                        })
                        .collect()
                })
                .collect(),
        })
        .collect()
}

/// The exact text both parties sign: the title, each clause heading and its paragraphs, then
/// the supplementary clauses under their own heading. Deterministic: same inputs, same bytes.
pub fn render(title: &str, body: &Body, values: &Values, supplementary: &str) -> String {
    let mut out = String::new();
    out.push_str(title.trim());
    out.push_str("\n\n");
    for c in fill(body, values) {
        out.push_str(&c.heading);
        out.push('\n');
        for p in c.paragraphs {
            for piece in p {
                out.push_str(&piece.text);
            }
            out.push('\n');
        }
        out.push('\n');
    }
    let s = normalise(supplementary);
    if !s.is_empty() {
        out.push_str(SUPPLEMENTARY_HEADING);
        out.push('\n');
        out.push_str(&s);
        out.push('\n');
    }
    out
}

/// Line endings and trailing blanks do not change a contract: `\r\n` becomes `\n`, each line
/// is trimmed at the end, blank lines at both ends are dropped.
pub fn normalise(s: &str) -> String {
    let lines: Vec<&str> = s.lines().map(|l| l.trim_end()).collect();
    lines.join("\n").trim_matches('\n').to_string()
}

/// SHA-256 of the rendered text, lower-case hex.
pub fn digest(rendered: &str) -> String {
    hex::encode(Sha256::digest(rendered.as_bytes()))
}

/// The price as it reads in the contract.
pub fn price_text(m: Money) -> String {
    format!("人民币 {m} 元")
}

// ----------------------------------------------------------------------- the owner's edit

/// Why a posted edit was refused. A key that is not an editable field, the supplementary
/// clauses or the revision is an attempt to change a locked clause or a platform-filled
/// field, and is refused whole; values out of bounds are shown beside their fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditProblem {
    /// The key that may not be posted.
    Locked(String),
    /// Values to correct, each beside its field.
    Fields(Vec<FieldError>),
}

/// A field's problem: (field key, locale key, arguments).
pub type FieldError = (String, &'static str, Vec<(&'static str, String)>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub price: Money,
    pub time_limit_days: i32,
    /// The text fields the body uses (scope, deliverables, …).
    pub texts: Values,
    pub supplementary: String,
}

/// Keys a contract form may carry besides the fields.
const FORM_KEYS: &[&str] = &[SUPPLEMENTARY, "revision"];

/// Checks what the owner posts: every key and value of the form (the CSRF token already
/// removed). `limit` is the price limit, `max_days` the announcement's time limit, `used` the
/// fields the body uses.
pub fn check_edit(
    posted: &[(String, String)],
    used: &[&str],
    limit: Money,
    max_days: i32,
) -> Result<Edit, EditProblem> {
    for (k, _) in posted {
        let ok = FORM_KEYS.contains(&k.as_str()) || (editable(k) && used.contains(&k.as_str()));
        if !ok {
            return Err(EditProblem::Locked(k.clone()));
        }
    }
    let get = |k: &str| {
        posted
            .iter()
            .rev()
            .find(|(pk, _)| pk == k)
            .map(|(_, v)| v.as_str())
    };
    let mut errors: Vec<FieldError> = Vec::new();
    let price = match Money::parse_yuan(get("price").unwrap_or("").trim()) {
        Ok(m) if m.fen() <= 0 => {
            errors.push(("price".into(), "contracts.err.price_positive", Vec::new()));
            None
        }
        Ok(m) if m > limit => {
            errors.push((
                "price".into(),
                "contracts.err.price_above_limit",
                vec![("limit", limit.yuan_text())],
            ));
            None
        }
        Ok(m) => Some(m),
        Err(e) => {
            errors.push(("price".into(), e.key(), Vec::new()));
            None
        }
    };
    let days = match get("time_limit").unwrap_or("").trim().parse::<i32>() {
        Ok(d) if (1..=max_days).contains(&d) => Some(d),
        _ => {
            errors.push((
                "time_limit".into(),
                "contracts.err.days",
                vec![("max", max_days.to_string())],
            ));
            None
        }
    };
    let mut texts = Values::new();
    for k in used {
        let Some(f) = field(k) else { continue };
        let max = match f.kind {
            FieldKind::Text => MAX_TEXT_CHARS,
            FieldKind::Line => MAX_LINE_CHARS,
            _ => continue,
        };
        let v = normalise(get(k).unwrap_or(""));
        if v.is_empty() {
            errors.push((k.to_string(), "contracts.err.required", Vec::new()));
        } else if v.chars().count() > max || (f.kind == FieldKind::Line && v.contains('\n')) {
            errors.push((
                k.to_string(),
                "contracts.err.too_long",
                vec![("max", max.to_string())],
            ));
        } else {
            texts.insert(k.to_string(), v);
        }
    }
    let supplementary = normalise(get(SUPPLEMENTARY).unwrap_or(""));
    if supplementary.chars().count() > MAX_SUPPLEMENTARY_CHARS {
        errors.push((
            SUPPLEMENTARY.into(),
            "contracts.err.too_long",
            vec![("max", MAX_SUPPLEMENTARY_CHARS.to_string())],
        ));
    }
    match (price, days, errors.is_empty()) {
        (Some(price), Some(time_limit_days), true) => Ok(Edit {
            price,
            time_limit_days,
            texts,
            supplementary,
        }),
        _ => Err(EditProblem::Fields(errors)),
    }
}

/// The price of a new draft: the award amount when there is one (it is also the limit), else
/// the announcement's cap as the limit with the price to be filled in (starting at the cap).
/// None when there is neither (no contract can be drafted without a limit).
pub fn price_limit(award_fen: Option<i64>, cap_fen: Option<i64>) -> Option<i64> {
    award_fen.or(cap_fen).filter(|f| *f > 0)
}

// ----------------------------------------------------------------------------- signing

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignProblem {
    /// The "I have read this text" box was not ticked.
    NotRead,
    /// The text changed since the signer's page was rendered.
    Stale,
}

impl SignProblem {
    pub fn key(self) -> &'static str {
        match self {
            SignProblem::NotRead => "contracts.err.not_read",
            SignProblem::Stale => "contracts.err.stale",
        }
    }
}

/// A signature is accepted only for the digest of the text as it is now.
pub fn check_signature(current: &str, seen: &str, read: bool) -> Result<(), SignProblem> {
    if seen.trim() != current {
        return Err(SignProblem::Stale);
    }
    if !read {
        return Err(SignProblem::NotRead);
    }
    Ok(())
}

/// Who let a signing deadline pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blame {
    pub owner: bool,
    pub agency: bool,
}

/// The owner is at fault when it never submitted the draft or did not sign; the agency only
/// when the text was before it (submitted for signing) and it did not sign — an agency is
/// never recorded for a draft it was never given.
pub fn lapse_blame(was_signing: bool, owner_signed: bool, agency_signed: bool) -> Blame {
    Blame {
        owner: !was_signing || !owner_signed,
        agency: was_signing && !agency_signed,
    }
}

// ---------------------------------------------------------------------- who writes texts

/// Industries a regulator of department `code` writes model texts for: those the catalogue
/// vocabulary gives to its department (`domain::catalogue::INDUSTRIES`).
pub fn industries_of(department_code: &str) -> Vec<&'static str> {
    crate::domain::catalogue::INDUSTRIES
        .iter()
        .filter(|(_, d)| *d == department_code)
        .map(|(i, _)| *i)
        .collect()
}

/// Titles are one line of 2–100 characters.
pub fn check_title(t: &str) -> Result<String, &'static str> {
    let t = t.trim();
    let n = t.chars().count();
    if !(2..=100).contains(&n) || t.contains('\n') {
        Err("contracts.err.title")
    } else {
        Ok(t.to_string())
    }
}

// -------------------------------------------------------------------------------- diff

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Same,
    Added,
    Removed,
}

impl Change {
    pub fn css(self) -> &'static str {
        match self {
            Change::Same => "same",
            Change::Added => "added",
            Change::Removed => "removed",
        }
    }
    pub fn mark(self) -> &'static str {
        match self {
            Change::Same => " ",
            Change::Added => "+",
            Change::Removed => "-",
        }
    }
}

/// Lines of the longer of two texts a diff compares in full; beyond it the rest is shown as
/// removed and added (model texts are a few hundred lines).
const DIFF_MAX_LINES: usize = 3_000;

/// A line diff (longest common subsequence) from `old` to `new`.
pub fn diff(old: &str, new: &str) -> Vec<(Change, String)> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a.len().max(b.len()) > DIFF_MAX_LINES {
        let mut out: Vec<(Change, String)> =
            a.iter().map(|l| (Change::Removed, l.to_string())).collect();
        out.extend(b.iter().map(|l| (Change::Added, l.to_string())));
        return out;
    }
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n && j < m {
        if a[i] == b[j] {
            out.push((Change::Same, a[i].to_string()));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push((Change::Removed, a[i].to_string()));
            i += 1;
        } else {
            out.push((Change::Added, b[j].to_string()));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| (Change::Removed, l.to_string())));
    out.extend(b[j..].iter().map(|l| (Change::Added, l.to_string())));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    const BODY: &str = "# 第一条 当事人\n甲方：{{owner_name}}\n乙方：{{agency_name}}\n\n# 第二条 价款\n合同价款为{{price}}，\n服务期限为{{time_limit}}个工作日。\n\n# 第三条 服务范围\n{{scope}}\n";

    fn values() -> Values {
        let mut v = Values::new();
        v.insert("owner_name".into(), "攀枝花市某公司".into());
        v.insert("agency_name".into(), "某咨询公司".into());
        v.insert("price".into(), price_text(Money::from_fen(1_200_000)));
        v.insert("time_limit".into(), "20".into());
        v.insert("scope".into(), "编制报告书".into());
        v
    }

    #[test]
    fn parses_clauses_paragraphs_and_fields() {
        let b = parse(BODY).unwrap();
        assert_eq!(b.clauses.len(), 3);
        assert_eq!(b.clauses[0].heading, "第一条 当事人");
        // Each line is a paragraph.
        assert_eq!(b.clauses[1].paragraphs.len(), 2);
        assert_eq!(b.clauses[0].paragraphs.len(), 2);
        assert_eq!(
            b.fields_used(),
            vec!["owner_name", "agency_name", "price", "time_limit", "scope"]
        );
    }

    #[test]
    fn body_problems_are_named_with_their_line() {
        let e = parse("前言\n# 第一条\n{{owner_name}}{{nope}}{{agency_name}\n").unwrap_err();
        let keys: Vec<_> = e.iter().map(|p| (p.key, p.line)).collect();
        assert!(keys.contains(&("contracts.body.before_heading", 1)));
        assert!(keys.contains(&("contracts.body.unknown_field", 3)));
        assert!(keys.contains(&("contracts.body.unclosed", 3)));
        assert!(
            e.iter()
                .any(|p| p.key == "contracts.body.missing_field" && p.detail == "price")
        );
        assert!(parse("").is_err());
    }

    #[test]
    fn render_is_deterministic_and_the_digest_follows_every_change() {
        let b = parse(BODY).unwrap();
        let t1 = render("技术服务合同", &b, &values(), "");
        assert_eq!(t1, render("技术服务合同", &b, &values(), ""));
        assert!(t1.contains("合同价款为人民币 12,000.00 元，\n服务期限为20个工作日。\n"));
        assert!(!t1.contains(SUPPLEMENTARY_HEADING));
        let d1 = digest(&t1);
        assert_eq!(d1.len(), 64);
        let mut v = values();
        v.insert("scope".into(), "编制报告表".into());
        assert_ne!(d1, digest(&render("技术服务合同", &b, &v, "")));
        let t3 = render("技术服务合同", &b, &values(), "乙方另行提供电子版。\r\n");
        assert!(t3.ends_with("补充条款\n乙方另行提供电子版。\n"));
        assert_ne!(d1, digest(&t3));
        // Line endings alone change nothing.
        assert_eq!(
            t3,
            render("技术服务合同", &b, &values(), "乙方另行提供电子版。\n\n")
        );
    }

    #[test]
    fn unfilled_fields_show_a_blank() {
        let b = parse(BODY).unwrap();
        let mut v = values();
        v.remove("scope");
        assert!(render("T", &b, &v, "").contains(BLANK));
    }

    fn post(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const USED: &[&str] = &["owner_name", "agency_name", "price", "time_limit", "scope"];

    #[test]
    fn an_edit_of_a_locked_clause_or_a_platform_field_is_refused_whole() {
        let limit = Money::from_fen(1_200_000);
        for bad in [
            "clause_1",
            "body",
            "owner_name",
            "agency_name",
            "deliverables",
        ] {
            let p = post(&[
                ("price", "100"),
                ("time_limit", "10"),
                ("scope", "x"),
                (bad, "改"),
            ]);
            assert_eq!(
                check_edit(&p, USED, limit, 20),
                Err(EditProblem::Locked(bad.into())),
                "{bad}"
            );
        }
    }

    #[test]
    fn price_never_above_the_limit_and_days_within_the_announcement() {
        let limit = Money::from_fen(1_200_000);
        let ok = check_edit(
            &post(&[
                ("price", "12000.00"),
                ("time_limit", "20"),
                ("scope", " 编制 "),
                ("supplementary", ""),
                ("revision", "1"),
            ]),
            USED,
            limit,
            20,
        )
        .unwrap();
        assert_eq!(ok.price, limit);
        assert_eq!(ok.texts.get("scope").map(String::as_str), Some(" 编制"));
        let Err(EditProblem::Fields(e)) = check_edit(
            &post(&[("price", "12000.01"), ("time_limit", "21"), ("scope", "")]),
            USED,
            limit,
            20,
        ) else {
            panic!("must be refused")
        };
        let keys: Vec<_> = e.iter().map(|(f, k, _)| (f.as_str(), *k)).collect();
        assert!(keys.contains(&("price", "contracts.err.price_above_limit")));
        assert!(keys.contains(&("time_limit", "contracts.err.days")));
        assert!(keys.contains(&("scope", "contracts.err.required")));
        assert!(
            check_edit(
                &post(&[("price", "0"), ("time_limit", "1"), ("scope", "x")]),
                USED,
                limit,
                20
            )
            .is_err()
        );
        assert!(
            check_edit(
                &post(&[("price", "1.001"), ("time_limit", "1"), ("scope", "x")]),
                USED,
                limit,
                20
            )
            .is_err()
        );
    }

    #[test]
    fn price_limit_is_the_award_or_the_cap() {
        assert_eq!(price_limit(Some(5), Some(9)), Some(5));
        assert_eq!(price_limit(None, Some(9)), Some(9));
        assert_eq!(price_limit(None, None), None);
        assert_eq!(price_limit(Some(0), None), None);
    }

    #[test]
    fn a_stale_digest_is_refused_before_anything_else() {
        assert_eq!(check_signature("abc", "abc", true), Ok(()));
        assert_eq!(check_signature("abc", "abd", true), Err(SignProblem::Stale));
        assert_eq!(
            check_signature("abc", "abd", false),
            Err(SignProblem::Stale)
        );
        assert_eq!(
            check_signature("abc", "abc", false),
            Err(SignProblem::NotRead)
        );
    }

    #[test]
    fn only_an_agency_that_had_the_text_is_blamed() {
        assert_eq!(
            lapse_blame(false, false, false),
            Blame {
                owner: true,
                agency: false
            }
        );
        assert_eq!(
            lapse_blame(true, true, false),
            Blame {
                owner: false,
                agency: true
            }
        );
        assert_eq!(
            lapse_blame(true, false, true),
            Blame {
                owner: true,
                agency: false
            }
        );
        assert_eq!(
            lapse_blame(true, false, false),
            Blame {
                owner: true,
                agency: true
            }
        );
    }

    #[test]
    fn regulators_write_for_their_department_industries() {
        assert_eq!(industries_of("sthjj"), vec!["env"]);
        assert_eq!(industries_of("zrzyj"), vec!["land"]);
        assert!(industries_of("nope").is_empty());
    }

    #[test]
    fn diff_marks_added_and_removed_lines() {
        let d = diff("a\nb\nc\n", "a\nx\nc\nd\n");
        assert_eq!(
            d,
            vec![
                (Change::Same, "a".into()),
                (Change::Removed, "b".into()),
                (Change::Added, "x".into()),
                (Change::Same, "c".into()),
                (Change::Added, "d".into()),
            ]
        );
        assert!(
            diff("same\n", "same\n")
                .iter()
                .all(|(c, _)| *c == Change::Same)
        );
    }
}
