-- The public credit list (/credit, models::credit::list): one grade at a time, best score
-- first, keyset on (credit_score, user_id) descending; with and without the region filter.
CREATE INDEX agencies_credit_list ON agencies (status, grade, credit_score, user_id);
CREATE INDEX agencies_credit_region ON agencies (region, status, grade, credit_score, user_id);
-- The credit job (jobs.rs) finds agencies never graded or graded before the current rules.
CREATE INDEX agencies_graded_at ON agencies (graded_at);
