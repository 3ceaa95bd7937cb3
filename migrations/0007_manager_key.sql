-- 0007: a manager key, separate from the data key (see docs/security.md).
-- * manager_vault: secrets only managers may use (the LA export signing key, the transfer key, the
--   audit-head signing key), each AES-GCM-encrypted under the manager key. The key itself is sealed
--   only in manager and recovery key slots, never stored here.
-- * sealed: on rows marked restricted, what says what happened (notes, activity, service, people
--   involved) is kept here under the manager key and the plain columns hold neutral values.
-- * audit_heads: the audit chain's head, signed with the manager-only audit key at manager events.
-- The move of existing secrets and restricted content happens at the first manager unlock after this
-- upgrade (the key cannot be made without a manager's slot), in one transaction.

CREATE TABLE manager_vault (
    name TEXT PRIMARY KEY,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL
);

ALTER TABLE support_entries ADD COLUMN sealed BLOB;
ALTER TABLE support_entry_versions ADD COLUMN sealed BLOB;
ALTER TABLE referrals ADD COLUMN sealed BLOB;
ALTER TABLE referral_status_history ADD COLUMN sealed BLOB;
ALTER TABLE referral_chases ADD COLUMN sealed BLOB;
ALTER TABLE information_sharing ADD COLUMN sealed BLOB;
-- Why restricted records went with a transfer says what happened: sealed like them.
ALTER TABLE transfers ADD COLUMN sealed BLOB;

CREATE TABLE audit_heads (
    id INTEGER PRIMARY KEY,
    audit_id INTEGER NOT NULL,
    audit_hash TEXT NOT NULL,
    occasion TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE INDEX idx_audit_heads_audit ON audit_heads(audit_id);

-- Restricted rows are found without a scan when each commit seals what is pending.
CREATE INDEX idx_entries_restricted ON support_entries(id) WHERE restricted = 1;
CREATE INDEX idx_referrals_restricted ON referrals(id) WHERE restricted = 1;

-- The notes index never holds a restricted note: it would be readable with the data key.
DROP TRIGGER entries_fts_insert;
DROP TRIGGER entries_fts_delete;
DROP TRIGGER entries_fts_update;
CREATE TRIGGER entries_fts_insert AFTER INSERT ON support_entries WHEN new.restricted = 0 BEGIN
    INSERT INTO entry_notes_fts(rowid, note) VALUES (new.id, new.note);
END;
CREATE TRIGGER entries_fts_delete AFTER DELETE ON support_entries WHEN old.restricted = 0 BEGIN
    INSERT INTO entry_notes_fts(entry_notes_fts, rowid, note) VALUES ('delete', old.id, old.note);
END;
CREATE TRIGGER entries_fts_update_out AFTER UPDATE OF note, restricted ON support_entries
    WHEN old.restricted = 0 BEGIN
    INSERT INTO entry_notes_fts(entry_notes_fts, rowid, note) VALUES ('delete', old.id, old.note);
END;
CREATE TRIGGER entries_fts_update_in AFTER UPDATE OF note, restricted ON support_entries
    WHEN new.restricted = 0 BEGIN
    INSERT INTO entry_notes_fts(rowid, note) VALUES (new.id, new.note);
END;
-- Restricted notes indexed before this version leave the index now, and are merged out of it.
INSERT INTO entry_notes_fts(entry_notes_fts, rowid, note)
    SELECT 'delete', id, note FROM support_entries WHERE restricted = 1;
INSERT INTO entry_notes_fts(entry_notes_fts) VALUES ('optimize');

-- Each change of manager key, signed with a key derived from the one before, so a manager's slot that
-- pins an older key can check that the key in use now follows from it (and was not minted outside).
CREATE TABLE manager_key_links (
    id INTEGER PRIMARY KEY,
    old_key_id TEXT NOT NULL,
    new_key_id TEXT NOT NULL,
    new_signing_public BLOB NOT NULL,
    signature BLOB NOT NULL
);
CREATE INDEX idx_manager_key_links_old ON manager_key_links(old_key_id);
