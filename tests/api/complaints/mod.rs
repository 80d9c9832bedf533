//! Complaints 投诉举报 (`src/complaints`): filing (signed in and by a visitor's confirmed
//! link), the department's steps, review, the respondent's view (sentinel: never the
//! complainant's identity), duplicates, limits, public outcomes, the overdue reminder.

mod browser;
mod flow;
