-- What an automatic credit record says happened (forfeit, refusal to sign, late delivery,
-- a rating), as a locale key with its arguments in JSON, so that each reader sees it in
-- their own language; NULL for records a person wrote (their evidence is their own text).
ALTER TABLE credit_records ADD COLUMN evidence_i18n TEXT;
