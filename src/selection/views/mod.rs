//! Page data of the selection feature, built from loaded rows and the viewer: the
//! announcement page ([`AnnView`], its timeline) and its result section ([`ResultView`]).
//! Nothing here reads the database: a handler reads the rows, these types shape them.

mod announcement;
mod result;

pub use announcement::{AnnRows, AnnView, ListRow, TimelineRow};
pub use result::{DrawView, ObjectionView, QuoteRow, ResultRows, ResultView};
