DROP TABLE complaint_pending;
DROP TABLE complaint_evidence;
DROP TABLE complaint_events;
DROP TABLE complaint_decisions;
DROP TABLE complaints;
