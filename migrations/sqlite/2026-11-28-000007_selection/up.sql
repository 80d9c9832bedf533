-- Selection (SPEC §3, §6): projects, announcements, registrations, sealed quotes, objections
-- and awards. Rules live in domain::selection / eligibility / draw / seal / fairness; these
-- constraints are the last line: one quote and one registration per agency and announcement,
-- one award per announcement, and no amount in clear before opening.

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL CHECK (length(name) > 0),
    code TEXT NOT NULL CHECK (length(code) > 0),
    region TEXT NOT NULL,
    fiscal_funds BOOLEAN NOT NULL,
    total_investment_fen BIGINT NOT NULL CHECK (total_investment_fen >= 0),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX projects_owner ON projects (owner_id, id);

CREATE TABLE announcements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    owner_id BIGINT NOT NULL REFERENCES users (id),
    item_id BIGINT NOT NULL REFERENCES catalogue_items (id),
    -- Re-publication after 流标 or an upheld objection: the round before, and how many rounds
    -- failed before this one (domain::selection::tally).
    previous_id BIGINT REFERENCES announcements (id),
    round INTEGER NOT NULL DEFAULT 1 CHECK (round >= 1),
    earlier_failures INTEGER NOT NULL DEFAULT 0 CHECK (earlier_failures >= 0),
    scope TEXT NOT NULL,
    time_limit_days INTEGER NOT NULL CHECK (time_limit_days > 0),
    cap_fen BIGINT CHECK (cap_fen IS NULL OR cap_fen > 0),
    mode TEXT NOT NULL CHECK (mode IN ('direct', 'random_draw', 'lowest_price', 'reasonable_price', 'weighted_scoring')),
    -- UTC.
    deadline TIMESTAMP NOT NULL,
    -- The bar is "no bar" or "not D" (domain::eligibility::valid_grade_bar).
    min_grade TEXT CHECK (min_grade IS NULL OR min_grade = 'C'),
    complaint_phone TEXT NOT NULL,
    witness TEXT NOT NULL DEFAULT '',
    weight_price INTEGER,
    weight_credit INTEGER,
    weight_qual INTEGER,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'choosing', 'justifying', 'publicity', 'failed', 'awarded', 'cancelled', 'annulled')),
    -- Bumped by every material edit after publication; quotes made against an older version
    -- do not count until their agency re-confirms.
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- The draw seed: sealed under the sealing key until the draw (never in clear before),
    -- its SHA-256 shown from publication, revealed at the draw.
    seed_sealed TEXT,
    seed_commitment TEXT,
    published_at TIMESTAMP,
    cancel_reason TEXT,
    cancelled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (status = 'draft' OR (seed_commitment IS NOT NULL AND published_at IS NOT NULL)),
    CHECK (mode NOT IN ('lowest_price', 'reasonable_price', 'weighted_scoring') OR cap_fen IS NOT NULL),
    CHECK (status <> 'cancelled' OR (cancel_reason IS NOT NULL AND length(cancel_reason) > 0))
);
CREATE INDEX announcements_due ON announcements (status, deadline);
CREATE INDEX announcements_owner ON announcements (owner_id, id);
CREATE INDEX announcements_item ON announcements (item_id, status);
CREATE INDEX announcements_public ON announcements (published_at, id);

-- What the opening step decided, one row per announcement (the primary key makes a second
-- opening impossible). Forfeits move `winner_rank` on along the outcome's ranking.
CREATE TABLE announcement_results (
    announcement_id BIGINT PRIMARY KEY NOT NULL REFERENCES announcements (id),
    opened_at TIMESTAMP NOT NULL,
    opened_by TEXT NOT NULL,
    seed_revealed TEXT NOT NULL,
    -- domain::selection::Outcome as JSON (NULL while the owner still has to choose, or
    -- abnormally low quotes still have to be justified).
    outcome TEXT,
    winner_id BIGINT REFERENCES agencies (user_id),
    winner_amount_fen BIGINT,
    winner_rank INTEGER,
    justify_by DATE,
    publicity_ends DATE,
    confirm_by DATE
);

CREATE TABLE announcement_avoided (
    announcement_id BIGINT NOT NULL REFERENCES announcements (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    PRIMARY KEY (announcement_id, agency_id)
);

CREATE TABLE registrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    announcement_id BIGINT NOT NULL REFERENCES announcements (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (announcement_id, agency_id)
);
CREATE INDEX registrations_agency ON registrations (agency_id, announcement_id);

-- One row per agency and announcement, revised in place; every submission is also a receipt.
-- `sealed` is hex(nonce ‖ XChaCha20-Poly1305 ciphertext) of the amount, nonce and note; the
-- clear columns stay NULL until the opening step writes them.
CREATE TABLE quotes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    announcement_id BIGINT NOT NULL REFERENCES announcements (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    status TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
    sealed TEXT NOT NULL,
    commitment TEXT NOT NULL CHECK (length(commitment) = 64),
    announcement_version INTEGER NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    submitted_at TIMESTAMP NOT NULL,
    client_addr TEXT NOT NULL DEFAULT '',
    amount_fen BIGINT,
    nonce TEXT,
    note TEXT,
    low_flag BOOLEAN NOT NULL DEFAULT FALSE,
    justification TEXT,
    justified_at TIMESTAMP,
    justification_ok BOOLEAN,
    UNIQUE (announcement_id, agency_id)
);
CREATE INDEX quotes_agency ON quotes (agency_id, announcement_id);

CREATE TABLE quote_receipts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    announcement_id BIGINT NOT NULL REFERENCES announcements (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    kind TEXT NOT NULL CHECK (kind IN ('submitted', 'revised', 'withdrawn', 'reconfirmed')),
    commitment TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX quote_receipts_agency ON quote_receipts (agency_id, announcement_id, id);

CREATE TABLE objections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    announcement_id BIGINT NOT NULL REFERENCES announcements (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    grounds TEXT NOT NULL CHECK (length(grounds) > 0),
    filed_at TIMESTAMP NOT NULL,
    answer_due DATE NOT NULL,
    answer TEXT,
    upheld BOOLEAN,
    answered_at TIMESTAMP,
    answered_by BIGINT REFERENCES users (id),
    CHECK ((answer IS NULL) = (answered_at IS NULL)),
    CHECK ((answer IS NULL) = (upheld IS NULL))
);
CREATE INDEX objections_announcement ON objections (announcement_id, id);
CREATE INDEX objections_open ON objections (answered_at, answer_due);

-- Exactly one award per announcement: the primary key is the guard.
CREATE TABLE awards (
    announcement_id BIGINT PRIMARY KEY NOT NULL REFERENCES announcements (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    amount_fen BIGINT,
    confirmed_at TIMESTAMP NOT NULL,
    confirmed_by BIGINT NOT NULL REFERENCES users (id)
);
