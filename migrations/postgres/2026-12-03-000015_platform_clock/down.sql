DROP TABLE review_escalations;
DROP TRIGGER platform_clock_guard ON platform_clock;
DROP FUNCTION platform_clock_guard();
DROP TABLE platform_clock;
