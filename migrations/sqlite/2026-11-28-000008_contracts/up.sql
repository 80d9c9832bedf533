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
    model_text_version_id BIGINT NOT NULL,
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
