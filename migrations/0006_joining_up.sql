-- 0006: joining up and partnership working.
-- * Outcome-framework tags on activity types: England's Supporting Families headline outcomes and
--   Scotland's GIRFEC SHANARRI wellbeing indicators, with defaults for the built-in activities.
-- * Transfers of a family's record between settings (sealed to the receiver, signed by the sender).
-- * Data-sharing agreements with their parties and the signed document (kept in the encrypted file).
-- * The information-sharing record learns transfers, receipts, and which agreement covered a share
--   (or why there was none).
-- * The yearly integration self-evaluation.

-- ---------------------------------------------------------------- outcome frameworks
CREATE TABLE activity_outcomes (
    activity_id INTEGER NOT NULL REFERENCES activity_types(id) ON DELETE CASCADE,
    framework TEXT NOT NULL CHECK (framework IN ('supporting_families', 'shanarri')),
    outcome TEXT NOT NULL,
    CHECK (
        (framework = 'supporting_families' AND outcome IN (
            'education', 'early_years', 'health', 'substance_use', 'family_relationships',
            'safe_from_abuse', 'crime', 'domestic_abuse', 'housing', 'financial_stability'))
        OR (framework = 'shanarri' AND outcome IN (
            'safe', 'healthy', 'achieving', 'nurtured', 'active', 'respected', 'responsible', 'included'))
    ),
    PRIMARY KEY (activity_id, framework, outcome)
) WITHOUT ROWID;
CREATE INDEX idx_activity_outcomes_outcome ON activity_outcomes(framework, outcome);

INSERT INTO activity_outcomes (activity_id, framework, outcome)
SELECT a.id, d.framework, d.outcome
FROM activity_types a
JOIN (
    SELECT 'child_development' AS domain, 'home_learning_pack' AS code, 'supporting_families' AS framework, 'early_years' AS outcome
    UNION ALL SELECT 'child_development', 'home_learning_pack', 'shanarri', 'achieving'
    UNION ALL SELECT 'child_development', 'home_learning_pack', 'shanarri', 'nurtured'
    UNION ALL SELECT 'child_development', 'development_advice', 'supporting_families', 'early_years'
    UNION ALL SELECT 'child_development', 'development_advice', 'shanarri', 'healthy'
    UNION ALL SELECT 'child_development', 'development_advice', 'shanarri', 'achieving'
    UNION ALL SELECT 'child_development', 'stay_and_play', 'supporting_families', 'early_years'
    UNION ALL SELECT 'child_development', 'stay_and_play', 'supporting_families', 'family_relationships'
    UNION ALL SELECT 'child_development', 'stay_and_play', 'shanarri', 'active'
    UNION ALL SELECT 'child_development', 'stay_and_play', 'shanarri', 'nurtured'
    UNION ALL SELECT 'child_development', 'progress_check', 'supporting_families', 'early_years'
    UNION ALL SELECT 'child_development', 'progress_check', 'shanarri', 'achieving'
    UNION ALL SELECT 'child_development', 'health_visitor_liaison', 'supporting_families', 'health'
    UNION ALL SELECT 'child_development', 'health_visitor_liaison', 'shanarri', 'healthy'
    UNION ALL SELECT 'inclusion_send', 'support_plan', 'supporting_families', 'education'
    UNION ALL SELECT 'inclusion_send', 'support_plan', 'shanarri', 'achieving'
    UNION ALL SELECT 'inclusion_send', 'support_plan', 'shanarri', 'included'
    UNION ALL SELECT 'inclusion_send', 'ehcp_application', 'supporting_families', 'education'
    UNION ALL SELECT 'inclusion_send', 'ehcp_application', 'shanarri', 'included'
    UNION ALL SELECT 'inclusion_send', 'inclusion_advice', 'supporting_families', 'early_years'
    UNION ALL SELECT 'inclusion_send', 'inclusion_advice', 'shanarri', 'included'
    UNION ALL SELECT 'inclusion_send', 'inclusion_advice', 'shanarri', 'respected'
    UNION ALL SELECT 'inclusion_send', 'specialist_liaison', 'supporting_families', 'health'
    UNION ALL SELECT 'inclusion_send', 'specialist_liaison', 'shanarri', 'healthy'
    UNION ALL SELECT 'inclusion_send', 'specialist_liaison', 'shanarri', 'included'
    UNION ALL SELECT 'inclusion_send', 'transition_support', 'supporting_families', 'education'
    UNION ALL SELECT 'inclusion_send', 'transition_support', 'shanarri', 'achieving'
    UNION ALL SELECT 'inclusion_send', 'transition_support', 'shanarri', 'included'
    UNION ALL SELECT 'family_wellbeing', 'wellbeing_checkin', 'supporting_families', 'health'
    UNION ALL SELECT 'family_wellbeing', 'wellbeing_checkin', 'shanarri', 'healthy'
    UNION ALL SELECT 'family_wellbeing', 'wellbeing_checkin', 'shanarri', 'nurtured'
    UNION ALL SELECT 'family_wellbeing', 'parenting_support', 'supporting_families', 'family_relationships'
    UNION ALL SELECT 'family_wellbeing', 'parenting_support', 'shanarri', 'nurtured'
    UNION ALL SELECT 'family_wellbeing', 'parenting_support', 'shanarri', 'responsible'
    UNION ALL SELECT 'family_wellbeing', 'mental_health_signpost', 'supporting_families', 'health'
    UNION ALL SELECT 'family_wellbeing', 'mental_health_signpost', 'shanarri', 'healthy'
    UNION ALL SELECT 'family_wellbeing', 'safeguarding_discussion', 'supporting_families', 'safe_from_abuse'
    UNION ALL SELECT 'family_wellbeing', 'safeguarding_discussion', 'shanarri', 'safe'
    UNION ALL SELECT 'family_wellbeing', 'early_help_contact', 'supporting_families', 'family_relationships'
    UNION ALL SELECT 'family_wellbeing', 'early_help_contact', 'shanarri', 'safe'
    UNION ALL SELECT 'family_wellbeing', 'early_help_contact', 'shanarri', 'nurtured'
    UNION ALL SELECT 'financial_hardship', 'food_bank_voucher', 'supporting_families', 'financial_stability'
    UNION ALL SELECT 'financial_hardship', 'food_bank_voucher', 'shanarri', 'healthy'
    UNION ALL SELECT 'financial_hardship', 'benefits_form_help', 'supporting_families', 'financial_stability'
    UNION ALL SELECT 'financial_hardship', 'benefits_form_help', 'shanarri', 'included'
    UNION ALL SELECT 'financial_hardship', 'debt_advice_signpost', 'supporting_families', 'financial_stability'
    UNION ALL SELECT 'financial_hardship', 'debt_advice_signpost', 'shanarri', 'included'
    UNION ALL SELECT 'financial_hardship', 'housing_signpost', 'supporting_families', 'housing'
    UNION ALL SELECT 'financial_hardship', 'housing_signpost', 'shanarri', 'safe'
    UNION ALL SELECT 'financial_hardship', 'essentials_provided', 'supporting_families', 'financial_stability'
    UNION ALL SELECT 'financial_hardship', 'essentials_provided', 'shanarri', 'healthy'
) d ON d.domain = a.domain AND d.code = a.code
WHERE a.builtin = 1;

