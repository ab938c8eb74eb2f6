ALTER TABLE report_followers DROP COLUMN confirmed_at;
ALTER TABLE residents DROP COLUMN sessions_valid_after;
ALTER TABLE staff DROP COLUMN sessions_valid_after;
