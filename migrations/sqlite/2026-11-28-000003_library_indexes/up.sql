-- Keyset pagination of the public agency library (models/library.rs): one index per sort
-- order, with and without the region filter, so a page at any depth is an index range.
-- The grade sort key is COALESCE(grade, 'Z') (ungraded last); queries use the same expression.
CREATE INDEX agencies_list_grade ON agencies (status, (COALESCE(grade, 'Z')), name, user_id);
CREATE INDEX agencies_region_grade ON agencies (region, status, (COALESCE(grade, 'Z')), name, user_id);
CREATE INDEX agencies_region_name ON agencies (region, name, user_id);
CREATE INDEX agencies_status_name ON agencies (status, name, user_id);
