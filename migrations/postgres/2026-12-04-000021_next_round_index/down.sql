DROP INDEX announcements_previous;
