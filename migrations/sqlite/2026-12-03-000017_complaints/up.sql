-- Complaints 投诉举报 (src/complaints/, rules in src/domain/complaints.rs). A complaint is
-- against an agency, an announcement, a contract, an owner or a department; it is handled by
-- one department (transfers recorded in complaint_events) and never shows the complainant's
-- identity to the respondent. A visitor's complaint waits in complaint_pending until the
-- mailed link is opened; its status page is reached by a secret link (access_hash).
CREATE TABLE complaints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tracking_no TEXT NOT NULL UNIQUE,
    respondent_kind TEXT NOT NULL,
    respondent_id BIGINT NOT NULL,
    respondent_user_id BIGINT REFERENCES users (id),
    respondent_name TEXT NOT NULL,
    grounds TEXT NOT NULL,
    facts TEXT NOT NULL,
    request TEXT NOT NULL,
    complainant_id BIGINT REFERENCES users (id),
    visitor_name TEXT,
    visitor_email TEXT,
    visitor_phone TEXT,
    access_hash TEXT UNIQUE,
    filed_ip TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    state TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    ack_due DATE NOT NULL,
    answer_due DATE,
    review_due DATE,
    duplicate_of BIGINT REFERENCES complaints (id),
    credit_record_id BIGINT REFERENCES credit_records (id),
    reminded_on DATE,
    CHECK (complainant_id IS NOT NULL OR visitor_email IS NOT NULL)
);
CREATE INDEX complaints_department ON complaints (department_id, state);
CREATE INDEX complaints_complainant ON complaints (complainant_id);
CREATE INDEX complaints_respondent ON complaints (respondent_user_id);
CREATE INDEX complaints_filed ON complaints (filed_at);

-- What was decided on a complaint (one row per complaint, written with it): acceptance,
-- extension, answer, review, the respondent's statement. Kept apart from `complaints` so
-- each table stays within diesel's 32 columns.
CREATE TABLE complaint_decisions (
    complaint_id BIGINT PRIMARY KEY REFERENCES complaints (id),
    decided_at TIMESTAMP,
    decided_by BIGINT REFERENCES users (id),
    not_accepted_reason TEXT,
    extension_reason TEXT,
    outcome TEXT,
    outcome_reasons TEXT,
    answered_at TIMESTAMP,
    answered_by BIGINT REFERENCES users (id),
    review_reason TEXT,
    review_requested_at TIMESTAMP,
    review_outcome TEXT,
    review_reasons TEXT,
    reviewed_at TIMESTAMP,
    reviewed_by BIGINT REFERENCES users (id),
    respondent_answer TEXT,
    respondent_answered_at TIMESTAMP
);

CREATE TABLE complaint_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    kind TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    from_department_id BIGINT REFERENCES departments (id),
    to_department_id BIGINT REFERENCES departments (id),
    note TEXT NOT NULL
);
CREATE INDEX complaint_events_complaint ON complaint_events (complaint_id);

CREATE TABLE complaint_evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    stored_name TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    added_at TIMESTAMP NOT NULL
);
CREATE INDEX complaint_evidence_complaint ON complaint_evidence (complaint_id);

CREATE TABLE complaint_pending (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    filed_ip TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    complaint_id BIGINT REFERENCES complaints (id)
);
CREATE INDEX complaint_pending_ip ON complaint_pending (filed_ip, created_at);
