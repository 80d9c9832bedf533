ALTER TABLE regional_assessments DROP CONSTRAINT regional_assessments_zone_local;
ALTER TABLE agencies DROP CONSTRAINT agencies_region_known;
ALTER TABLE projects DROP CONSTRAINT projects_region_known;
