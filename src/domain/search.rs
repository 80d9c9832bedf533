//! Search pieces for Chinese names. SQLite's FTS5 trigram tokenizer cannot match two-character
//! words, and a `LIKE '%…%'` scan does not scale to 100,000 agencies, so names are indexed by
//! every character and every pair of adjacent characters (ignoring spaces and punctuation,
//! folding ASCII case). A query of one or two characters is one index lookup; a longer query
//! needs all its pairs, and the candidate names are then checked for the whole string.

use std::collections::BTreeSet;

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn normalise(s: &str) -> Vec<char> {
    s.chars()
        .filter(|c| is_word_char(*c))
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// Every single character and every adjacent pair within each run of word characters,
/// deduplicated, in a stable order.
pub fn grams(text: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    for run in text.split(|c: char| !is_word_char(c)) {
        let cs = normalise(run);
        for (i, c) in cs.iter().enumerate() {
            out.insert(c.to_string());
            if let Some(n) = cs.get(i + 1) {
                out.insert(format!("{c}{n}"));
            }
        }
    }
    out.into_iter().collect()
}

/// The grams a query must all match: the query itself when it is one or two characters,
/// otherwise its adjacent pairs. Empty when the query has no word characters.
pub fn query_grams(query: &str) -> Vec<String> {
    let cs = normalise(query);
    match cs.len() {
        0 => Vec::new(),
        1 | 2 => vec![cs.iter().collect()],
        _ => {
            let set: BTreeSet<String> = cs.windows(2).map(|w| w.iter().collect()).collect();
            set.into_iter().collect()
        }
    }
}

/// Normalised query for the final containment check of longer queries.
pub fn normalised(query: &str) -> String {
    normalise(query).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_character_queries_are_one_gram() {
        assert_eq!(query_grams("环评"), vec!["环评"]);
        assert!(grams("四川蜀环环评科技有限公司").contains(&"环评".to_string()));
    }

    #[test]
    fn longer_queries_need_every_pair() {
        assert_eq!(query_grams("环评科技"), vec!["环评", "科技", "评科"]);
        assert_eq!(query_grams(" ·, "), Vec::<String>::new());
    }

    #[test]
    fn case_and_punctuation_are_ignored() {
        let g = grams("ABC（北京）测绘");
        assert!(g.contains(&"ab".to_string()) && g.contains(&"北京".to_string()));
        assert!(!g.iter().any(|x| x.contains('（')));
        assert_eq!(query_grams("Ab"), vec!["ab"]);
    }
}
