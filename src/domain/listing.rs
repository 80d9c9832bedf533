//! The public agency library's list: which filters a visitor may set, how they are checked,
//! the sort orders, and the opaque keyset cursor that keeps deep pages as cheap as the first.
//!
//! Everything here is pure: the handler hands in the raw query strings, gets back a
//! [`ListRequest`] or the locale key of a message for a 400, and the model turns the request
//! into SQL. Only filter values that can be checked without the database are checked here;
//! a catalogue item code is resolved (and refused when unknown) by the handler.

use super::catalogue::{self, QUAL_TYPES};
use super::money::Money;
use super::search;

/// Rows per page of the HTML list.
pub const PAGE_SIZE: i64 = 20;
/// Credit grades, best first.
pub const GRADES: &[&str] = &["A", "B", "C", "D"];
/// The sort key of an agency without a grade: after every real grade, in any collation.
pub const NO_GRADE_KEY: &str = "Z";
/// The longest search query we accept (characters).
const MAX_QUERY_CHARS: usize = 40;

/// The raw query string of `/agencies`; every field a string so nothing malformed reaches a
/// deserialisation error.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RawListQuery {
    pub q: String,
    pub item: String,
    pub industry: String,
    pub region: String,
    pub qual: String,
    pub level: String,
    pub grade: String,
    pub max_fee: String,
    pub sort: String,
    pub after: String,
    pub before: String,
    pub format: String,
    /// Rows per download page (`domain::export`); not for the HTML page.
    pub limit: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    /// Grade A first, ungraded last, then by name (the default; the red list first).
    Grade,
    /// By name.
    Name,
    /// Most recently joined first (account ids are assigned at registration, in order).
    Newest,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Sort::Grade, Sort::Name, Sort::Newest];
    pub fn code(self) -> &'static str {
        match self {
            Sort::Grade => "grade",
            Sort::Name => "name",
            Sort::Newest => "newest",
        }
    }
    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "" => Some(Sort::Grade),
            _ => Sort::ALL.into_iter().find(|x| x.code() == s),
        }
    }
}

/// The one format type of every list, and the CSV line of every download (`domain::export`).
pub use super::export::{Format, csv_field, csv_line};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GradeFilter {
    Grade(String),
    /// Not yet graded.
    None,
}

