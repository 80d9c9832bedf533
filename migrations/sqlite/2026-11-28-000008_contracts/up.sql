-- Model contract texts 合同示范文本 (SPEC §4): one text per industry and title, kept in
-- versions. A published version is immutable (trigger below); an edit makes a new draft
-- version. Status vocabulary in models::model_text::status. Body syntax in
-- domain::contract_text.

CREATE TABLE model_texts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    industry TEXT NOT NULL,
    title TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX model_texts_industry ON model_texts (industry, id);

CREATE TABLE model_text_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model_text_id BIGINT NOT NULL REFERENCES model_texts (id),
    version INTEGER NOT NULL CHECK (version > 0),
    body TEXT NOT NULL,
    note TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    created_by BIGINT REFERENCES users (id),
    published_at TIMESTAMP,
    published_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (model_text_id, version)
);
CREATE INDEX model_text_versions_published ON model_text_versions (status, published_at);
CREATE TRIGGER model_text_versions_frozen BEFORE UPDATE ON model_text_versions
WHEN OLD.status = 'published'
BEGIN
    SELECT RAISE(ABORT, 'a published model text version is immutable');
END;
CREATE TRIGGER model_text_versions_kept BEFORE DELETE ON model_text_versions
WHEN OLD.status = 'published'
BEGIN
    SELECT RAISE(ABORT, 'a published model text version is immutable');
END;

-- Contracts (SPEC §4). One contract per awarded announcement, drafted from a model text.
-- The price can never exceed the limit: the winning quote, or the announcement's cap where
-- the mode took no quotes (direct selection). The service timer runs from `signed_at` (both
-- parties signed the same text) to `accepted_at` (the owner accepted the deliverable).
-- Status vocabulary in models::contract::status.

CREATE TABLE contracts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    announcement_id BIGINT NOT NULL UNIQUE REFERENCES announcements (id),
    owner_id BIGINT NOT NULL REFERENCES users (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    item_id BIGINT NOT NULL REFERENCES catalogue_items (id),
    model_text_version_id BIGINT NOT NULL REFERENCES model_text_versions (id),
    price_limit_fen BIGINT NOT NULL CHECK (price_limit_fen > 0),
    price_fen BIGINT NOT NULL CHECK (price_fen > 0 AND price_fen <= price_limit_fen),
    time_limit_days INTEGER NOT NULL CHECK (time_limit_days > 0),
    status TEXT NOT NULL,
    sign_by DATE NOT NULL,
    signed_at TIMESTAMP,
    accepted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX contracts_owner ON contracts (owner_id, id);
CREATE INDEX contracts_agency ON contracts (agency_id, id);
CREATE INDEX contracts_status ON contracts (status, sign_by);

-- The owner's fill-in values (JSON object: party names, scope, deliverables, payment
-- schedule, dispute venue; price and time limit live on `contracts`), the supplementary
-- clauses 补充条款 (shown apart, flagged to the regulator), and the revision: every change
-- bumps it, and only signatures of the current revision count (a change voids them).
CREATE TABLE contract_terms (
    contract_id BIGINT PRIMARY KEY REFERENCES contracts (id),
    fields TEXT NOT NULL,
    supplementary TEXT NOT NULL,
    revision INTEGER NOT NULL CHECK (revision > 0),
    reminded_on DATE,
    updated_at TIMESTAMP NOT NULL
);

-- One signature per party and revision: who, when, and the SHA-256 of the exact rendered
-- text the signer read.
CREATE TABLE contract_signatures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    party TEXT NOT NULL CHECK (party IN ('owner', 'agency')),
    signer_id BIGINT NOT NULL REFERENCES users (id),
    revision INTEGER NOT NULL,
    digest TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    UNIQUE (contract_id, party, revision)
);
