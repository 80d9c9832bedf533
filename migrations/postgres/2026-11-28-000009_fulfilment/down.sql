DROP TABLE evaluations;
DROP TABLE contract_reminders;
DROP TABLE contract_payments;
DROP TABLE contract_amendments;
DROP TABLE contract_deliverables;
