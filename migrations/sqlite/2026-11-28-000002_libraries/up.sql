-- The service-item catalogue and the agency library.

CREATE TABLE uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    stored_name TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256 TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX uploads_owner ON uploads (owner_id);

CREATE TABLE catalogue_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    keywords TEXT NOT NULL DEFAULT '',
    industry TEXT NOT NULL,
    approval_name TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    legal_basis TEXT NOT NULL,
    guide_basis TEXT NOT NULL,
    guide_scope TEXT NOT NULL,
    guide_object TEXT NOT NULL,
    guide_content TEXT NOT NULL,
    guide_method TEXT NOT NULL,
    guide_conclusion TEXT NOT NULL,
    time_limit_days INTEGER NOT NULL CHECK (time_limit_days > 0),
    pricing TEXT NOT NULL CHECK (pricing IN ('market', 'guided', 'fixed')),
    price_min_fen BIGINT,
    price_max_fen BIGINT,
    fee_basis TEXT NOT NULL,
    payer TEXT NOT NULL CHECK (payer IN ('enterprise', 'department')),
    self_preparable BOOLEAN NOT NULL,
    regional_assessment BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'retained', 'cancelled')),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (pricing <> 'guided' OR (price_min_fen IS NOT NULL AND price_max_fen IS NOT NULL AND price_min_fen <= price_max_fen)),
    CHECK (pricing <> 'fixed' OR (price_min_fen IS NOT NULL AND price_min_fen = price_max_fen))
);
CREATE INDEX catalogue_items_industry ON catalogue_items (industry, status);
CREATE INDEX catalogue_items_department ON catalogue_items (department_id, status);

CREATE TABLE catalogue_item_quals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL REFERENCES catalogue_items (id) ON DELETE CASCADE,
    qual_type TEXT NOT NULL,
    min_level INTEGER NOT NULL CHECK (min_level BETWEEN 0 AND 3),
    UNIQUE (item_id, qual_type)
);

-- 动态调整: every add, modify and cancel, with the item as it stood afterwards.
CREATE TABLE catalogue_adjustments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL REFERENCES catalogue_items (id),
    version INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('add', 'modify', 'cancel')),
    reason TEXT NOT NULL,
    basis TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (item_id, version)
);
CREATE INDEX catalogue_adjustments_time ON catalogue_adjustments (created_at, id);

-- 区域评估: an item covered for a zone until a date.
CREATE TABLE regional_assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    zone TEXT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES catalogue_items (id),
    title TEXT NOT NULL,
    upload_id BIGINT REFERENCES uploads (id),
    valid_until DATE NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX regional_assessments_item ON regional_assessments (item_id, zone);

CREATE TABLE agencies (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    uscc TEXT NOT NULL UNIQUE,
    legal_rep TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT 'other',
    contact_phone TEXT NOT NULL DEFAULT '',
    affiliated BOOLEAN NOT NULL DEFAULT FALSE,
    affiliated_department_id BIGINT REFERENCES departments (id),
    intro TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'banned', 'deregistered')),
    -- Credit grade cache (the credit library fills it); NULL until then.
    grade TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (affiliated OR affiliated_department_id IS NULL)
);
CREATE INDEX agencies_region ON agencies (region, user_id);
CREATE INDEX agencies_status ON agencies (status, user_id);
CREATE INDEX agencies_name ON agencies (name, user_id);

-- Versioned profile: each change stores the profile as it stood afterwards.
CREATE TABLE agency_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    version INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (agency_id, version)
);

CREATE TABLE agency_managers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    name TEXT NOT NULL,
    id_number TEXT NOT NULL,
    position TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX agency_managers_agency ON agency_managers (agency_id);
CREATE INDEX agency_managers_id_number ON agency_managers (id_number);

CREATE TABLE agency_practitioners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    name TEXT NOT NULL,
    cert_type TEXT NOT NULL,
    cert_number TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX agency_practitioners_agency ON agency_practitioners (agency_id);

CREATE TABLE agency_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    item_id BIGINT NOT NULL REFERENCES catalogue_items (id),
    fee_standard TEXT NOT NULL,
    fee_min_fen BIGINT,
    fee_max_fen BIGINT,
    committed_days INTEGER NOT NULL CHECK (committed_days > 0),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (agency_id, item_id)
);
CREATE INDEX agency_items_item ON agency_items (item_id, agency_id);

CREATE TABLE agency_certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    qual_type TEXT NOT NULL,
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 3),
    number TEXT NOT NULL,
    issuer TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE NOT NULL,
    upload_id BIGINT REFERENCES uploads (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    review_due DATE NOT NULL,
    review_reason TEXT,
    reviewed_by BIGINT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    CHECK (valid_from <= valid_to),
    CHECK (status <> 'rejected' OR review_reason IS NOT NULL)
);
CREATE INDEX agency_certificates_agency ON agency_certificates (agency_id);
CREATE INDEX agency_certificates_queue ON agency_certificates (status, qual_type, review_due);
CREATE INDEX agency_certificates_valid ON agency_certificates (qual_type, status, valid_to, agency_id);

-- Name search: every character and every pair of adjacent characters of an agency's name,
-- so a two-character query such as 环评 is one index lookup (FTS5 trigrams need three).
CREATE TABLE agency_search_grams (
    gram TEXT NOT NULL,
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    PRIMARY KEY (gram, agency_id)
);
CREATE INDEX agency_search_grams_agency ON agency_search_grams (agency_id);
