DROP TABLE mail_outbox;
DROP TABLE report_followers;
DROP TABLE report_photos;
DROP TABLE case_events;
DROP FUNCTION case_events_append_only();
DROP TABLE reports;
