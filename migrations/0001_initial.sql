-- 0001: the core casebook: the setting, staff, families and children, support entries, referrals,
-- activity types per domain, app settings, and a full-text index over notes.
-- Dates are ISO text (YYYY-MM-DD); timestamps are ISO UTC text.

CREATE TABLE setting (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    urn TEXT NOT NULL,
    nation TEXT NOT NULL CHECK (nation IN ('england', 'scotland')),
    la_code TEXT NOT NULL,
    la_name TEXT NOT NULL DEFAULT '',
    provider_type TEXT NOT NULL,
    integration_model TEXT NOT NULL CHECK (integration_model IN ('hub', 'locality_team', 'setting_led')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Small settings a manager can change (auto-lock minutes, follow-up defaults, ...).
CREATE TABLE app_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('practitioner', 'manager')),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE TABLE families (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    postcode TEXT NOT NULL DEFAULT '',
    home_la_code TEXT NOT NULL DEFAULT '',
    key_worker_id INTEGER REFERENCES staff(id),
    opened_on TEXT NOT NULL,
    closed_on TEXT,
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (closed_on IS NULL OR closed_on >= opened_on)
);
CREATE INDEX idx_families_open ON families(closed_on, ref);
CREATE INDEX idx_families_key_worker ON families(key_worker_id);

CREATE TABLE carers (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES families(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    relationship TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    UNIQUE (family_id, position)
);

CREATE TABLE children (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES families(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    date_of_birth TEXT,
    UNIQUE (family_id, key)
);
CREATE INDEX idx_children_family ON children(family_id);

CREATE TABLE activity_types (
    id INTEGER PRIMARY KEY,
    domain TEXT NOT NULL CHECK (domain IN ('child_development', 'inclusion_send', 'family_wellbeing', 'financial_hardship')),
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    builtin INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    UNIQUE (domain, code)
);

INSERT INTO activity_types (domain, code, label, builtin) VALUES
    ('child_development', 'home_learning_pack', 'Home learning pack or resources', 1),
    ('child_development', 'development_advice', 'Advice on development or routines', 1),
    ('child_development', 'stay_and_play', 'Stay-and-play or parent session', 1),
    ('child_development', 'progress_check', 'Progress check discussion', 1),
    ('child_development', 'health_visitor_liaison', 'Liaison with health visitor', 1),
    ('inclusion_send', 'support_plan', 'Support plan or SEN support review', 1),
    ('inclusion_send', 'ehcp_application', 'Help with EHC plan or assessment', 1),
    ('inclusion_send', 'inclusion_advice', 'Inclusion advice to the family', 1),
    ('inclusion_send', 'specialist_liaison', 'Liaison with specialist service', 1),
    ('inclusion_send', 'transition_support', 'Transition support', 1),
    ('family_wellbeing', 'wellbeing_checkin', 'Wellbeing check-in', 1),
    ('family_wellbeing', 'parenting_support', 'Parenting support', 1),
    ('family_wellbeing', 'mental_health_signpost', 'Mental health signposting', 1),
    ('family_wellbeing', 'safeguarding_discussion', 'Safeguarding discussion', 1),
    ('family_wellbeing', 'early_help_contact', 'Early help contact', 1),
    ('financial_hardship', 'food_bank_voucher', 'Food bank or baby bank voucher', 1),
    ('financial_hardship', 'benefits_form_help', 'Help with a benefits or funding form', 1),
    ('financial_hardship', 'debt_advice_signpost', 'Signposting to debt or benefits advice', 1),
    ('financial_hardship', 'housing_signpost', 'Signposting to housing support', 1),
    ('financial_hardship', 'essentials_provided', 'Clothes, nappies or essentials provided', 1);

CREATE TABLE support_entries (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES families(id),
    child_id INTEGER REFERENCES children(id),
    staff_id INTEGER REFERENCES staff(id),
    entry_date TEXT NOT NULL,
    domain TEXT NOT NULL CHECK (domain IN ('child_development', 'inclusion_send', 'family_wellbeing', 'financial_hardship')),
    kind TEXT NOT NULL CHECK (kind IN ('direct', 'indirect')),
    activity_code TEXT,
    minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 600),
    contact_mode TEXT NOT NULL DEFAULT 'in_person'
        CHECK (contact_mode IN ('in_person', 'phone', 'home_visit', 'meeting', 'message')),
    note TEXT NOT NULL DEFAULT '',
    follow_up_on TEXT,
    created_at TEXT NOT NULL
);
-- The log in date order (windowed lists), a family's chronology, a month's figures, follow-ups due.
CREATE INDEX idx_entries_date ON support_entries(entry_date, id);
CREATE INDEX idx_entries_family_date ON support_entries(family_id, entry_date, id);
CREATE INDEX idx_entries_follow_up ON support_entries(follow_up_on) WHERE follow_up_on IS NOT NULL;

CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    family_id INTEGER NOT NULL REFERENCES families(id),
    child_id INTEGER REFERENCES children(id),
    service_name TEXT NOT NULL,
    service_category TEXT NOT NULL CHECK (service_category IN (
        'health_visiting', 'speech_language', 'gp_primary_care', 'mental_health', 'family_hub', 'early_help',
        'social_care', 'send_support', 'housing', 'food_essentials', 'debt_benefits', 'domestic_abuse', 'other')),
    domain TEXT NOT NULL CHECK (domain IN ('child_development', 'inclusion_send', 'family_wellbeing', 'financial_hardship')),
    made_on TEXT NOT NULL,
    consent TEXT NOT NULL CHECK (consent IN ('given', 'not_given', 'not_needed', 'overridden')),
    status TEXT NOT NULL CHECK (status IN (
        'draft', 'sent', 'acknowledged', 'accepted', 'waitlisted', 'declined', 'seen', 'completed', 'withdrawn')),
    made_by INTEGER REFERENCES staff(id),
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX idx_referrals_family ON referrals(family_id, made_on);
CREATE INDEX idx_referrals_made_on ON referrals(made_on);
CREATE INDEX idx_referrals_status ON referrals(status);

-- Full-text search over notes (encrypted with everything else). External content: no second copy.
CREATE VIRTUAL TABLE entry_notes_fts USING fts5(
    note, content='support_entries', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER entries_fts_insert AFTER INSERT ON support_entries BEGIN
    INSERT INTO entry_notes_fts(rowid, note) VALUES (new.id, new.note);
END;
CREATE TRIGGER entries_fts_delete AFTER DELETE ON support_entries BEGIN
    INSERT INTO entry_notes_fts(entry_notes_fts, rowid, note) VALUES ('delete', old.id, old.note);
END;
CREATE TRIGGER entries_fts_update AFTER UPDATE OF note ON support_entries BEGIN
    INSERT INTO entry_notes_fts(entry_notes_fts, rowid, note) VALUES ('delete', old.id, old.note);
    INSERT INTO entry_notes_fts(rowid, note) VALUES (new.id, new.note);
END;

CREATE VIRTUAL TABLE family_notes_fts USING fts5(
    notes, content='families', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER families_fts_insert AFTER INSERT ON families BEGIN
    INSERT INTO family_notes_fts(rowid, notes) VALUES (new.id, new.notes);
END;
CREATE TRIGGER families_fts_delete AFTER DELETE ON families BEGIN
    INSERT INTO family_notes_fts(family_notes_fts, rowid, notes) VALUES ('delete', old.id, old.notes);
END;
CREATE TRIGGER families_fts_update AFTER UPDATE OF notes ON families BEGIN
    INSERT INTO family_notes_fts(family_notes_fts, rowid, notes) VALUES ('delete', old.id, old.notes);
    INSERT INTO family_notes_fts(rowid, notes) VALUES (new.id, new.notes);
END;
