//! The exposure record 曝光台: which kinds of entry it lists, how its filters (department,
//! kind, year, page, format) are read from a query string, the keyset cursor that pages it,
//! and the state of each entry (in force, ended, repaired …).
//!
//! Everything here is pure. The handler hands in the raw strings and the known department
//! ids and gets back a [`Request`]: a bad filter value is dropped and reported by field (the
//! page shows the message beside it, never a 500); an unknown format is the one error that
//! refuses the request (400), because a download cannot carry a message beside a field.

use chrono::NaiveDate;

/// Entries on one HTML page.
pub const PAGE_SIZE: usize = 20;
/// Entries at most in one CSV or JSON download (the `next` cursor continues it).
pub const DOWNLOAD_CAP: usize = 1000;
/// The default of the `exposure_min_deduction` setting: a record of −10 points or worse is
/// a serious deduction.
pub const DEFAULT_MIN_DEDUCTION: i64 = 10;
/// The earliest year the filter accepts (the platform did not exist before).
pub const FIRST_YEAR: i32 = 2000;

/// What an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 列入失信名单 (a blacklist entry).
    Blacklist,
    /// 市场禁入 (a market ban, with its persons).
    Ban,
    /// 投诉查实 (an upheld complaint's credit record).
    Complaint,
    /// 监督检查发现问题 (an inspection problem's credit record).
    Inspection,
    /// 严重失信扣分 (any other record of at least the threshold's points off).
    Deduction,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Blacklist,
        Kind::Ban,
        Kind::Complaint,
        Kind::Inspection,
        Kind::Deduction,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Kind::Blacklist => "blacklist",
            Kind::Ban => "ban",
            Kind::Complaint => "complaint",
            Kind::Inspection => "inspection",
            Kind::Deduction => "deduction",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }
    /// Its name in the locale files.
    pub fn key(self) -> String {
        format!("exposure.kind.{}", self.code())
    }
    /// The table an entry of this kind comes from.
    pub fn source(self) -> Source {
        match self {
            Kind::Blacklist => Source::Blacklist,
            Kind::Ban => Source::Ban,
            _ => Source::Record,
        }
    }
    /// The kind of a credit record on the exposure record, if it belongs there: upheld
    /// complaints and inspection problems always, any other record (but the blacklisting
    /// record, shown as its listing, and revocations and repairs, which move no points) when
    /// it takes at least `min_deduction` points off.
    pub fn of_record(credit_kind: &str, points: i32, min_deduction: i64) -> Option<Kind> {
        match credit_kind {
            "upheld_complaint" => Some(Kind::Complaint),
            "inspection_failure" => Some(Kind::Inspection),
            "blacklisted" | "revocation" | "repair" => None,
            _ if i64::from(points) <= -min_deduction => Some(Kind::Deduction),
            _ => None,
        }
    }
}

/// The credit-record kinds always on the exposure record.
pub const RECORD_KINDS: [&str; 2] = ["upheld_complaint", "inspection_failure"];
/// The credit-record kinds never counted as a deduction of their own.
pub const NOT_DEDUCTIONS: [&str; 5] = [
    "upheld_complaint",
    "inspection_failure",
    "blacklisted",
    "revocation",
    "repair",
];

/// The three tables the record is read from; their order breaks ties between entries of
/// the same day (listings first, then bans, then records), so the keyset is total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Record = 0,
    Ban = 1,
    Blacklist = 2,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Blacklist, Source::Ban, Source::Record];
    fn code(self) -> char {
        match self {
            Source::Blacklist => 'b',
            Source::Ban => 'n',
            Source::Record => 'r',
        }
    }
    fn parse(c: char) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.code() == c)
    }
}

/// Where a page starts: after the entry with this (date, source, id), newest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub date: NaiveDate,
    pub source: Source,
    pub id: i64,
}

impl Cursor {
    /// The sort key, largest first on the record: (date, source, id).
    pub fn key(&self) -> (NaiveDate, Source, i64) {
        (self.date, self.source, self.id)
    }
    /// "2026-03-02.b.17"
    pub fn encode(&self) -> String {
        format!(
            "{}.{}.{}",
            self.date.format("%Y-%m-%d"),
            self.source.code(),
            self.id
        )
    }
    pub fn parse(s: &str) -> Option<Cursor> {
        let mut it = s.trim().split('.');
        let date = NaiveDate::parse_from_str(it.next()?, "%Y-%m-%d").ok()?;
        let mut src = it.next()?.chars();
        let source = Source::parse(src.next()?)?;
        if src.next().is_some() {
            return None;
        }
        let id: i64 = it.next()?.parse().ok()?;
        if id <= 0 || it.next().is_some() {
            return None;
        }
        Some(Cursor { date, source, id })
    }
    /// The bound a source's query applies to stay after this cursor: rows with a date
    /// before `date`, or on `date` with an id below the returned one (`i64::MAX`: every
    /// row of that day; 0: none of it). A source ordered after the cursor's on the same
    /// day keeps all of that day; one ordered before it keeps none.
    pub fn id_bound(&self, source: Source) -> i64 {
        match source.cmp(&self.source) {
            std::cmp::Ordering::Less => i64::MAX,
            std::cmp::Ordering::Equal => self.id,
            std::cmp::Ordering::Greater => 0,
        }
    }
}

