-- 0003: the referral workflow. A directory of outside services (added by hand or imported from an
-- Open Referral UK / HSDS export), the details a referral needs to be followed to an outcome (route,
-- urgency, reason, consent details or a manager's override, a due date), a chase log, and the
-- information-sharing record (every time identifiable information leaves the setting, and every
-- decision not to share, with the reasons).
--
-- Existing data: each distinct service named on a referral becomes a directory entry and the referral
-- points at it; consent already recorded as given is dated the day the referral was made; referrals
-- out with a service get a due date 14 days (or the setting's follow-up days) after their last change.

CREATE TABLE services (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    organisation TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL CHECK (category IN (
        'health_visiting', 'speech_language', 'gp_primary_care', 'mental_health', 'family_hub', 'early_help',
        'social_care', 'send_support', 'housing', 'food_essentials', 'debt_benefits', 'domestic_abuse', 'other')),
    domain TEXT CHECK (domain IS NULL OR domain IN (
        'child_development', 'inclusion_send', 'family_wellbeing', 'financial_hardship')),
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    -- The service's id in the directory it was imported from: a re-import updates, never duplicates.
    hsds_id TEXT,
    source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'import', 'referral')),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX idx_services_hsds ON services(hsds_id) WHERE hsds_id IS NOT NULL;
CREATE INDEX idx_services_name ON services(name COLLATE NOCASE);

INSERT INTO services (name, category, domain, source, created_at, updated_at)
    SELECT min(trim(service_name)), service_category, min(domain), 'referral', min(created_at), min(created_at)
    FROM referrals
    GROUP BY lower(trim(service_name)), service_category;

ALTER TABLE referrals ADD COLUMN service_id INTEGER REFERENCES services(id);
ALTER TABLE referrals ADD COLUMN route TEXT NOT NULL DEFAULT 'referred'
    CHECK (route IN ('referred', 'supported_self_referral', 'signposted'));
ALTER TABLE referrals ADD COLUMN urgency TEXT NOT NULL DEFAULT 'routine'
    CHECK (urgency IN ('routine', 'soon', 'urgent'));
-- Why the referral is made (what the family needs from the service).
ALTER TABLE referrals ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN expected_response_on TEXT;
-- When the referral next needs following up; only referrals out with a service have one.
ALTER TABLE referrals ADD COLUMN due_on TEXT;
ALTER TABLE referrals ADD COLUMN consent_given_by TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN consent_given_on TEXT;
ALTER TABLE referrals ADD COLUMN consent_scope TEXT NOT NULL DEFAULT '';
-- Why consent is not needed, or any note on consent.
ALTER TABLE referrals ADD COLUMN consent_note TEXT NOT NULL DEFAULT '';
-- The basis relied on when not relying on consent (required for an override).
ALTER TABLE referrals ADD COLUMN lawful_basis TEXT CHECK (lawful_basis IS NULL OR lawful_basis IN (
    'consent', 'legal_obligation', 'public_task', 'vital_interests', 'legitimate_interests'));
ALTER TABLE referrals ADD COLUMN override_rationale TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN override_by INTEGER REFERENCES staff(id);
ALTER TABLE referrals ADD COLUMN updated_at TEXT;

CREATE INDEX idx_referrals_due ON referrals(due_on) WHERE due_on IS NOT NULL;
CREATE INDEX idx_referrals_service ON referrals(service_id);

UPDATE referrals SET
    service_id = (
        SELECT s.id FROM services s
        WHERE lower(s.name) = lower(trim(referrals.service_name)) AND s.category = referrals.service_category
        ORDER BY s.id LIMIT 1),
    updated_at = created_at;

UPDATE referrals SET consent_given_on = made_on,
    consent_note = 'Recorded before consent details were kept.'
    WHERE consent = 'given';
UPDATE referrals SET consent_note = 'Recorded before consent details were kept.'
    WHERE consent IN ('not_needed', 'overridden');

UPDATE referrals SET due_on = date(
        coalesce(
            (SELECT max(h.changed_on) FROM referral_status_history h WHERE h.referral_id = referrals.id),
            made_on),
        '+' || coalesce(
            (SELECT CAST(value AS INTEGER) FROM app_settings WHERE key = 'referral_follow_up_days'), 14)
            || ' days')
    WHERE status IN ('sent', 'acknowledged', 'accepted', 'waitlisted', 'seen');

-- Each time someone chased the service; a chase pushes the due date on to next_due_on.
CREATE TABLE referral_chases (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id) ON DELETE CASCADE,
    chased_on TEXT NOT NULL,
    chased_by INTEGER REFERENCES staff(id),
    note TEXT NOT NULL DEFAULT '',
    next_due_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (next_due_on >= chased_on)
);
CREATE INDEX idx_referral_chases_referral ON referral_chases(referral_id, chased_on, id);

-- The information-sharing record (HM Government, Information sharing advice for practitioners, 2024:
-- record decisions and the reasons for them, whether or not information is shared).
CREATE TABLE information_sharing (
    id INTEGER PRIMARY KEY,
    decision TEXT NOT NULL CHECK (decision IN ('shared', 'not_shared')),
    occasion TEXT NOT NULL CHECK (occasion IN ('referral', 'record_export', 'subject_access', 'other')),
    decided_on TEXT NOT NULL,
    family_id INTEGER REFERENCES families(id),
    referral_id INTEGER REFERENCES referrals(id),
    recipient TEXT NOT NULL CHECK (length(trim(recipient)) > 0),
    what TEXT NOT NULL CHECK (length(trim(what)) > 0),
    purpose TEXT NOT NULL CHECK (length(trim(purpose)) > 0),
    lawful_basis TEXT CHECK (lawful_basis IS NULL OR lawful_basis IN (
        'consent', 'legal_obligation', 'public_task', 'vital_interests', 'legitimate_interests')),
    consent TEXT CHECK (consent IS NULL OR consent IN ('given', 'not_given', 'not_needed', 'overridden')),
    -- Why not (for a decision not to share), or anything else worth keeping about the decision.
    reason TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL,
    CHECK (decision = 'not_shared' OR lawful_basis IS NOT NULL OR consent IS NOT NULL),
    CHECK (decision = 'shared' OR length(trim(reason)) > 0)
);
CREATE INDEX idx_sharing_family ON information_sharing(family_id, decided_on);
CREATE INDEX idx_sharing_referral ON information_sharing(referral_id);
CREATE INDEX idx_sharing_date ON information_sharing(decided_on, id);
