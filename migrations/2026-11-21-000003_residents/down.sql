ALTER TABLE reports DROP COLUMN resident_id;
DROP TABLE binding_requests;
DROP TABLE household_members;
ALTER TABLE households DROP COLUMN binding_code;
DROP TABLE residents;
