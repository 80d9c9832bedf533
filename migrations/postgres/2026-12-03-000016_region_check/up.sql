-- Region codes are a vocabulary (domain::catalogue::REGIONS): the forms refuse anything
-- else, and the database refuses it too, so no other path (an import, a loader, a script)
-- can store a code that the pages would show as a raw key.
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
ALTER TABLE projects ADD CONSTRAINT projects_region_known CHECK (region IN (
        'pzh_dongqu', 'pzh_xiqu', 'pzh_renhe', 'pzh_miyi', 'pzh_yanbian', 'pzh_gaoxin',
        'pzh_huacheng', 'sichuan', 'yunnan', 'chongqing', 'guizhou', 'beijing', 'shanghai',
        'guangdong', 'hubei', 'shaanxi', 'hunan', 'jiangsu', 'zhejiang', 'other'
));
ALTER TABLE agencies ADD CONSTRAINT agencies_region_known CHECK (region IN (
        'pzh_dongqu', 'pzh_xiqu', 'pzh_renhe', 'pzh_miyi', 'pzh_yanbian', 'pzh_gaoxin',
        'pzh_huacheng', 'sichuan', 'yunnan', 'chongqing', 'guizhou', 'beijing', 'shanghai',
        'guangdong', 'hubei', 'shaanxi', 'hunan', 'jiangsu', 'zhejiang', 'other'
));
ALTER TABLE regional_assessments ADD CONSTRAINT regional_assessments_zone_local CHECK (zone IN (
        'pzh_dongqu', 'pzh_xiqu', 'pzh_renhe', 'pzh_miyi', 'pzh_yanbian', 'pzh_gaoxin',
        'pzh_huacheng'
));