/// The one format type of every list (`domain::export`).
pub use super::export::Format;

/// The raw query string of `/exposure`; every field a string so nothing malformed reaches
/// a deserialisation error.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RawQuery {
    pub department: String,
    pub kind: String,
    pub year: String,
    pub after: String,
    pub format: String,
    /// Rows per download page (`domain::export`).
    pub limit: String,
}

/// The checked filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub department: Option<i64>,
    pub kind: Option<Kind>,
    pub year: Option<i32>,
}

impl Filter {
    /// The sources this filter reads (a kind filter reads one table).
    pub fn sources(&self) -> Vec<Source> {
        match self.kind {
            Some(k) => vec![k.source()],
            None => Source::ALL.to_vec(),
        }
    }
    /// The first day and the day after the last of the year filter.
    pub fn year_span(&self) -> Option<(NaiveDate, NaiveDate)> {
        let y = self.year?;
        Some((
            NaiveDate::from_ymd_opt(y, 1, 1)?,
            NaiveDate::from_ymd_opt(y + 1, 1, 1)?,
        ))
    }
    /// The query string of this filter with an extra pair (a cursor or a format).
    pub fn query(&self, extra: Option<(&str, &str)>) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(d) = self.department {
            parts.push(format!("department={d}"));
        }
        if let Some(k) = self.kind {
            parts.push(format!("kind={}", k.code()));
        }
        if let Some(y) = self.year {
            parts.push(format!("year={y}"));
        }
        if let Some((k, v)) = extra {
            let v: String = v
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
                .collect();
            parts.push(format!("{k}={v}"));
        }
        if parts.is_empty() {
            "/exposure".to_string()
        } else {
            format!("/exposure?{}", parts.join("&"))
        }
    }
}

/// A refused filter value: the field and the locale key of its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub key: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub filter: Filter,
    pub after: Option<Cursor>,
    pub format: Format,
    /// Values dropped from the filter, each with its message.
    pub problems: Vec<Problem>,
}

/// The format is the only thing that refuses a request (400, naming the formats).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadFormat;

/// Reads the query string. `departments`: the ids that exist; `this_year`: the China year
/// today (a later year cannot have entries).
pub fn parse(raw: &RawQuery, departments: &[i64], this_year: i32) -> Result<Request, BadFormat> {
    let format = Format::parse(&raw.format).map_err(|_| BadFormat)?;
    let mut problems = Vec::new();
    let mut filter = Filter::default();
    let dept = raw.department.trim();
    if !dept.is_empty() {
        match dept.parse::<i64>() {
            Ok(d) if departments.contains(&d) => filter.department = Some(d),
            _ => problems.push(Problem {
                field: "department",
                key: "exposure.v.department",
            }),
        }
    }
    let kind = raw.kind.trim();
    if !kind.is_empty() {
        match Kind::parse(kind) {
            Some(k) => filter.kind = Some(k),
            None => problems.push(Problem {
                field: "kind",
                key: "exposure.v.kind",
            }),
        }
    }
    let year = raw.year.trim();
    if !year.is_empty() {
        match year.parse::<i32>() {
            Ok(y) if (FIRST_YEAR..=this_year).contains(&y) => filter.year = Some(y),
            _ => problems.push(Problem {
                field: "year",
                key: "exposure.v.year",
            }),
        }
    }
    let after = raw.after.trim();
    let after = if after.is_empty() {
        None
    } else {
        match Cursor::parse(after) {
            Some(c) => Some(c),
            None => {
                problems.push(Problem {
                    field: "after",
                    key: "exposure.v.after",
                });
                None
            }
        }
    };
    Ok(Request {
        filter,
        after,
        format,
        problems,
    })
}

/// An entry as the merge needs it: its sort key.
pub trait Keyed {
    fn cursor(&self) -> Cursor;
}

