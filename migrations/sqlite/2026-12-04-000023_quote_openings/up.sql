-- The amounts, nonces and notes the opening reads out of the sealed quotes, in a table of
-- their own: the opening writes a row of about 100 bytes per quote, where writing them into
-- `quotes` rewrote each quote's whole row with its 4 kB sealed box (two pages a quote, some
-- 8 MB of log for a thousand bidders). A quote whose box did not open has no row here.
CREATE TABLE quote_openings (
    quote_id INTEGER PRIMARY KEY REFERENCES quotes (id),
    amount_fen BIGINT NOT NULL,
    nonce TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
INSERT INTO quote_openings (quote_id, amount_fen, nonce, note)
SELECT id, amount_fen, COALESCE(nonce, ''), COALESCE(note, '')
FROM quotes
WHERE amount_fen IS NOT NULL;
ALTER TABLE quotes DROP COLUMN amount_fen;
ALTER TABLE quotes DROP COLUMN nonce;
ALTER TABLE quotes DROP COLUMN note;
