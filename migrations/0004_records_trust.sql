-- 0004: records staff can trust.
-- * An audit trail, hash-chained with a key only the casebook holds (each row's HMAC covers the
--   previous row's), so an edited, deleted, inserted or reordered row is found by `check`.
-- * Amendments: a correction keeps the earlier version of the entry, with who, when and why.
-- * Restricted (safeguarding-sensitive) entries and referrals, seen only by managers.
-- * Retention: a legal hold and a safeguarding marker on families, and the manager's review decisions.

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    staff_id INTEGER,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id INTEGER,
    -- No foreign key: the trail outlives an erased family (the row keeps only the number).
    family_id INTEGER,
    -- Never personal data: field names, counts, reasons chosen from lists.
    detail TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX idx_audit_family ON audit_log(family_id, id);
CREATE INDEX idx_audit_at ON audit_log(at, id);
CREATE INDEX idx_audit_user ON audit_log(username, id);

INSERT INTO app_settings (key, value) VALUES ('audit_chain_key', lower(hex(randomblob(32))));

ALTER TABLE support_entries ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE support_entries ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0 CHECK (restricted IN (0, 1));
ALTER TABLE referrals ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0 CHECK (restricted IN (0, 1));

-- Earlier versions of corrected entries. The current version stays in support_entries.
CREATE TABLE support_entry_versions (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES support_entries(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    entry_date TEXT NOT NULL,
    child_id INTEGER,
    staff_id INTEGER,
    domain TEXT NOT NULL,
    kind TEXT NOT NULL,
    activity_code TEXT,
    minutes INTEGER NOT NULL,
    contact_mode TEXT NOT NULL,
    note TEXT NOT NULL,
    follow_up_on TEXT,
    restricted INTEGER NOT NULL,
    replaced_at TEXT NOT NULL,
    replaced_by INTEGER REFERENCES staff(id),
    reason TEXT NOT NULL,
    UNIQUE (entry_id, version)
);

ALTER TABLE families ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0 CHECK (legal_hold IN (0, 1));
ALTER TABLE families ADD COLUMN legal_hold_reason TEXT NOT NULL DEFAULT '';
-- Anything touching safeguarding is kept until the youngest child is 25.
ALTER TABLE families ADD COLUMN safeguarding INTEGER NOT NULL DEFAULT 0 CHECK (safeguarding IN (0, 1));

CREATE TABLE retention_reviews (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES families(id) ON DELETE CASCADE,
    decided_on TEXT NOT NULL,
    decided_by INTEGER REFERENCES staff(id),
    decision TEXT NOT NULL CHECK (decision IN ('keep', 'hold', 'release_hold', 'erase')),
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    next_review_on TEXT
);
CREATE INDEX idx_retention_reviews_family ON retention_reviews(family_id, decided_on);
