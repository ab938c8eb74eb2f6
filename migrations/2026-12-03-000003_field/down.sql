DROP TABLE report_consents;
DROP INDEX reports_filed_by_idx;
ALTER TABLE reports DROP COLUMN filed_by;
DELETE FROM staff_grids WHERE staff_id IN (SELECT id FROM staff WHERE role = 'informant');
DELETE FROM staff WHERE role = 'informant';
ALTER TABLE staff DROP CONSTRAINT staff_role_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_check CHECK (role IN
    ('admin', 'grid_head', 'grid_worker', 'department_liaison', 'merchant_cashier'));
