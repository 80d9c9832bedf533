-- /stats: the grade distribution counts the graded agencies from an index instead of
-- grouping every agency, and each agency's first contract is read from an index alone.
CREATE INDEX agencies_grade ON agencies (grade) WHERE grade IS NOT NULL;
CREATE INDEX contracts_agency_created ON contracts (agency_id, created_at);
