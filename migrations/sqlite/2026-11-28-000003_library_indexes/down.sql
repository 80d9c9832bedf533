DROP INDEX agencies_status_name;
DROP INDEX agencies_region_name;
DROP INDEX agencies_region_grade;
DROP INDEX agencies_list_grade;
