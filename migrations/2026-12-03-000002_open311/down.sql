ALTER TABLE reports DROP CONSTRAINT reports_description_check;
ALTER TABLE reports ADD CONSTRAINT reports_description_check
    CHECK (char_length(description) BETWEEN 1 AND 1000);
DROP TABLE open311_requests;
DROP TABLE report_answers;
DROP TABLE open311_keys;
