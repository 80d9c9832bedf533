//! When each dataset last changed: the newest timestamp of the rows it is made of.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{
    agencies, announcement_results, announcements, blacklist_entries, catalogue_adjustments,
    catalogue_items, complaint_decisions, contracts, credit_records, inspection_tasks, market_bans,
};

type Stamp = Option<NaiveDateTime>;

fn newest(v: &[Stamp]) -> Stamp {
    v.iter().flatten().max().copied()
}

/// Dataset key → the newest change (UTC), absent when the dataset is still empty.
pub fn updated(c: &mut DbConnection) -> QueryResult<HashMap<&'static str, NaiveDateTime>> {
    let items: Stamp = catalogue_items::table
        .select(max(catalogue_items::updated_at))
        .first(c)?;
    let changes: Stamp = catalogue_adjustments::table
        .select(max(catalogue_adjustments::created_at))
        .first(c)?;
    let agency: Stamp = agencies::table.select(max(agencies::updated_at)).first(c)?;
    let graded: Stamp = agencies::table.select(max(agencies::graded_at)).first(c)?;
    let published: Stamp = announcements::table
        .select(max(announcements::updated_at))
        .filter(announcements::published_at.is_not_null())
        .first(c)?;
    let opened: Stamp = announcement_results::table
        .select(max(announcement_results::opened_at))
        .first(c)?;
    let records: Stamp = credit_records::table
        .select(max(credit_records::created_at))
        .first(c)?;
    let listed: Stamp = blacklist_entries::table
        .select(max(blacklist_entries::created_at))
        .first(c)?;
    let bans: Stamp = market_bans::table
        .select(max(market_bans::created_at))
        .first(c)?;
    let answered: Stamp = complaint_decisions::table
        .select(max(complaint_decisions::answered_at))
        .first(c)?;
    let tasks: Stamp = inspection_tasks::table
        .select(max(inspection_tasks::updated_at))
        .filter(inspection_tasks::published_at.is_not_null())
        .first(c)?;
    let contract: Stamp = contracts::table
        .select(max(contracts::updated_at))
        .first(c)?;
    let all = [
        ("catalogue", newest(&[items])),
        ("catalogue_changes", changes),
        ("agencies", newest(&[agency, graded, records, listed, bans])),
        ("announcements", published),
        ("results", opened),
        ("credit", newest(&[graded, records, listed, bans])),
        ("blacklist", listed),
        ("exposure", newest(&[records, listed, bans])),
        ("complaint_outcomes", answered),
        ("inspections", tasks),
        ("fulfilment", contract),
        ("ocds_releases", newest(&[published, opened, contract])),
        (
            "stats",
            newest(&[published, opened, contract, records, answered, tasks]),
        ),
    ];
    Ok(all
        .into_iter()
        .filter_map(|(k, t)| t.map(|t| (k, t)))
        .collect())
}
