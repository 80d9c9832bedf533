DROP INDEX agencies_graded_at;
DROP INDEX agencies_credit_region;
DROP INDEX agencies_credit_list;