-- ---------------------------------------------------------------- data-sharing agreements
CREATE TABLE sharing_agreements (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    purpose TEXT NOT NULL CHECK (length(trim(purpose)) > 0),
    -- What data may flow under it, in plain words.
    data_items TEXT NOT NULL CHECK (length(trim(data_items)) > 0),
    direction TEXT NOT NULL CHECK (direction IN ('to_partners', 'from_partners', 'both_ways')),
    -- UK GDPR article 6.
    lawful_basis TEXT NOT NULL CHECK (lawful_basis IN (
        'consent', 'legal_obligation', 'public_task', 'vital_interests', 'legitimate_interests')),
    -- UK GDPR article 9(2), when special-category data (health, for example) may flow; NULL otherwise.
    special_category_condition TEXT CHECK (special_category_condition IS NULL OR special_category_condition IN (
        'explicit_consent', 'employment_social_protection', 'vital_interests', 'not_for_profit',
        'made_public', 'legal_claims', 'substantial_public_interest', 'health_social_care',
        'public_health', 'archiving_research')),
    retention TEXT NOT NULL CHECK (length(trim(retention)) > 0),
    security_measures TEXT NOT NULL CHECK (length(trim(security_measures)) > 0),
    starts_on TEXT NOT NULL,
    review_on TEXT NOT NULL,
    ends_on TEXT,
    notes TEXT NOT NULL DEFAULT '',
    -- The signed agreement, kept inside the encrypted casebook.
    document_name TEXT,
    document BLOB,
    document_sha256 TEXT,
    created_by INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (review_on > starts_on),
    CHECK (ends_on IS NULL OR ends_on >= starts_on),
    CHECK ((document IS NULL) = (document_name IS NULL))
);
CREATE INDEX idx_agreements_review ON sharing_agreements(review_on);

