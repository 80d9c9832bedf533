-- Rules the policy (附件4) sets on publication: the department that commissions and pays for a
-- service as the owner ((五)), the 20% faster service time limit and its reasons ((九)), the
-- owner's own preparation of a self-preparable item ((九)), the special/major declaration when
-- a regional assessment covers the item ((十)). The rules are domain::publication; the
-- procurement threshold ((十一)) is a setting (models::settings).

-- The approval department that commissions the project's services and pays for them from its
-- budget; its staff act as the owner. NULL: an enterprise or unit owner.
ALTER TABLE projects ADD COLUMN department_id BIGINT REFERENCES departments (id);
CREATE INDEX projects_department ON projects (department_id, id) WHERE department_id IS NOT NULL;

-- Copied from the project, like owner_id, so every owner-side check reads it from the row.
ALTER TABLE announcements ADD COLUMN owner_department_id BIGINT REFERENCES departments (id);
-- Why the service time limit is longer than 80% of the statutory limit. Publication and every
-- change clear it when the limit is within that target, so a published announcement with a
-- reason is one the figures count as slower than the 20%-faster target.
ALTER TABLE announcements ADD COLUMN time_limit_reason TEXT NOT NULL DEFAULT '';
-- The owner's declaration that the project is a special or a major one, with its reason, when
-- a regional assessment covers the item in the project's zone (cleared at publication when
-- none does; the page names the assessment in force on the publication day).
ALTER TABLE announcements ADD COLUMN regional_exception TEXT NOT NULL DEFAULT '' CHECK (regional_exception IN ('', 'special', 'major'));
ALTER TABLE announcements ADD COLUMN regional_exception_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX announcements_owner_department ON announcements (owner_department_id, id) WHERE owner_department_id IS NOT NULL;

ALTER TABLE contracts ADD COLUMN owner_department_id BIGINT REFERENCES departments (id);
CREATE INDEX contracts_owner_department ON contracts (owner_department_id, id) WHERE owner_department_id IS NOT NULL;

-- 自行编制: the owner prepares a self-preparable item itself instead of commissioning it. A
-- withdrawn declaration stays on record.
CREATE TABLE self_preparations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    item_id BIGINT NOT NULL REFERENCES catalogue_items (id),
    note TEXT NOT NULL,
    declared_by BIGINT NOT NULL REFERENCES users (id),
    declared_at TIMESTAMP NOT NULL,
    withdrawn_by BIGINT REFERENCES users (id),
    withdrawn_at TIMESTAMP,
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
-- One standing declaration per project and item.
CREATE UNIQUE INDEX self_preparations_standing ON self_preparations (project_id, item_id) WHERE withdrawn_at IS NULL;
CREATE INDEX self_preparations_item ON self_preparations (item_id, id);
