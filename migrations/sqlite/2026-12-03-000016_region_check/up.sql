-- Region codes are a vocabulary (domain::catalogue::REGIONS): the forms refuse anything
-- else, and the database refuses it too (triggers: SQLite cannot add a CHECK to an existing
-- table), so no other path (an import, a loader, a script) can store a code that the pages
-- would show as a raw key.
-- A regional assessment covers a zone of the city only. Keep these lists equal to REGIONS (a
-- test stores every code, and one outside it, on both backends).
-- Codes stored before the check: the demo's 'east' was 东区; anything else unknown becomes
-- 'other' (for assessments, whose zone must be local, 东区).
UPDATE projects SET region = 'pzh_dongqu' WHERE region = 'east';
UPDATE projects SET region = 'other' WHERE region NOT IN (
        'pzh_dongqu', 'pzh_xiqu', 'pzh_renhe', 'pzh_miyi', 'pzh_yanbian', 'pzh_gaoxin',
        'pzh_huacheng', 'sichuan', 'yunnan', 'chongqing', 'guizhou', 'beijing', 'shanghai',
        'guangdong', 'hubei', 'shaanxi', 'hunan', 'jiangsu', 'zhejiang', 'other'
);
UPDATE agencies SET region = 'pzh_dongqu' WHERE region = 'east';
UPDATE agencies SET region = 'other' WHERE region NOT IN (
        'pzh_dongqu', 'pzh_xiqu', 'pzh_renhe', 'pzh_miyi', 'pzh_yanbian', 'pzh_gaoxin',
        'pzh_huacheng', 'sichuan', 'yunnan', 'chongqing', 'guizhou', 'beijing', 'shanghai',
        'guangdong', 'hubei', 'shaanxi', 'hunan', 'jiangsu', 'zhejiang', 'other'
);
UPDATE regional_assessments SET zone = 'pzh_dongqu' WHERE zone NOT IN (
        'pzh_dongqu', 'pzh_xiqu', 'pzh_renhe', 'pzh_miyi', 'pzh_yanbian', 'pzh_gaoxin',
        'pzh_huacheng'
);
CREATE TRIGGER projects_region_known_insert BEFORE INSERT ON projects
WHEN NEW.region NOT IN (
        'pzh_dongqu', 'pzh_xiqu', 'pzh_renhe', 'pzh_miyi', 'pzh_yanbian', 'pzh_gaoxin',
        'pzh_huacheng', 'sichuan', 'yunnan', 'chongqing', 'guizhou', 'beijing', 'shanghai',
        'guangdong', 'hubei', 'shaanxi', 'hunan', 'jiangsu', 'zhejiang', 'other'
)
BEGIN
    SELECT RAISE(ABORT, 'projects.region: unknown region code');
END;
CREATE TRIGGER projects_region_known_update BEFORE UPDATE OF region ON projects
WHEN NEW.region NOT IN (
        'pzh_dongqu', 'pzh_xiqu', 'pzh_renhe', 'pzh_miyi', 'pzh_yanbian', 'pzh_gaoxin',
        'pzh_huacheng', 'sichuan', 'yunnan', 'chongqing', 'guizhou', 'beijing', 'shanghai',
        'guangdong', 'hubei', 'shaanxi', 'hunan', 'jiangsu', 'zhejiang', 'other'
)
BEGIN
    SELECT RAISE(ABORT, 'projects.region: unknown region code');
END;
CREATE TRIGGER agencies_region_known_insert BEFORE INSERT ON agencies
WHEN NEW.region NOT IN (
        'pzh_dongqu', 'pzh_xiqu', 'pzh_renhe', 'pzh_miyi', 'pzh_yanbian', 'pzh_gaoxin',
        'pzh_huacheng', 'sichuan', 'yunnan', 'chongqing', 'guizhou', 'beijing', 'shanghai',
        'guangdong', 'hubei', 'shaanxi', 'hunan', 'jiangsu', 'zhejiang', 'other'
)
BEGIN
    SELECT RAISE(ABORT, 'agencies.region: unknown region code');
END;
CREATE TRIGGER agencies_region_known_update BEFORE UPDATE OF region ON agencies
WHEN NEW.region NOT IN (
        'pzh_dongqu', 'pzh_xiqu', 'pzh_renhe', 'pzh_miyi', 'pzh_yanbian', 'pzh_gaoxin',
        'pzh_huacheng', 'sichuan', 'yunnan', 'chongqing', 'guizhou', 'beijing', 'shanghai',
        'guangdong', 'hubei', 'shaanxi', 'hunan', 'jiangsu', 'zhejiang', 'other'
)
BEGIN
    SELECT RAISE(ABORT, 'agencies.region: unknown region code');
END;
CREATE TRIGGER regional_assessments_zone_local_insert BEFORE INSERT ON regional_assessments
WHEN NEW.zone NOT IN (
        'pzh_dongqu', 'pzh_xiqu', 'pzh_renhe', 'pzh_miyi', 'pzh_yanbian', 'pzh_gaoxin',
        'pzh_huacheng'
)
BEGIN
    SELECT RAISE(ABORT, 'regional_assessments.zone: unknown region code');
END;
CREATE TRIGGER regional_assessments_zone_local_update BEFORE UPDATE OF zone ON regional_assessments
WHEN NEW.zone NOT IN (
        'pzh_dongqu', 'pzh_xiqu', 'pzh_renhe', 'pzh_miyi', 'pzh_yanbian', 'pzh_gaoxin',
        'pzh_huacheng'
)
BEGIN
    SELECT RAISE(ABORT, 'regional_assessments.zone: unknown region code');
END;