/// Merges the sources' pages (each already newest first and after the cursor) into one
/// page of at most `size` entries; returns it and the cursor of the next page, if any.
pub fn merge<T: Keyed>(mut rows: Vec<T>, size: usize) -> (Vec<T>, Option<Cursor>) {
    rows.sort_by_key(|r| std::cmp::Reverse(r.cursor().key()));
    let more = rows.len() > size;
    rows.truncate(size);
    let next = if more {
        rows.last().map(Keyed::cursor)
    } else {
        None
    };
    (rows, next)
}

/// The state of a sanction or record on `today`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Not yet started.
    Upcoming,
    /// In force.
    Active,
    /// Ran to its end date.
    Expired,
    /// Lifted early by credit repair 信用修复.
    Repaired,
    /// Ended early for another reason (e.g. lifted by the department).
    Lifted,
}

impl State {
    pub fn code(self) -> &'static str {
        match self {
            State::Upcoming => "upcoming",
            State::Active => "active",
            State::Expired => "expired",
            State::Repaired => "repaired",
            State::Lifted => "lifted",
        }
    }
    pub fn key(self) -> String {
        format!("exposure.state.{}", self.code())
    }
    /// Still in force or still to come (the page marks the others as ended).
    pub fn current(self) -> bool {
        matches!(self, State::Upcoming | State::Active)
    }
}