/// The position in the list: the sort key of one row plus its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub sort: Sort,
    /// Grade sort only: the row's grade, or [`NO_GRADE_KEY`].
    pub grade_key: String,
    /// Grade and name sorts.
    pub name: String,
    pub id: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageAt {
    First,
    /// Rows after this one (the next page).
    After(Cursor),
    /// Rows before this one (the previous page).
    Before(Cursor),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QualFilter {
    pub qual_type: String,
    /// The held levels that satisfy the requested minimum (from [`catalogue::level_meets`]).
    pub levels: Vec<i32>,
    /// The requested minimum (0 = any level).
    pub min_level: i32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListRequest {
    /// The query as typed (trimmed), for the form.
    pub q: String,
    /// Normalised query (`search::normalised`); empty when there is no search.
    pub q_norm: String,
    /// Grams the name must all have (`search::query_grams`).
    pub q_grams: Vec<String>,
    pub item_code: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub qual: Option<QualFilter>,
    pub grade: Option<GradeFilter>,
    pub max_fee: Option<Money>,
    pub sort: Sort,
    pub at: PageAt,
    pub format: Format,
}

/// Why a filter value was refused: the locale key of the 400 message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilterError(pub &'static str);

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Levels a held certificate may have to meet `min` (0..=3), per `level_meets`.
pub fn levels_meeting(min: i32) -> Vec<i32> {
    (0..=3)
        .filter(|held| catalogue::level_meets(*held, min))
        .collect()
}

/// Checks every filter that needs no database. Unknown values are errors, never ignored:
/// a bookmarked link that silently shows everything would mislead.
pub fn parse(raw: &RawListQuery) -> Result<ListRequest, FilterError> {
    let format = Format::parse(&raw.format).map_err(|_| FilterError("library.bad_format"))?;
    let q: String = raw.q.trim().to_string();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(FilterError("library.bad_query"));
    }
    let q_grams = search::query_grams(&q);
    let q_norm = if q_grams.is_empty() {
        String::new()
    } else {
        search::normalised(&q)
    };
    let item_code = opt(&raw.item);
    if item_code.as_ref().is_some_and(|c| c.len() > 64) {
        return Err(FilterError("library.bad_item"));
    }
    let industry = opt(&raw.industry);
    if industry
        .as_deref()
        .is_some_and(|c| !catalogue::is_industry(c))
    {
        return Err(FilterError("library.bad_industry"));
    }
    let region = opt(&raw.region);
    if region.as_deref().is_some_and(|c| !catalogue::is_region(c)) {
        return Err(FilterError("library.bad_region"));
    }
    let qual = match (opt(&raw.qual), opt(&raw.level)) {
        (None, None) => None,
        (None, Some(_)) => return Err(FilterError("library.bad_level")),
        (Some(t), level) => {
            let Some((code, _, has_levels)) = QUAL_TYPES.iter().copied().find(|(c, _, _)| *c == t)
            else {
                return Err(FilterError("library.bad_qual"));
            };
            let min_level = match level.as_deref() {
                None | Some("0") => 0,
                Some(l) => match l.parse::<i32>() {
                    Ok(n) if has_levels && catalogue::LEVELS.contains(&n) => n,
                    _ => return Err(FilterError("library.bad_level")),
                },
            };
            Some(QualFilter {
                qual_type: code.to_string(),
                levels: levels_meeting(min_level),
                min_level,
            })
        }
    };
    let grade = match raw.grade.trim() {
        "" => None,
        "none" => Some(GradeFilter::None),
        g if GRADES.contains(&g) => Some(GradeFilter::Grade(g.to_string())),
        _ => return Err(FilterError("library.bad_grade")),
    };
    let max_fee = match opt(&raw.max_fee) {
        None => None,
        Some(s) => match Money::parse_yuan(&s) {
            Ok(m) if !m.is_negative() => Some(m),
            _ => return Err(FilterError("library.bad_fee")),
        },
    };
    let sort = Sort::parse(raw.sort.trim()).ok_or(FilterError("library.bad_sort"))?;
    let at = match (opt(&raw.after), opt(&raw.before)) {
        (None, None) => PageAt::First,
        (Some(a), None) => PageAt::After(decode_cursor(&a, sort)?),
        (None, Some(b)) => PageAt::Before(decode_cursor(&b, sort)?),
        (Some(_), Some(_)) => return Err(FilterError("library.bad_cursor")),
    };
    Ok(ListRequest {
        q,
        q_norm,
        q_grams,
        item_code,
        industry,
        region,
        qual,
        grade,
        max_fee,
        sort,
        at,
        format,
    })
}

impl ListRequest {
    /// The format's code for `domain::export::parse`.
    pub fn format_code(&self) -> &'static str {
        self.format.code()
    }

    /// The filters as query pairs (without the page position), for links and the form.
    pub fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        let mut push = |k: &'static str, val: Option<String>| {
            if let Some(x) = val.filter(|x| !x.is_empty()) {
                v.push((k, x));
            }
        };
        push("q", Some(self.q.clone()));
        push("item", self.item_code.clone());
        push("industry", self.industry.clone());
        push("region", self.region.clone());
        push("qual", self.qual.as_ref().map(|q| q.qual_type.clone()));
        push(
            "level",
            self.qual
                .as_ref()
                .filter(|q| q.min_level > 0)
                .map(|q| q.min_level.to_string()),
        );
        push(
            "grade",
            self.grade.as_ref().map(|g| match g {
                GradeFilter::Grade(g) => g.clone(),
                GradeFilter::None => "none".into(),
            }),
        );
        push("max_fee", self.max_fee.map(|m| m.to_plain()));
        if self.sort != Sort::Grade {
            push("sort", Some(self.sort.code().to_string()));
        }
        v
    }

    /// `/agencies?…` with the filters and one extra pair (a cursor or a format).
    pub fn url_with(&self, extra: Option<(&str, &str)>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.filter_pairs() {
            s.append_pair(k, &v);
        }
        if let Some((k, v)) = extra {
            s.append_pair(k, v);
        }
        let qs = s.finish();
        if qs.is_empty() {
            "/agencies".to_string()
        } else {
            format!("/agencies?{qs}")
        }
    }
}

