-- An announcement's page looks for the round that re-ran it (`previous_id`): without an index
-- that was a scan of every announcement on each view of a result.
CREATE INDEX announcements_previous ON announcements (previous_id) WHERE previous_id IS NOT NULL;
