DROP TABLE review_escalations;
DROP TRIGGER platform_clock_kept;
DROP TRIGGER platform_clock_forward;
DROP TRIGGER platform_clock_unflag;
DROP TRIGGER platform_clock_flag;
DROP TABLE platform_clock;
