-- 017_kasse_portaladmin.sql — the Kasse's portal administrators in the browser (SPEC §15): the
-- organisations listed by name, and the logs of all organisations newest first by id with a
-- filter by organisation, event, person (actor or target) or — for the access log — by who.
CREATE INDEX IF NOT EXISTS ix_organisation_kasse_name ON organisation (kasse, name, pnr);
CREATE INDEX IF NOT EXISTS ix_audit_org_id ON audit_log (org_id, id);
CREATE INDEX IF NOT EXISTS ix_audit_event_id ON audit_log (event, id);
CREATE INDEX IF NOT EXISTS ix_audit_actor_id ON audit_log (actor, id);
CREATE INDEX IF NOT EXISTS ix_audit_target_id ON audit_log (target, id);
CREATE INDEX IF NOT EXISTS ix_ab_zugriff_org_id ON ab_zugriff (org_id, id);
CREATE INDEX IF NOT EXISTS ix_ab_zugriff_wer_id ON ab_zugriff (wer, id);
CREATE INDEX IF NOT EXISTS ix_rueckmeldung_art_id ON rueckmeldung (art, id);
