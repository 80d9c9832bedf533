//! Page data of the contracts feature: the fulfilment section of a contract
//! ([`FulfilmentView`]), and what other features' pages show: an agency's fulfilment and
//! rating record (on its library page) and one row of the fulfilment figures.

mod fulfilment;

pub use fulfilment::{
    AmendmentView, DeliverableView, EvalView, FormError, FulfilmentRows, FulfilmentView,
    PaymentView,
};

use crate::contracts::store::evaluation as meval;
use crate::contracts::store::fulfilment as mful;
use crate::domain::evaluation::{self as erules, DIMENSIONS};
use crate::domain::fulfilment::fmt_x10;
use crate::web::fmt_time;

/// One agency's (or the whole platform's) fulfilment figures, as a table row and a bar.
pub struct FigureRow {
    pub agency_id: i64,
    pub name: String,
    pub rate: String,
    pub on_time: i64,
    pub due: i64,
    pub avg_used: String,
    pub avg_statutory: String,
    pub faster: String,
    pub meets_target: bool,
    /// Bar width 0–100 (the rate), for the SVG.
    pub bar: i64,
}

pub fn figure_row(agency_id: i64, name: String, f: &mful::Figures) -> FigureRow {
    FigureRow {
        agency_id,
        name,
        rate: f.rate.display(),
        on_time: f.rate.on_time,
        due: f.rate.due,
        avg_used: fmt_x10(f.service.avg_used_x10()),
        avg_statutory: fmt_x10(f.service.avg_statutory_x10()),
        faster: f
            .service
            .percent_faster()
            .map(|p| format!("{p}%"))
            .unwrap_or_else(|| "—".into()),
        meets_target: f.service.meets_target(),
        bar: f.rate.permille().map(|p| p / 10).unwrap_or(0),
    }
}

pub struct RatingLine {
    pub rater: String,
    pub overall: String,
    pub stars: Vec<(String, i32)>,
    pub comment: String,
    pub rated_at: String,
    pub reply: String,
    pub counts: bool,
}

/// What `templates/contracts/fulfilment/_agency.html` shows on `/agencies/{id}`: fulfilment rate,
/// service time against the statutory limit, rating averages and the ratings.
pub struct AgencyRecord {
    pub figures: FigureRow,
    pub count: i64,
    pub overall: String,
    pub dims: Vec<(String, String)>,
    pub ratings: Vec<RatingLine>,
}

/// The agency's record from its fulfilment figures and its ratings (newest first, with the
/// rater's name), as `crate::contracts::store::fulfilment::figures` and
/// `crate::contracts::store::evaluation::of_agency` read them.
pub fn agency_record(
    agency_id: i64,
    f: &mful::Figures,
    evals: &[(meval::Evaluation, String)],
    lang: crate::i18n::Lang,
) -> AgencyRecord {
    let t = |k: &str| crate::i18n::tr(lang, k).to_string();
    let counted: Vec<erules::Stars> = evals
        .iter()
        .filter(|(e, _)| e.counts())
        .map(|(e, _)| e.stars())
        .collect();
    let av = erules::averages(counted.iter());
    let dims = DIMENSIONS
        .iter()
        .zip(av.dims_x100)
        .map(|(d, v)| {
            (
                t(&format!("eval.dim.{d}")),
                if av.count > 0 {
                    erules::fmt_x100(v)
                } else {
                    "—".into()
                },
            )
        })
        .collect();
    let ratings = evals
        .iter()
        .take(20)
        .map(|(e, _)| RatingLine {
            rater: t(&format!("eval.rater.{}", e.rater_kind)),
            overall: erules::fmt_x100(i64::from(e.stars().overall_x100())),
            stars: DIMENSIONS
                .iter()
                .map(|d| t(&format!("eval.dim.{d}")))
                .zip(e.stars().as_array())
                .collect(),
            comment: e.comment.clone(),
            rated_at: fmt_time(e.rated_at),
            reply: e.reply.clone().unwrap_or_default(),
            counts: e.counts(),
        })
        .collect();
    AgencyRecord {
        figures: figure_row(agency_id, String::new(), f),
        count: av.count,
        overall: if av.count > 0 {
            erules::fmt_x100(av.overall_x100)
        } else {
            "—".into()
        },
        dims,
        ratings,
    }
}