/// A period from `starts_on` up to, not including, `ends_on`, possibly ended early on
/// `ended_on` (`repaired`: by credit repair).
pub fn state(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    ended_on: Option<NaiveDate>,
    repaired: bool,
    today: NaiveDate,
) -> State {
    if let Some(e) = ended_on.filter(|e| *e <= today) {
        if repaired {
            return State::Repaired;
        }
        if e < ends_on {
            return State::Lifted;
        }
    }
    if today < starts_on {
        State::Upcoming
    } else if today < ends_on {
        State::Active
    } else {
        State::Expired
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn raw(pairs: &[(&str, &str)]) -> RawQuery {
        let mut r = RawQuery::default();
        for (k, v) in pairs {
            let v = v.to_string();
            match *k {
                "department" => r.department = v,
                "kind" => r.kind = v,
                "year" => r.year = v,
                "after" => r.after = v,
                "format" => r.format = v,
                _ => panic!("{k}"),
            }
        }
        r
    }

    #[test]
    fn an_empty_query_is_the_whole_record_as_html() {
        let r = parse(&raw(&[]), &[1, 2], 2026).unwrap();
        assert_eq!(r.filter, Filter::default());
        assert_eq!(r.format, Format::Html);
        assert!(r.after.is_none() && r.problems.is_empty());
        assert_eq!(r.filter.sources(), Source::ALL.to_vec());
    }

    #[test]
    fn good_filters_are_kept() {
        let r = parse(
            &raw(&[
                ("department", " 2 "),
                ("kind", "ban"),
                ("year", "2025"),
                ("format", "csv"),
                ("after", "2025-06-01.n.7"),
            ]),
            &[1, 2],
            2026,
        )
        .unwrap();
        assert_eq!(
            r.filter,
            Filter {
                department: Some(2),
                kind: Some(Kind::Ban),
                year: Some(2025),
            }
        );
        assert_eq!(r.format, Format::Csv);
        assert_eq!(
            r.after,
            Some(Cursor {
                date: d("2025-06-01"),
                source: Source::Ban,
                id: 7
            })
        );
        assert_eq!(r.filter.sources(), vec![Source::Ban]);
        assert_eq!(
            r.filter.year_span(),
            Some((d("2025-01-01"), d("2026-01-01")))
        );
    }

    #[test]
    fn bad_filter_values_are_dropped_with_a_message_each() {
        let r = parse(
            &raw(&[
                ("department", "99"),
                ("kind", "<script>"),
                ("year", "1999"),
                ("after", "2025-13-01.b.1"),
            ]),
            &[1, 2],
            2026,
        )
        .unwrap();
        assert_eq!(r.filter, Filter::default());
        assert!(r.after.is_none());
        let fields: Vec<&str> = r.problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["department", "kind", "year", "after"]);
        for (field, v) in [
            ("department", "abc"),
            ("department", "-1"),
            ("year", "2027"),
            ("year", "二〇二五"),
            ("year", "99999999999"),
            ("after", "x"),
            ("after", "2025-01-01.z.1"),
            ("after", "2025-01-01.b.0"),
            ("after", "2025-01-01.b.1.2"),
            ("after", "2025-01-01.bb.1"),
        ] {
            let r = parse(&raw(&[(field, v)]), &[1, 2], 2026).unwrap();
            assert_eq!(r.problems.len(), 1, "{field}={v}");
            assert_eq!(r.problems[0].field, field);
        }
    }

    #[test]
    fn only_known_formats_are_served() {
        for f in ["xml", "CSV", "pdf", "json "] {
            let r = parse(&raw(&[("format", f)]), &[], 2026);
            if f == "json " {
                assert_eq!(r.unwrap().format, Format::Json);
            } else {
                assert_eq!(r, Err(BadFormat), "{f}");
            }
        }
        assert_eq!(
            parse(&raw(&[("format", "json")]), &[], 2026)
                .unwrap()
                .format,
            Format::Json
        );
    }

    #[test]
    fn cursors_round_trip_and_bound_each_source() {
        let c = Cursor {
            date: d("2026-03-02"),
            source: Source::Ban,
            id: 17,
        };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        assert_eq!(c.encode(), "2026-03-02.n.17");
        // Listings sort after bans on one day: all of that day's listings came before.
        assert_eq!(c.id_bound(Source::Blacklist), 0);
        assert_eq!(c.id_bound(Source::Ban), 17);
        assert_eq!(c.id_bound(Source::Record), i64::MAX);
    }

    struct E(Cursor);
    impl Keyed for E {
        fn cursor(&self) -> Cursor {
            self.0
        }
    }

    #[test]
    fn merging_pages_is_newest_first_and_continues_where_it_stopped() {
        let e = |day: &str, source, id| {
            E(Cursor {
                date: d(day),
                source,
                id,
            })
        };
        let all = || {
            vec![
                e("2026-01-01", Source::Record, 5),
                e("2026-02-01", Source::Ban, 1),
                e("2026-02-01", Source::Blacklist, 3),
                e("2026-02-01", Source::Record, 9),
                e("2025-12-31", Source::Blacklist, 4),
            ]
        };
        let (page, next) = merge(all(), 3);
        let keys: Vec<String> = page.iter().map(|x| x.0.encode()).collect();
        assert_eq!(
            keys,
            vec!["2026-02-01.b.3", "2026-02-01.n.1", "2026-02-01.r.9"]
        );
        let next = next.unwrap();
        // What the sources return after the cursor is exactly the rest.
        let rest: Vec<E> = all()
            .into_iter()
            .filter(|x| {
                x.0.date < next.date
                    || (x.0.date == next.date && x.0.id < next.id_bound(x.0.source))
            })
            .collect();
        let (page, next) = merge(rest, 3);
        let keys: Vec<String> = page.iter().map(|x| x.0.encode()).collect();
        assert_eq!(keys, vec!["2026-01-01.r.5", "2025-12-31.b.4"]);
        assert!(next.is_none());
    }

    #[test]
    fn records_on_the_record() {
        assert_eq!(
            Kind::of_record("upheld_complaint", -2, 10),
            Some(Kind::Complaint)
        );
        assert_eq!(
            Kind::of_record("inspection_failure", 0, 10),
            Some(Kind::Inspection)
        );
        assert_eq!(
            Kind::of_record("false_report", -10, 10),
            Some(Kind::Deduction)
        );
        assert_eq!(Kind::of_record("false_report", -9, 10), None);
        assert_eq!(Kind::of_record("blacklisted", -40, 10), None);
        assert_eq!(Kind::of_record("commendation", 5, 10), None);
    }

    #[test]
    fn states_of_a_period() {
        let (s, e) = (d("2026-01-10"), d("2026-07-10"));
        assert_eq!(state(s, e, None, false, d("2026-01-09")), State::Upcoming);
        assert_eq!(state(s, e, None, false, d("2026-01-10")), State::Active);
        assert_eq!(state(s, e, None, false, d("2026-07-09")), State::Active);
        assert_eq!(state(s, e, None, false, d("2026-07-10")), State::Expired);
        let early = Some(d("2026-03-01"));
        assert_eq!(state(s, e, early, true, d("2026-04-01")), State::Repaired);
        assert_eq!(state(s, e, early, false, d("2026-04-01")), State::Lifted);
        // An end recorded for later does not count yet.
        assert_eq!(state(s, e, early, true, d("2026-02-01")), State::Active);
        assert!(State::Upcoming.current() && !State::Lifted.current());
    }

    #[test]
    fn the_filter_writes_its_own_links() {
        let f = Filter {
            department: Some(3),
            kind: Some(Kind::Deduction),
            year: Some(2026),
        };
        assert_eq!(
            f.query(Some(("after", "2026-01-01.r.5\"><x"))),
            "/exposure?department=3&kind=deduction&year=2026&after=2026-01-01.r.5x"
        );
        assert_eq!(Filter::default().query(None), "/exposure");
    }
}
