DROP TABLE contract_signatures;
DROP TABLE contract_terms;
DROP TABLE contracts;
DROP TABLE model_text_versions;
DROP FUNCTION model_text_versions_frozen();
DROP TABLE model_texts;
