DROP INDEX announcement_results_untold;
ALTER TABLE announcement_results DROP COLUMN told_at;
