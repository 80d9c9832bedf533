-- Which key seals this database's quotes and draw seeds: the key's fingerprint
-- (domain::seal::key_fingerprint, never the key). Start-up refuses a missing or different key
-- once anything is sealed, instead of silently making a new key that opens nothing.
-- One row at most.
CREATE TABLE sealing_key (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    fingerprint TEXT NOT NULL CHECK (length(fingerprint) = 64),
    recorded_at TIMESTAMP NOT NULL
);

-- Every item an agency has offered, kept after it withdraws the item: a department's reach
-- over an agency (models::credit::domain_departments) rests on history the agency cannot
-- erase by editing its profile. Kept by triggers on agency_items, so every way an offer is
-- made or withdrawn is recorded; rows are never deleted and an end is set once.
CREATE TABLE agency_offer_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id BIGINT NOT NULL REFERENCES agencies (user_id),
    item_id BIGINT NOT NULL REFERENCES catalogue_items (id),
    offered_from TIMESTAMP NOT NULL,
    -- UTC; NULL while the item is offered.
    offered_until TIMESTAMP
);
CREATE INDEX agency_offer_history_agency ON agency_offer_history (agency_id, item_id);
INSERT INTO agency_offer_history (agency_id, item_id, offered_from)
SELECT agency_id, item_id, created_at FROM agency_items;
CREATE TRIGGER agency_items_offered AFTER INSERT ON agency_items
BEGIN
    INSERT INTO agency_offer_history (agency_id, item_id, offered_from)
    VALUES (NEW.agency_id, NEW.item_id, NEW.created_at);
END;
CREATE TRIGGER agency_items_withdrawn AFTER DELETE ON agency_items
BEGIN
    UPDATE agency_offer_history SET offered_until = strftime('%Y-%m-%d %H:%M:%f', 'now')
    WHERE agency_id = OLD.agency_id AND item_id = OLD.item_id AND offered_until IS NULL;
END;
CREATE TRIGGER agency_offer_history_no_delete BEFORE DELETE ON agency_offer_history
BEGIN SELECT RAISE(ABORT, 'agency_offer_history is kept'); END;
CREATE TRIGGER agency_offer_history_no_rewrite BEFORE UPDATE ON agency_offer_history
WHEN OLD.offered_until IS NOT NULL OR NEW.agency_id <> OLD.agency_id
    OR NEW.item_id <> OLD.item_id OR NEW.offered_from <> OLD.offered_from
BEGIN SELECT RAISE(ABORT, 'agency_offer_history is kept'); END;
