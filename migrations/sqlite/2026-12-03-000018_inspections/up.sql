-- 双随机、一公开: each department's pool of law-enforcement inspectors 执法检查人员 (regulator
-- accounts of the department, so a drawn inspector signs in to record results), inspection
-- tasks with the population fixed at publication, the drawn agencies with their inspectors,
-- recusals (回避) and the results. Rules in domain::inspection; writes in inspections::steps.
CREATE TABLE inspectors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    badge_no TEXT NOT NULL,
    -- A removed inspector stays on record: past draws name it.
    active BOOLEAN NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX inspectors_user ON inspectors (user_id);
CREATE INDEX inspectors_department ON inspectors (department_id, active, id);

CREATE TABLE inspection_tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    title TEXT NOT NULL,
    -- Comma-separated scope entries: item:<catalogue item id> or qual:<qualification type>.
    scope TEXT NOT NULL,
    rate_pct INTEGER NOT NULL CHECK (rate_pct BETWEEN 1 AND 100),
    inspectors_per_agency INTEGER NOT NULL CHECK (inspectors_per_agency >= 2),
    window_start DATE NOT NULL,
    window_end DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'drawn', 'completed')),
    population_size INTEGER,
    population_hash TEXT,
    sample_size INTEGER,
    seed_commitment TEXT,
    seed_sealed TEXT,
    seed_revealed TEXT,
    -- domain::draw::Proof of the agency draw (JSON).
    agency_proof TEXT,
    publish_due DATE,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    drawn_at TIMESTAMP,
    CHECK (window_end >= window_start)
);
CREATE INDEX inspection_tasks_department ON inspection_tasks (department_id, id);

-- The agencies in scope on the publication day: the population the draw was made from.
CREATE TABLE inspection_population (
    task_id BIGINT NOT NULL REFERENCES inspection_tasks (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    PRIMARY KEY (task_id, agency_id)
);

-- A drawn agency: its place in the draw, the inspector draw's proof, and its result.
CREATE TABLE inspection_targets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id BIGINT NOT NULL REFERENCES inspection_tasks (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    draw_rank INTEGER NOT NULL,
    inspector_proof TEXT NOT NULL,
    result TEXT CHECK (result IS NULL OR result IN ('clear', 'rectify', 'penalty')),
    findings TEXT NOT NULL,
    rectify_by DATE,
    penalty TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users (id),
    recorded_at TIMESTAMP,
    credit_record_id BIGINT REFERENCES credit_records (id),
    UNIQUE (task_id, agency_id)
);
CREATE INDEX inspection_targets_agency ON inspection_targets (agency_id, id);

-- An inspector drawn for a target; a recusal (回避) keeps the row and names its replacement.
CREATE TABLE inspection_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target_id BIGINT NOT NULL REFERENCES inspection_targets (id),
    inspector_id BIGINT NOT NULL REFERENCES inspectors (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- Position in the target's inspector draw order (0 first).
    draw_pos INTEGER NOT NULL,
    recused_reason TEXT,
    recused_at TIMESTAMP,
    replaced_by BIGINT REFERENCES inspection_assignments (id),
    UNIQUE (target_id, inspector_id)
);
CREATE INDEX inspection_assignments_user ON inspection_assignments (user_id, target_id);