/// Whether a catalogue item (its name and keyword list) answers a search: the normalised
/// query is contained in the normalised name or in one keyword.
pub fn item_matches(q_norm: &str, name: &str, keywords: &str) -> bool {
    if q_norm.is_empty() {
        return false;
    }
    search::normalised(name).contains(q_norm)
        || keywords
            .split([',', '，', '、', ';', '；', '\n'])
            .any(|k| search::normalised(k).contains(q_norm))
}

/// Grade A agencies under no sanction are on the red list 守信红名单: marked in
/// the library. The rule itself is [`crate::domain::credit::Grade::red_list`].
pub fn is_red_list(grade: Option<&str>, sanctioned: bool) -> bool {
    grade
        .and_then(crate::domain::credit::Grade::parse)
        .is_some_and(|g| g.red_list(sanctioned))
}

/// The grade sort key of a row.
pub fn grade_key(grade: Option<&str>) -> String {
    grade.unwrap_or(NO_GRADE_KEY).to_string()
}

const CURSOR_VERSION: &str = "c1";

/// Opaque to the visitor: hex of `c1 \x1f sort \x1f grade_key \x1f id \x1f name` (the name
/// last, so whatever it contains cannot shift the other parts).
pub fn encode_cursor(c: &Cursor) -> String {
    let raw = format!(
        "{CURSOR_VERSION}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        c.sort.code(),
        c.grade_key,
        c.id,
        c.name
    );
    hex::encode(raw.as_bytes())
}

