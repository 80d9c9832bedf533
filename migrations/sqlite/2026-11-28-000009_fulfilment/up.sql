-- Fulfilment and evaluation (SPEC §4 and §5, issue 6 items 4-6). The service timer itself
-- lives on `contracts` (signed_at → accepted_at); these tables hold what happens in between.
-- Status vocabulary in models::fulfilment; rules in domain::fulfilment / domain::evaluation.

-- A deliverable the agency uploaded; the owner accepts or returns it (with reasons).
CREATE TABLE contract_deliverables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    upload_id BIGINT NOT NULL REFERENCES uploads (id),
    note TEXT NOT NULL,
    submitted_by BIGINT NOT NULL REFERENCES users (id),
    submitted_at TIMESTAMP NOT NULL,
    decision TEXT CHECK (decision IS NULL OR decision IN ('accepted', 'returned')),
    reason TEXT,
    decided_at TIMESTAMP
);
CREATE INDEX contract_deliverables_contract ON contract_deliverables (contract_id, id);
-- At most one deliverable waits for the owner's decision (the backstop of `submit`'s check).
CREATE UNIQUE INDEX contract_deliverables_pending ON contract_deliverables (contract_id) WHERE decision IS NULL;

-- Amendments: a time extension (working days) or a new price, proposed by one party and
-- effective once both signed. The new price is checked against the contract's limit.
CREATE TABLE contract_amendments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    kind TEXT NOT NULL CHECK (kind IN ('extension', 'price')),
    extra_days INTEGER CHECK (extra_days IS NULL OR extra_days > 0),
    new_price_fen BIGINT CHECK (new_price_fen IS NULL OR new_price_fen > 0),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'effective', 'declined')),
    proposed_by BIGINT NOT NULL REFERENCES users (id),
    proposed_at TIMESTAMP NOT NULL,
    owner_signed_at TIMESTAMP,
    agency_signed_at TIMESTAMP,
    decided_at TIMESTAMP
);
CREATE INDEX contract_amendments_contract ON contract_amendments (contract_id, id);

-- Payments the owner recorded.
CREATE TABLE contract_payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    paid_on DATE NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX contract_payments_contract ON contract_payments (contract_id, id);

-- Reminder mails sent, one per contract and kind: the job may run on several instances.
CREATE TABLE contract_reminders (
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    kind TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (contract_id, kind)
);

-- 好差评: one rating per contract and rater kind (the owner; the approval department).
CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id BIGINT NOT NULL REFERENCES contracts (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    rater_kind TEXT NOT NULL CHECK (rater_kind IN ('owner', 'department')),
    rater_id BIGINT NOT NULL REFERENCES users (id),
    quality INTEGER NOT NULL CHECK (quality BETWEEN 1 AND 5),
    timeliness INTEGER NOT NULL CHECK (timeliness BETWEEN 1 AND 5),
    attitude INTEGER NOT NULL CHECK (attitude BETWEEN 1 AND 5),
    fees INTEGER NOT NULL CHECK (fees BETWEEN 1 AND 5),
    conduct INTEGER NOT NULL CHECK (conduct BETWEEN 1 AND 5),
    comment TEXT NOT NULL,
    rated_at TIMESTAMP NOT NULL,
    revised_at TIMESTAMP,
    credit_record_id BIGINT,
    reply TEXT,
    replied_at TIMESTAMP,
    appeal TEXT,
    appealed_at TIMESTAMP,
    appeal_decision TEXT CHECK (appeal_decision IS NULL OR appeal_decision IN ('upheld', 'dismissed')),
    appeal_answer TEXT,
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    UNIQUE (contract_id, rater_kind)
);
CREATE INDEX evaluations_agency ON evaluations (agency_id, id);
