-- 0009: family-facing documents that are safe for every carer (issue 16).
-- * Support entries and referrals can say which carer they concern (by the carer's name, as the
--   record file writes it; '' = not about one carer in particular).
-- * Each time a manager puts a left-out item into a family summary or a subject access pack (or
--   holds one back from a pack), the decision and its reason are kept here. The audit trail gets a
--   row without personal data; the reason (free text) lives only in this encrypted table.
ALTER TABLE support_entries ADD COLUMN carer TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN carer TEXT NOT NULL DEFAULT '';

CREATE TABLE document_decisions (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES families(id) ON DELETE CASCADE,
    document TEXT NOT NULL CHECK (document IN ('family_summary', 'subject_access')),
    -- who the document was for: a carer's name or a child's key
    made_for TEXT NOT NULL,
    item TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('included', 'withheld', 'redacted', 'kept')),
    why_left_out TEXT NOT NULL DEFAULT '',
    exemption TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    decided_by INTEGER REFERENCES staff(id),
    decided_at TEXT NOT NULL
);
CREATE INDEX idx_document_decisions_family ON document_decisions(family_id, decided_at);
