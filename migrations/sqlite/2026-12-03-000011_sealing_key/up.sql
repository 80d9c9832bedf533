-- Which key seals this database's quotes and draw seeds: the key's fingerprint
-- (domain::seal::key_fingerprint, never the key). Start-up refuses a missing or different key
-- once anything is sealed, instead of silently making a new key that opens nothing.
-- One row at most.
CREATE TABLE sealing_key (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    fingerprint TEXT NOT NULL CHECK (length(fingerprint) = 64),
    recorded_at TIMESTAMP NOT NULL
);
