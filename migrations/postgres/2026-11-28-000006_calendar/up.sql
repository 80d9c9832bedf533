-- The working-day calendar kept by the administrator (/admin/calendar): the days that differ
-- from "Monday to Friday worked, Saturday and Sunday off". Read by models::calendar into
-- domain::workdays::Calendar for every deadline counted in working days.
CREATE TABLE calendar_days (
    day DATE PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK (kind IN ('holiday', 'workday')),
    -- A holiday takes a weekday off; a make-up day puts a Saturday or Sunday to work.
    CHECK ((kind = 'holiday') = (EXTRACT(ISODOW FROM day) < 6))
);

-- 2026, from 国务院办公厅关于2026年部分节假日安排的通知 (the State Council General Office's
-- notice on the 2026 holiday arrangements, dated 2025-11-04, full text released by Xinhua
-- the same day, e.g. politics.gmw.cn/2025-11/04/content_38391083.htm). Only the days that
-- change something are stored: the weekdays off and the weekends worked; the Saturdays and
-- Sundays inside a holiday (e.g. 3 Jan, 4 Apr) are off anyway.
--   元旦 1–3 Jan, 4 Jan (Sun) worked; 春节 15–23 Feb, 14 Feb (Sat) and 28 Feb (Sat) worked;
--   清明节 4–6 Apr; 劳动节 1–5 May, 9 May (Sat) worked; 端午节 19–21 Jun; 中秋节 25–27 Sep;
--   国庆节 1–7 Oct, 20 Sep (Sun) and 10 Oct (Sat) worked.
-- created_by is empty: the rows come from the notice, not from an administrator.
INSERT INTO calendar_days (day, kind, name, created_by, created_at) VALUES
    ('2026-01-01', 'holiday', '元旦', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-01-02', 'holiday', '元旦', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-01-04', 'workday', '元旦调休', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-02-14', 'workday', '春节调休', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-02-16', 'holiday', '春节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-02-17', 'holiday', '春节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-02-18', 'holiday', '春节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-02-19', 'holiday', '春节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-02-20', 'holiday', '春节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-02-23', 'holiday', '春节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-02-28', 'workday', '春节调休', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-04-06', 'holiday', '清明节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-05-01', 'holiday', '劳动节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-05-04', 'holiday', '劳动节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-05-05', 'holiday', '劳动节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-05-09', 'workday', '劳动节调休', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-06-19', 'holiday', '端午节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-09-20', 'workday', '国庆节调休', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-09-25', 'holiday', '中秋节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-10-01', 'holiday', '国庆节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-10-02', 'holiday', '国庆节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-10-05', 'holiday', '国庆节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-10-06', 'holiday', '国庆节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-10-07', 'holiday', '国庆节', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6)),
    ('2026-10-10', 'workday', '国庆节调休', NULL, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::TIMESTAMP(6));
