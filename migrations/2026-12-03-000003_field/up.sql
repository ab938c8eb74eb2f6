-- Grid workers in the field (issue 14): the informant role (信息员), and reports filed by staff
-- for a household or shop (代办, with the resident's consent) or from their own rounds
-- (巡查上报).

ALTER TABLE staff DROP CONSTRAINT staff_role_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_check CHECK (role IN
    ('admin', 'grid_head', 'grid_worker', 'department_liaison', 'merchant_cashier', 'informant'));

-- Who filed the report when staff did. A filed report with a door or shop code is a 代办
-- report and has its consent below; one without a code is an inspection find.
ALTER TABLE reports ADD COLUMN filed_by BIGINT REFERENCES staff (id);
CREATE INDEX reports_filed_by_idx ON reports (filed_by) WHERE filed_by IS NOT NULL;

-- How the resident agreed to a 代办 report (a required choice) and, optionally, a contact
-- they agreed to give (seen by the staff handling the case only). Kept beside the report:
-- the reports table is at diesel's 32-column limit.
CREATE TABLE report_consents (
    report_id  BIGINT PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    how        TEXT NOT NULL CHECK (how IN ('in_person', 'phone', 'written')),
    contact    TEXT CHECK (char_length(contact) BETWEEN 1 AND 64)
);
