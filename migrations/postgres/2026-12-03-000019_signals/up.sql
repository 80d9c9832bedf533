-- The exposure record (/exposure) pages each source newest first by its date and id, with
-- or without a department; the records source reads two kinds, or the serious deductions.
CREATE INDEX blacklist_entries_exposure ON blacklist_entries (starts_on, id);
CREATE INDEX blacklist_entries_exposure_dept ON blacklist_entries (department_id, starts_on, id);
CREATE INDEX market_bans_exposure ON market_bans (starts_on, id);
CREATE INDEX market_bans_exposure_dept ON market_bans (department_id, starts_on, id);
CREATE INDEX credit_records_exposure ON credit_records (kind, effective_on, id);
CREATE INDEX credit_records_points ON credit_records (points, effective_on);
-- The signals: awards and contracts of the last two years.
CREATE INDEX awards_confirmed ON awards (confirmed_at);
CREATE INDEX contracts_created ON contracts (created_at);
