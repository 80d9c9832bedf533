DROP TABLE contract_signatures;
DROP TABLE contract_terms;
DROP TABLE contracts;
DROP TABLE model_text_versions;
DROP TABLE model_texts;
