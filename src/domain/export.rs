//! The open-data downloads of every public list: how `?format=`, `?limit=` and `?after=` are
//! read, how big a page may be, and how a list already in memory is paged by its key.
//!
//! Pure: the handler hands in the raw strings and gets back an [`ExportQuery`] or the locale
//! key of a 400 message. A list answers `format=csv` (UTF-8 with BOM, formula cells defused by
//! [`csv_line`]) and `format=json` (`{ items, next, page_size, max_page_size }`), both paged
//! by a keyset cursor (`after=`, opaque to the reader) so a deep page costs what the first
//! does. A `limit` above [`MAX_PAGE_SIZE`] is cut to it and the cut is stated (a JSON field, an
//! HTTP header for CSV); a CSV without `limit` is the whole list.

/// Rows per JSON page when the reader names no `limit`.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// The most rows one page may hold (JSON, or CSV with a `limit`).
pub const MAX_PAGE_SIZE: usize = 1000;
/// The UTF-8 byte-order mark spreadsheets need to read a CSV file's Chinese correctly.
pub const CSV_BOM: &str = "\u{feff}";
/// The licence every dataset is published under.
pub const LICENCE_URL: &str = "https://creativecommons.org/licenses/by/4.0/";

/// The locale key of the 400 for an unknown `format` (it names the formats).
pub const BAD_FORMAT: &str = "export.bad_format";
/// The locale key of the 400 for a `limit` that is not a positive whole number.
pub const BAD_LIMIT: &str = "export.bad_limit";
/// The locale key of the 400 for a cursor this list did not make.
pub const BAD_CURSOR: &str = "export.bad_cursor";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Csv,
    Json,
}

impl Format {
    /// `""` and `html` are the page; `csv` and `json` the downloads; anything else is refused
    /// (a download that silently came back as HTML would mislead a script).
    pub fn parse(s: &str) -> Result<Format, &'static str> {
        match s.trim() {
            "" | "html" => Ok(Format::Html),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err(BAD_FORMAT),
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// The size of one page of a download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageSize {
    /// Rows in this page; `None`: the whole list (a CSV without `limit`).
    pub rows: Option<usize>,
    /// The reader asked for more than [`MAX_PAGE_SIZE`] and got that many.
    pub capped: bool,
}

/// A list download as asked: its format, page size and position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportQuery {
    pub format: Format,
    pub size: PageSize,
    /// The raw cursor, checked by the list that made it.
    pub after: Option<String>,
}

/// Reads `format`, `limit` and `after`. An empty `limit` is the default page for JSON and the
/// whole list for CSV; a limit above the maximum is cut to it.
pub fn parse(format: &str, limit: &str, after: &str) -> Result<ExportQuery, &'static str> {
    let format = Format::parse(format)?;
    let size = match limit.trim() {
        "" if format == Format::Csv => PageSize {
            rows: None,
            capped: false,
        },
        "" => PageSize {
            rows: Some(DEFAULT_PAGE_SIZE),
            capped: false,
        },
        l => match l.parse::<u64>() {
            Ok(n) if n > 0 => PageSize {
                rows: Some(usize::try_from(n).unwrap_or(usize::MAX).min(MAX_PAGE_SIZE)),
                capped: n > MAX_PAGE_SIZE as u64,
            },
            _ => return Err(BAD_LIMIT),
        },
    };
    let after = Some(after.trim())
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    if after.as_ref().is_some_and(|a| a.len() > 2048) {
        return Err(BAD_CURSOR);
    }
    Ok(ExportQuery {
        format,
        size,
        after,
    })
}

/// A cursor that is a row id (the lists ordered by id).
pub fn id_cursor(after: Option<&str>) -> Result<Option<i64>, &'static str> {
    match after {
        None => Ok(None),
        Some(a) => match a.parse::<i64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(BAD_CURSOR),
        },
    }
}

