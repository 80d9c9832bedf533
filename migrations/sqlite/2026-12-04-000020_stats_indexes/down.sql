DROP INDEX contracts_agency_created;
DROP INDEX agencies_grade;
