//! Where a redirect or a link built from the request may lead: only to a path on this site.

/// Only same-site relative paths are followed after login (no open redirect).
pub fn safe_next(next: &str) -> std::borrow::Cow<'_, str> {
    safe_path(next, "/my")
}

/// Longest path followed or linked back to; ours are far shorter.
const SAFE_PATH_MAX: usize = 2048;

/// `candidate` if it is a path on this site, else `default`. Every redirect target and every
/// link built from a request path goes through here.
///
/// A same-site path has one leading `/` not followed by another `/` or `\` (browsers read both
/// as the start of another host) and no control or whitespace character anywhere (browsers
/// drop tabs and newlines from a URL, so `/<tab>/host` becomes `//host`; `\r`, `\n`, `\v`
/// cannot go into a header at all). The path part is checked again percent-decoded, as often
/// as it decodes, because a proxy or a later parser may decode `/%2F/host` into `//host`.
/// Characters beyond ASCII are percent-encoded, so the result is always a valid header value.
pub fn safe_path<'a>(candidate: &'a str, default: &'a str) -> std::borrow::Cow<'a, str> {
    fn same_site(p: &str) -> bool {
        let b = p.as_bytes();
        b.first() == Some(&b'/')
            && !matches!(b.get(1), Some(b'/' | b'\\'))
            && !p.chars().any(|c| c.is_control() || c.is_whitespace())
    }
    if candidate.len() > SAFE_PATH_MAX || !same_site(candidate) {
        return default.into();
    }
    let mut path = candidate
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_string();
    while path.contains('%') {
        let decoded = percent_decode(&path);
        if decoded == path {
            break;
        }
        if !same_site(&decoded) {
            return default.into();
        }
        path = decoded;
    }
    if candidate.is_ascii() {
        return candidate.into();
    }
    let mut out = String::with_capacity(candidate.len() * 2);
    for c in candidate.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out.into()
}

/// `%XX` sequences decoded (invalid UTF-8 becomes U+FFFD); anything else kept as it is.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |x: u8| (x as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|x| hex(*x)),
            b.get(i + 2).and_then(|x| hex(*x)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (x, _, _) => {
                out.push(x);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::safe_path;

    #[test]
    fn same_site_paths_are_kept() {
        for p in [
            "/my",
            "/announcements?x=1",
            "/agencies?q=a+b&page=2",
            "/catalogue/%E7%8E%AF",
            "/x?u=http://example.com",
            "/a\\b",
        ] {
            assert_eq!(safe_path(p, "/my"), p, "{p:?}");
        }
    }

    #[test]
    fn anything_a_browser_could_read_as_another_site_falls_back() {
        for p in [
            "",
            "my",
            "https://evil.example/x",
            "//evil.example/x",
            "/\\evil.example/x",
            "/\t/evil.example/x",
            "/\n/evil.example/x",
            "/\r/evil.example/x",
            "/\u{b}/evil.example/x",
            "/x\u{0}",
            "/x y",
            "/x\u{3000}y",
            "/%2F/evil.example/x",
            "/%2f/evil.example/x",
            "/%5Cevil.example/x",
            "/%09/evil.example/x",
            "/%252F/evil.example/x",
            "/%0d%0aSet-Cookie:x=1",
        ] {
            assert_eq!(safe_path(p, "/my"), "/my", "{p:?}");
        }
        assert_eq!(safe_path(&format!("/{}", "a".repeat(3000)), "/"), "/");
    }

    #[test]
    fn non_ascii_is_percent_encoded_for_the_header() {
        assert_eq!(
            safe_path("/agencies?q=环评", "/my"),
            "/agencies?q=%E7%8E%AF%E8%AF%84"
        );
    }
}
