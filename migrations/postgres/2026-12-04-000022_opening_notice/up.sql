-- The participants of an opening are told in a transaction of their own, right after the
-- opening commits (a thousand mails are not written while the opening holds the
-- announcement); `told_at` is set by that transaction, so a crash in between leaves the
-- notice to the background job. Openings made before this column were told at once.
ALTER TABLE announcement_results ADD COLUMN told_at TIMESTAMP;
UPDATE announcement_results SET told_at = opened_at;
CREATE INDEX announcement_results_untold ON announcement_results (announcement_id)
    WHERE told_at IS NULL;
