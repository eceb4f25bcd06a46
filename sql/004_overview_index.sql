-- 004_overview_index.sql — the overview's page query selects ids from the index alone
-- (covering: organisation, role, sort columns and the filtered columns), then reads 20 rows.
ALTER TABLE account DROP INDEX ix_account_org_list, ADD INDEX ix_account_org_list (org_id, rolle, name, vorname, kennung, status);
