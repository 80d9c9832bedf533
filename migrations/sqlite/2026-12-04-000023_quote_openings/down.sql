ALTER TABLE quotes ADD COLUMN amount_fen BIGINT;
ALTER TABLE quotes ADD COLUMN nonce TEXT;
ALTER TABLE quotes ADD COLUMN note TEXT;
UPDATE quotes SET
    amount_fen = (SELECT o.amount_fen FROM quote_openings o WHERE o.quote_id = quotes.id),
    nonce = (SELECT o.nonce FROM quote_openings o WHERE o.quote_id = quotes.id),
    note = (SELECT o.note FROM quote_openings o WHERE o.quote_id = quotes.id);
DROP TABLE quote_openings;
