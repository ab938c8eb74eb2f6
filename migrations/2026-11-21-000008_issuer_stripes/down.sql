-- Fold every issuer's stripes back into one row per community.
ALTER TABLE points_accounts DROP CONSTRAINT points_accounts_id_check;

INSERT INTO points_accounts (id, kind, balance, version, updated_at)
SELECT regexp_replace(id, ':[0-9]+$', ''), 'issuer', sum(balance), sum(version), max(updated_at)
FROM points_accounts WHERE id ~ '^issuer:[0-9]+:[0-9]+$'
GROUP BY 1;

UPDATE points_transfers SET from_account = regexp_replace(from_account, ':[0-9]+$', '')
WHERE from_account ~ '^issuer:[0-9]+:[0-9]+$';
UPDATE points_transfers SET to_account = regexp_replace(to_account, ':[0-9]+$', '')
WHERE to_account ~ '^issuer:[0-9]+:[0-9]+$';

DELETE FROM points_accounts WHERE id ~ '^issuer:[0-9]+:[0-9]+$';

ALTER TABLE points_accounts ADD CONSTRAINT points_accounts_id_check
    CHECK (id ~ '^(issuer|resident|hold|merchant):[0-9]+$' OR id = 'settled');