/// One page of a list already in memory and ordered by `key` (descending when `desc`): the
/// rows strictly past `after`, at most `size` of them, and the key to continue from when more
/// remain. Keys must be unique; a cursor whose row has gone still finds its place.
pub fn page_by_key<T, K, F>(
    rows: Vec<T>,
    key: F,
    desc: bool,
    after: Option<&K>,
    size: Option<usize>,
) -> (Vec<T>, Option<K>)
where
    K: Ord + Clone,
    F: Fn(&T) -> K,
{
    let past = |k: &K| match after {
        None => true,
        Some(a) if desc => k < a,
        Some(a) => k > a,
    };
    let mut out: Vec<T> = rows.into_iter().filter(|r| past(&key(r))).collect();
    if desc {
        out.sort_by_key(|r| std::cmp::Reverse(key(r)));
    } else {
        out.sort_by_key(|r| key(r));
    }
    match size {
        Some(n) if out.len() > n => {
            out.truncate(n);
            let next = out.last().map(&key);
            (out, next)
        }
        _ => (out, None),
    }
}

/// One CSV field: quoted when needed, and a leading `= + - @` (a spreadsheet formula) is
/// defused with an apostrophe so a downloaded file cannot run anything when opened.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// One CSV line (CRLF, as spreadsheets expect).
pub fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn formats_are_named_or_refused() {
        assert_eq!(Format::parse("").unwrap(), Format::Html);
        assert_eq!(Format::parse(" csv ").unwrap(), Format::Csv);
        assert_eq!(Format::parse("json").unwrap(), Format::Json);
        for bad in ["xml", "CSV", "xlsx", "json2"] {
            assert_eq!(Format::parse(bad), Err(BAD_FORMAT), "{bad}");
        }
    }

    #[test]
    fn limits_default_and_cap() {
        let q = parse("json", "", "").unwrap();
        assert_eq!(q.size.rows, Some(DEFAULT_PAGE_SIZE));
        assert!(!q.size.capped);
        assert_eq!(parse("csv", "", "").unwrap().size.rows, None);
        let q = parse("json", "999999999999", "").unwrap();
        assert_eq!(q.size.rows, Some(MAX_PAGE_SIZE));
        assert!(q.size.capped);
        let q = parse("csv", "1000", "").unwrap();
        assert!(!q.size.capped);
        for bad in ["0", "-1", "x", "1.5"] {
            assert_eq!(parse("json", bad, ""), Err(BAD_LIMIT), "{bad}");
        }
        assert_eq!(
            parse("json", "", "a".repeat(3000).as_str()),
            Err(BAD_CURSOR)
        );
        assert_eq!(
            parse("json", "", " 7 ").unwrap().after.as_deref(),
            Some("7")
        );
    }

    #[test]
    fn id_cursors_are_positive_ids() {
        assert_eq!(id_cursor(None), Ok(None));
        assert_eq!(id_cursor(Some("42")), Ok(Some(42)));
        assert_eq!(id_cursor(Some("0")), Err(BAD_CURSOR));
        assert_eq!(id_cursor(Some("4x")), Err(BAD_CURSOR));
    }

    #[test]
    fn pages_continue_past_their_key() {
        let rows: Vec<i64> = vec![3, 9, 1, 7, 5];
        let (p, next) = page_by_key(rows.clone(), |r| *r, true, None, Some(2));
        assert_eq!((p, next), (vec![9, 7], Some(7)));
        let (p, next) = page_by_key(rows.clone(), |r| *r, true, Some(&7), Some(2));
        assert_eq!((p, next), (vec![5, 3], Some(3)));
        let (p, next) = page_by_key(rows.clone(), |r| *r, true, Some(&3), Some(2));
        assert_eq!((p, next), (vec![1], None));
        // A cursor whose row has gone (6) still finds its place.
        let (p, _) = page_by_key(rows.clone(), |r| *r, true, Some(&6), Some(10));
        assert_eq!(p, vec![5, 3, 1]);
        let (p, next) = page_by_key(rows, |r| *r, false, Some(&3), None);
        assert_eq!((p, next), (vec![5, 7, 9], None));
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_line(&["名称", "x"]), "名称,x\r\n");
    }
}
