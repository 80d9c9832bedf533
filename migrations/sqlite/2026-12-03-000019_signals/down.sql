DROP INDEX contracts_created;
DROP INDEX awards_confirmed;
DROP INDEX credit_records_points;
DROP INDEX credit_records_exposure;
DROP INDEX market_bans_exposure_dept;
DROP INDEX market_bans_exposure;
DROP INDEX blacklist_entries_exposure_dept;
DROP INDEX blacklist_entries_exposure;
