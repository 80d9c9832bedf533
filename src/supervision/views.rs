//! What other features' pages show of supervision: an agency's published fee range, as the
//! signals page and the announcement result (beside each opened quote) write it.

use crate::i18n::{Lang, tr};
use crate::web::fmt;

/// The range as "¥a – ¥b", "≥ ¥a" or "≤ ¥b".
pub fn range_text(lang: Lang, min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{} – {}", fmt::fen(a), fmt::fen(b)),
        (Some(a), None) => format!("≥ {}", fmt::fen(a)),
        (None, Some(b)) => format!("≤ {}", fmt::fen(b)),
        (None, None) => tr(lang, "signals.no_range").to_string(),
    }
}