/// Decodes a cursor made by [`encode_cursor`] for the same sort; anything else is refused.
pub fn decode_cursor(s: &str, sort: Sort) -> Result<Cursor, FilterError> {
    let bad = FilterError("library.bad_cursor");
    if s.len() > 2048 {
        return Err(bad);
    }
    let bytes = hex::decode(s).map_err(|_| bad)?;
    let text = String::from_utf8(bytes).map_err(|_| bad)?;
    let parts: Vec<&str> = text.splitn(5, '\u{1f}').collect();
    let [version, sort_code, grade_key, id, name] = parts.as_slice() else {
        return Err(bad);
    };
    if *version != CURSOR_VERSION || *sort_code != sort.code() {
        return Err(bad);
    }
    let id: i64 = id.parse().map_err(|_| bad)?;
    if sort == Sort::Grade && !(GRADES.contains(grade_key) || *grade_key == NO_GRADE_KEY) {
        return Err(bad);
    }
    Ok(Cursor {
        sort,
        grade_key: grade_key.to_string(),
        name: name.to_string(),
        id,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawListQuery {
        let mut r = RawListQuery::default();
        for (k, v) in pairs {
            let v = v.to_string();
            match *k {
                "q" => r.q = v,
                "item" => r.item = v,
                "industry" => r.industry = v,
                "region" => r.region = v,
                "qual" => r.qual = v,
                "level" => r.level = v,
                "grade" => r.grade = v,
                "max_fee" => r.max_fee = v,
                "sort" => r.sort = v,
                "after" => r.after = v,
                "before" => r.before = v,
                "format" => r.format = v,
                _ => panic!("unknown key {k}"),
            }
        }
        r
    }

    #[test]
    fn empty_query_is_the_default_list() {
        let r = parse(&RawListQuery::default()).unwrap();
        assert_eq!(r.sort, Sort::Grade);
        assert_eq!(r.at, PageAt::First);
        assert_eq!(r.format, Format::Html);
        assert!(r.q_grams.is_empty() && r.region.is_none() && r.qual.is_none());
        assert_eq!(r.url_with(None), "/agencies");
    }

    #[test]
    fn unknown_values_are_refused_with_their_own_message() {
        let cases = [
            (("region", "atlantis"), "library.bad_region"),
            (("industry", "mining"), "library.bad_industry"),
            (("qual", "wizardry"), "library.bad_qual"),
            (("grade", "E"), "library.bad_grade"),
            (("max_fee", "-5"), "library.bad_fee"),
            (("max_fee", "1.234"), "library.bad_fee"),
            (("sort", "random"), "library.bad_sort"),
            (("after", "zz"), "library.bad_cursor"),
            (("format", "xml"), "library.bad_format"),
            (("level", "1"), "library.bad_level"),
        ];
        for ((k, v), key) in cases {
            assert_eq!(parse(&raw(&[(k, v)])), Err(FilterError(key)), "{k}={v}");
        }
    }

    #[test]
    fn levels_follow_level_meets() {
        let r = parse(&raw(&[("qual", "surveying_mapping"), ("level", "2")])).unwrap();
        let q = r.qual.unwrap();
        assert_eq!(q.levels, vec![1, 2], "甲级 and 乙级 meet 乙级");
        assert_eq!(levels_meeting(0), vec![0, 1, 2, 3]);
        for bad in ["4", "x", "-1", "1.5"] {
            assert_eq!(
                parse(&raw(&[("qual", "surveying_mapping"), ("level", bad)])),
                Err(FilterError("library.bad_level"))
            );
        }
        // A type without levels takes no level.
        assert_eq!(
            parse(&raw(&[("qual", "cost_consulting"), ("level", "1")])),
            Err(FilterError("library.bad_level"))
        );
        assert!(parse(&raw(&[("qual", "cost_consulting")])).is_ok());
    }

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_sort() {
        let c = Cursor {
            sort: Sort::Grade,
            grade_key: NO_GRADE_KEY.into(),
            name: "四川|蜀环\u{1f}环评".into(),
            id: 42,
        };
        // A separator inside a name cannot shift the other parts.
        assert_eq!(decode_cursor(&encode_cursor(&c), Sort::Grade).unwrap(), c);
        let c = Cursor {
            name: "四川蜀环, \"环评\" 科技".into(),
            ..c
        };
        let s = encode_cursor(&c);
        assert_eq!(decode_cursor(&s, Sort::Grade).unwrap(), c);
        assert!(decode_cursor(&s, Sort::Name).is_err(), "other sort");
        assert!(decode_cursor("6331", Sort::Grade).is_err());
        let r = parse(&raw(&[("sort", "grade"), ("after", &s)])).unwrap();
        assert_eq!(r.at, PageAt::After(c.clone()));
        assert!(parse(&raw(&[("after", &s), ("before", &s)])).is_err());
        let bad_grade = Cursor {
            grade_key: "Q".into(),
            ..c
        };
        assert!(decode_cursor(&encode_cursor(&bad_grade), Sort::Grade).is_err());
    }

    #[test]
    fn urls_keep_filters_in_a_stable_order() {
        let r = parse(&raw(&[
            ("region", "pzh_dongqu"),
            ("q", " 环评 "),
            ("sort", "name"),
            ("max_fee", "5000"),
        ]))
        .unwrap();
        assert_eq!(r.q_grams, vec!["环评"]);
        assert_eq!(
            r.url_with(Some(("format", "csv"))),
            "/agencies?q=%E7%8E%AF%E8%AF%84&region=pzh_dongqu&max_fee=5000.00&sort=name&format=csv"
        );
    }

    #[test]
    fn items_match_by_name_or_one_keyword() {
        assert!(item_matches(
            "环评",
            "建设项目环境影响评价",
            "环评,环境影响"
        ));
        assert!(item_matches("环境影响", "建设项目环境影响评价", ""));
        assert!(
            !item_matches("评环", "x", "环评,环境"),
            "no match across keywords"
        );
        assert!(!item_matches("", "环评", "环评"));
    }
}
