ALTER TABLE quotes ADD COLUMN amount_fen BIGINT, ADD COLUMN nonce TEXT, ADD COLUMN note TEXT;
UPDATE quotes SET amount_fen = o.amount_fen, nonce = o.nonce, note = o.note
FROM quote_openings o WHERE o.quote_id = quotes.id;
DROP TABLE quote_openings;
