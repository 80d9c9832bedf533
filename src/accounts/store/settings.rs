//! Settings an administrator changes at run time. They live in the database so every
//! instance sees the same value; a missing row means the default below.

use crate::db::OneRow;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::settings;

/// (key, default, min, max). Each is a whole number; the admin page shows them all.
pub const KNOWN: &[(&str, i64, i64, i64)] = &[
    ("session_idle_minutes", 30, 5, 24 * 60),
    ("session_absolute_hours", 12, 1, 24 * 7),
    ("email_token_hours", 48, 1, 24 * 14),
    ("reset_token_minutes", 60, 10, 24 * 60),
    ("mail_max_attempts", 8, 1, 50),
    ("upload_max_mib", 10, 1, 100),
    ("cert_review_working_days", 2, 1, 30),
    ("collusion_address_minutes", 10, 1, 24 * 60),
    ("contract_sign_working_days", 5, 1, 30),
    // Payment is late after this many working days from acceptance (domain::fulfilment).
    ("payment_due_working_days", 30, 1, 250),
    // Supervision (issue 15): a credit record of at least this many points off is a serious
    // deduction on the exposure record; a winning price at this % of the item's median or
    // more, with at least this many awards to compare, is a signal; an owner with this many
    // lapses or late payments is a signal (domain::exposure, domain::signals).
    ("exposure_min_deduction", 10, 1, 100),
    ("signal_price_over_median_pct", 150, 101, 1000),
    ("signal_min_awards", 3, 2, 100),
    ("signal_owner_repeat", 2, 1, 50),
    // Complaints 投诉举报 (domain::complaints): deadlines in working days, daily limits per
    // account and per address, the visitor's confirmation link lifetime in hours.
    ("complaint_ack_days", 1, 1, 30),
    ("complaint_answer_days", 7, 1, 60),
    ("complaint_review_days", 5, 1, 30),
    ("complaint_daily_per_account", 5, 1, 100),
    ("complaint_daily_per_address", 10, 1, 1000),
    ("complaint_visitor_link_hours", 24, 1, 168),
    // 采购限额标准 in fen (¥1,000,000 by default): a fiscal-funded announcement's cap must stay
    // below it (domain::publication rule 11).
    (
        "procurement_threshold",
        100_000_000,
        1_000_000,
        100_000_000_000,
    ),
    // 双随机、一公开 (domain::inspection): the lowest sampling rate of a task in percent, and
    // the working days after the inspection window within which results are published.
    ("inspection_min_rate_pct", 5, 1, 100),
    ("inspection_publish_days", 20, 1, 250),
];

#[derive(Clone, Debug)]
pub struct Settings {
    values: Vec<(String, i64)>,
}

impl Settings {
    pub fn get(&self, key: &str) -> i64 {
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .or_else(|| KNOWN.iter().find(|k| k.0 == key).map(|k| k.1))
            .unwrap_or(0)
    }
    pub fn session_idle(&self) -> chrono::Duration {
        chrono::Duration::minutes(self.get("session_idle_minutes"))
    }
    pub fn session_absolute(&self) -> chrono::Duration {
        chrono::Duration::hours(self.get("session_absolute_hours"))
    }
}

pub fn load(conn: &mut DbConnection) -> QueryResult<Settings> {
    let rows: Vec<(String, String)> = settings::table
        .select((settings::key, settings::value))
        .load(conn)?;
    let values = KNOWN
        .iter()
        .map(|(k, d, min, max)| {
            let v = rows
                .iter()
                .find(|(rk, _)| rk == k)
                .and_then(|(_, v)| v.parse::<i64>().ok())
                .filter(|v| v >= min && v <= max)
                .unwrap_or(*d);
            (k.to_string(), v)
        })
        .collect();
    Ok(Settings { values })
}

/// The text setting that holds the OCDS ocid prefix (`domain::ocds`): the prefix the
/// platform registered with the OCDS help desk. Unset or invalid means the placeholder
/// `domain::ocds::PLACEHOLDER_PREFIX`.
pub const OCID_PREFIX: &str = "ocds_ocid_prefix";

/// The ocid prefix in force.
pub fn ocid_prefix(conn: &mut DbConnection) -> QueryResult<String> {
    let v: Option<String> = settings::table
        .find(OCID_PREFIX)
        .select(settings::value)
        .one(conn)?;
    Ok(v.filter(|p| crate::domain::ocds::valid_prefix(p))
        .unwrap_or_else(|| crate::domain::ocds::PLACEHOLDER_PREFIX.to_owned()))
}

/// Stores one value (the caller validates range and writes the audit entry).
pub fn set(conn: &mut DbConnection, key: &str, value: i64, by: i64) -> QueryResult<()> {
    set_text(conn, key, &value.to_string(), by)
}

/// Stores one value as text (the caller validates it and writes the audit entry).
pub fn set_text(conn: &mut DbConnection, key: &str, value: &str, by: i64) -> QueryResult<()> {
    let now = crate::db::now();
    let n = diesel::update(settings::table.find(key))
        .set((
            settings::value.eq(value),
            settings::updated_at.eq(now),
            settings::updated_by.eq(Some(by)),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(settings::table)
            .values((
                settings::key.eq(key),
                settings::value.eq(value),
                settings::updated_at.eq(now),
                settings::updated_by.eq(Some(by)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The settings as this instance read them less than [`Recent::WINDOW`] ago: the session check
/// of every signed-in request needs the two session timeouts, and reading all settings for it
/// was one of the statements of every page. A change made on any instance reaches this one
/// within the window; steps still read the settings inside their own transactions.
#[derive(Default)]
pub struct Recent(std::sync::Mutex<Option<(std::time::Instant, Settings)>>);

impl Recent {
    pub const WINDOW: std::time::Duration = std::time::Duration::from_secs(1);

    /// The reading of the last window, if there is one (no database at hand).
    pub fn recent(&self) -> Option<Settings> {
        let g = self.0.lock().ok()?;
        g.as_ref()
            .filter(|(at, _)| at.elapsed() < Self::WINDOW)
            .map(|(_, s)| s.clone())
    }

    /// The recent reading, or a fresh one from `conn` (kept for the next requests).
    pub fn get_or_load(&self, conn: &mut DbConnection) -> QueryResult<Settings> {
        let now = std::time::Instant::now();
        if let Ok(g) = self.0.lock()
            && let Some((at, s)) = g.as_ref()
            && now.duration_since(*at) < Self::WINDOW
        {
            return Ok(s.clone());
        }
        let s = load(conn)?;
        if let Ok(mut g) = self.0.lock() {
            *g = Some((now, s.clone()));
        }
        Ok(s)
    }
}
