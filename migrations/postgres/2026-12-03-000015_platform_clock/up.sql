-- The platform clock (src/clock.rs). One row. A database created by `zhongjie demo` is flagged
-- a demo/training database at creation (demo, flagged_at) and its administrator may then move
-- its clock forward at /admin/clock: every instance adds offset_seconds to the system clock
-- for every deadline, job and timer. A production database keeps demo = FALSE and offset 0:
-- the trigger refuses to flag a database that already has accounts, to unflag one, to move a
-- clock backwards, and to remove the row.
CREATE TABLE platform_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    demo BOOLEAN NOT NULL,
    offset_seconds BIGINT NOT NULL CHECK (offset_seconds >= 0),
    flagged_at TIMESTAMP,
    moved_at TIMESTAMP,
    moved_by BIGINT REFERENCES users (id),
    CHECK (demo OR offset_seconds = 0)
);
INSERT INTO platform_clock (id, demo, offset_seconds) VALUES (1, FALSE, 0);
CREATE FUNCTION platform_clock_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the platform clock row is kept';
    END IF;
    IF NEW.demo AND NOT OLD.demo AND EXISTS (SELECT 1 FROM users) THEN
        RAISE EXCEPTION 'only a new database without accounts becomes a demo database';
    END IF;
    IF OLD.demo AND NOT NEW.demo THEN
        RAISE EXCEPTION 'a demo database stays one';
    END IF;
    IF NEW.offset_seconds < OLD.offset_seconds THEN
        RAISE EXCEPTION 'the platform clock never moves backwards';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER platform_clock_guard BEFORE UPDATE OR DELETE ON platform_clock
FOR EACH ROW EXECUTE FUNCTION platform_clock_guard();

-- Certificate reviews past their due day, escalated once each to the reviewing department's
-- regulators (src/jobs.rs, models::review::escalate_overdue) and listed for the
-- administrator at /admin/reviews/overdue.
CREATE TABLE review_escalations (
    certificate_id BIGINT PRIMARY KEY REFERENCES agency_certificates (id),
    department_id BIGINT NOT NULL REFERENCES departments (id),
    review_due DATE NOT NULL,
    recipients INTEGER NOT NULL CHECK (recipients >= 0),
    escalated_at TIMESTAMP NOT NULL
);
CREATE INDEX review_escalations_department ON review_escalations (department_id, review_due);
