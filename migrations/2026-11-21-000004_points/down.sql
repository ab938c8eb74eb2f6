DROP TABLE points_holds;
DROP TABLE points_transfers;
DROP TABLE points_accounts;