CREATE TABLE sharing_agreement_parties (
    id INTEGER PRIMARY KEY,
    agreement_id INTEGER NOT NULL REFERENCES sharing_agreements(id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    party_type TEXT NOT NULL CHECK (party_type IN (
        'this_setting', 'early_years_setting', 'health_visiting', 'health', 'family_hub', 'early_help',
        'local_authority', 'social_care', 'voluntary_sector', 'other')),
    -- The referral service category this party receives, so a referral can find its agreement.
    service_category TEXT CHECK (service_category IS NULL OR service_category IN (
        'health_visiting', 'speech_language', 'gp_primary_care', 'mental_health', 'family_hub', 'early_help',
        'social_care', 'send_support', 'housing', 'food_essentials', 'debt_benefits', 'domestic_abuse', 'other')),
    contact TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idx_agreement_parties ON sharing_agreement_parties(agreement_id);
CREATE INDEX idx_agreement_parties_category ON sharing_agreement_parties(service_category);

-- ---------------------------------------------------------------- transfers between settings
CREATE TABLE transfers (
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    -- Random id sealed inside the file: a second import of the same file is refused by it.
    transfer_uid TEXT NOT NULL,
    family_id INTEGER REFERENCES families(id),
    family_ref TEXT NOT NULL,
    other_setting_name TEXT NOT NULL,
    other_setting_urn TEXT NOT NULL DEFAULT '',
    -- Out: the receiver's transfer key. In: the sender's signing key.
    other_key_fingerprint TEXT NOT NULL,
    sealed_on TEXT NOT NULL,
    received_on TEXT,
    file_sha256 TEXT NOT NULL,
    -- What the file holds, in plain words (counts, never notes).
    contents TEXT NOT NULL,
    restricted_included INTEGER NOT NULL DEFAULT 0 CHECK (restricted_included IN (0, 1)),
    restricted_reason TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL,
    UNIQUE (direction, transfer_uid),
    CHECK (restricted_included = 0 OR length(trim(restricted_reason)) > 0)
);
CREATE INDEX idx_transfers_family ON transfers(family_id);

-- History received from another setting is marked with its transfer (and kept out of this setting's
-- own counts: the other setting did that work).
ALTER TABLE support_entries ADD COLUMN transfer_id INTEGER REFERENCES transfers(id) ON DELETE SET NULL;
ALTER TABLE referrals ADD COLUMN transfer_id INTEGER REFERENCES transfers(id) ON DELETE SET NULL;

-- ---------------------------------------------------------------- information sharing, rebuilt
-- SQLite cannot change a CHECK in place, so the table is copied into its new shape.
CREATE TABLE information_sharing_new (
    id INTEGER PRIMARY KEY,
    decision TEXT NOT NULL CHECK (decision IN ('shared', 'not_shared', 'received')),
    occasion TEXT NOT NULL CHECK (occasion IN (
        'referral', 'record_export', 'subject_access', 'transfer', 'other')),
    decided_on TEXT NOT NULL,
    family_id INTEGER REFERENCES families(id),
    referral_id INTEGER REFERENCES referrals(id),
    transfer_id INTEGER REFERENCES transfers(id) ON DELETE SET NULL,
    -- For 'received', the setting the information came from.
    recipient TEXT NOT NULL CHECK (length(trim(recipient)) > 0),
    what TEXT NOT NULL CHECK (length(trim(what)) > 0),
    purpose TEXT NOT NULL CHECK (length(trim(purpose)) > 0),
    lawful_basis TEXT CHECK (lawful_basis IS NULL OR lawful_basis IN (
        'consent', 'legal_obligation', 'public_task', 'vital_interests', 'legitimate_interests')),
    consent TEXT CHECK (consent IS NULL OR consent IN ('given', 'not_given', 'not_needed', 'overridden')),
    reason TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL DEFAULT '',
    -- The data-sharing agreement that covered it, or why it was shared without one.
    agreement_id INTEGER REFERENCES sharing_agreements(id),
    no_agreement_reason TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL,
    CHECK (decision = 'not_shared' OR lawful_basis IS NOT NULL OR consent IS NOT NULL),
    CHECK (decision != 'not_shared' OR length(trim(reason)) > 0)
);
INSERT INTO information_sharing_new (id, decision, occasion, decided_on, family_id, referral_id, recipient,
    what, purpose, lawful_basis, consent, reason, method, recorded_by, created_at)
SELECT id, decision, occasion, decided_on, family_id, referral_id, recipient,
    what, purpose, lawful_basis, consent, reason, method, recorded_by, created_at
FROM information_sharing;
DROP TABLE information_sharing;
ALTER TABLE information_sharing_new RENAME TO information_sharing;
CREATE INDEX idx_sharing_family ON information_sharing(family_id, decided_on);
CREATE INDEX idx_sharing_referral ON information_sharing(referral_id);
CREATE INDEX idx_sharing_date ON information_sharing(decided_on, id);
CREATE INDEX idx_sharing_agreement ON information_sharing(agreement_id) WHERE agreement_id IS NOT NULL;
CREATE INDEX idx_sharing_transfer ON information_sharing(transfer_id) WHERE transfer_id IS NOT NULL;

-- ---------------------------------------------------------------- integration self-evaluation
CREATE TABLE self_evaluations (
    id INTEGER PRIMARY KEY,
    completed_on TEXT NOT NULL,
    completed_by INTEGER REFERENCES staff(id),
    created_at TEXT NOT NULL
);
CREATE INDEX idx_self_evaluations_date ON self_evaluations(completed_on, id);

CREATE TABLE self_evaluation_ratings (
    evaluation_id INTEGER NOT NULL REFERENCES self_evaluations(id) ON DELETE CASCADE,
    ingredient TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    -- Evidence notes stay in the setting: they never go into the LA export.
    evidence TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (evaluation_id, ingredient)
) WITHOUT ROWID;
