ALTER TABLE credit_records DROP COLUMN evidence_i18n;
