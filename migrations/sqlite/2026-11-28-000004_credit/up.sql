-- The credit library (SPEC §2.3): versioned scoring rules, append-only credit records,
-- blacklist, market bans with their persons, alerts, credit repair, and the daily job claim.

-- Scoring rules as data: the point table and grade thresholds, one row per published version.
CREATE TABLE credit_rule_sets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version INTEGER NOT NULL UNIQUE CHECK (version > 0),
    body TEXT NOT NULL,
    note TEXT NOT NULL,
    published_by BIGINT REFERENCES users (id),
    published_at TIMESTAMP NOT NULL
);
INSERT INTO credit_rule_sets (version, body, note, published_by, published_at)
VALUES (1, '{"grade_a":90,"grade_b":75,"grade_c":60,"late_step_percent":10,"points":{"abnormal_operation":-5,"blacklisted":-10,"commendation":2,"false_materials":-20,"false_report":-30,"forfeit":-5,"inspection_failure":-10,"late_delivery":-2,"refused_to_sign":-5,"upheld_complaint":-3},"repair_after_percent":50,"validity_years":3}', '初始评分规则（SPEC §2.3）', NULL, CURRENT_TIMESTAMP);

-- Credit records are never edited or deleted: a mistaken one is revoked by a new record
-- (kind 'revocation' or 'repair') whose revokes_id names it.
CREATE TABLE credit_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    kind TEXT NOT NULL,
    points INTEGER NOT NULL,
    stars_x100 INTEGER CHECK (stars_x100 BETWEEN 100 AND 500),
    source TEXT NOT NULL CHECK (source IN ('regulator', 'public_credit', 'owner_feedback', 'system')),
    evidence TEXT NOT NULL,
    upload_id BIGINT REFERENCES uploads (id),
    legal_basis TEXT NOT NULL,
    department_id BIGINT REFERENCES departments (id),
    recorded_by BIGINT REFERENCES users (id),
    effective_on DATE NOT NULL,
    valid_until DATE NOT NULL,
    revokes_id BIGINT REFERENCES credit_records (id),
    ref_kind TEXT,
    ref_id BIGINT,
    rule_version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (valid_until > effective_on),
    CHECK ((revokes_id IS NULL) = (kind NOT IN ('revocation', 'repair'))),
    CHECK ((stars_x100 IS NULL) = (kind <> 'evaluation'))
);
CREATE INDEX credit_records_agency ON credit_records (agency_id, id);
CREATE INDEX credit_records_expiry ON credit_records (valid_until);
-- A record is revoked at most once; a system record is written once per cause.
CREATE UNIQUE INDEX credit_records_revokes ON credit_records (revokes_id) WHERE revokes_id IS NOT NULL;
CREATE UNIQUE INDEX credit_records_cause ON credit_records (agency_id, kind, ref_kind, ref_id) WHERE ref_id IS NOT NULL;
CREATE TRIGGER credit_records_no_update BEFORE UPDATE ON credit_records
BEGIN SELECT RAISE(ABORT, 'credit_records is append-only'); END;
CREATE TRIGGER credit_records_no_delete BEFORE DELETE ON credit_records
BEGIN SELECT RAISE(ABORT, 'credit_records is append-only'); END;

-- 失信名单: listed from starts_on until ends_on (exclusive), or until ended_on by repair.
CREATE TABLE blacklist_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    department_id BIGINT NOT NULL REFERENCES departments (id),
    reason TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    record_id BIGINT NOT NULL REFERENCES credit_records (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    ended_on DATE,
    end_kind TEXT CHECK (end_kind IN ('repaired')),
    CHECK (ends_on > starts_on),
    CHECK ((ended_on IS NULL) = (end_kind IS NULL))
);
CREATE INDEX blacklist_entries_agency ON blacklist_entries (agency_id, ends_on);
CREATE INDEX blacklist_entries_public ON blacklist_entries (ends_on, id);

-- 禁入: an agency and its senior managers, banned for a period.
CREATE TABLE market_bans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    department_id BIGINT NOT NULL REFERENCES departments (id),
    reason TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK (ends_on > starts_on)
);
CREATE INDEX market_bans_agency ON market_bans (agency_id, ends_on);
CREATE INDEX market_bans_public ON market_bans (ends_on, id);

-- The banned persons: the ID number is kept whole so it can be matched, and only ever shown
-- masked.
CREATE TABLE banned_persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ban_id BIGINT NOT NULL REFERENCES market_bans (id),
    name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (ban_id, id_number)
);
CREATE INDEX banned_persons_id_number ON banned_persons (id_number);

-- A banned person found among an agency's senior managers: shown in the regulator's queue.
CREATE TABLE credit_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    banned_person_id BIGINT NOT NULL REFERENCES banned_persons (id),
    manager_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by BIGINT REFERENCES users (id),
    UNIQUE (agency_id, banned_person_id)
);
CREATE INDEX credit_alerts_queue ON credit_alerts (department_id, resolved_at, id);

-- 信用修复: one application at a time per listing.
CREATE TABLE credit_repairs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    blacklist_id BIGINT NOT NULL REFERENCES blacklist_entries (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    evidence TEXT NOT NULL,
    upload_id BIGINT REFERENCES uploads (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decision_reason TEXT,
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX credit_repairs_agency ON credit_repairs (agency_id, id);
CREATE UNIQUE INDEX credit_repairs_one_pending ON credit_repairs (blacklist_id) WHERE status = 'pending';

-- Periodic jobs: the instance that inserts (name, run_on) first runs that day's job.
CREATE TABLE job_runs (
    name TEXT NOT NULL,
    run_on DATE NOT NULL,
    instance TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    PRIMARY KEY (name, run_on)
);

-- The grade cache gets the score (hundredths) and when it was computed; `sanctioned` caches
-- "listed, banned or with a banned manager today" for lists (eligibility checks query live).
ALTER TABLE agencies ADD COLUMN credit_score INTEGER;
ALTER TABLE agencies ADD COLUMN graded_at TIMESTAMP;
ALTER TABLE agencies ADD COLUMN sanctioned BOOLEAN NOT NULL DEFAULT FALSE;
