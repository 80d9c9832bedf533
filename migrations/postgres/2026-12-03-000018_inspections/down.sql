DROP TABLE inspection_assignments;
DROP TABLE inspection_targets;
DROP TABLE inspection_population;
DROP TABLE inspection_tasks;
DROP TABLE inspectors;
