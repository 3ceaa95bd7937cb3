-- 0008: service directories that can be trusted.
-- * Each service says how far its category can be trusted: confirmed by a person here, taken from the
--   directory's own taxonomy terms, or to review (the directory gave nothing we can place).
-- * For services to review, the category a tested matcher suggests and why (a suggestion, never applied
--   until a manager confirms it), and the directory's terms as published.
-- * A directory's named contacts (name, title, phone, email) are kept as contacts, not in the description.
--
-- Existing data: services imported before this version had their categories guessed from any word in
-- their text ("benefits" in "the health benefits of Tai Chi"). They become "to review", shown as Other,
-- with the old guess kept as the suggestion for a manager to confirm or change. Services added by hand or
-- from a referral keep their category, as confirmed.

ALTER TABLE services ADD COLUMN category_status TEXT NOT NULL DEFAULT 'confirmed'
    CHECK (category_status IN ('confirmed', 'directory', 'to_review'));
ALTER TABLE services ADD COLUMN suggested_category TEXT CHECK (suggested_category IS NULL OR suggested_category IN (
    'health_visiting', 'speech_language', 'gp_primary_care', 'mental_health', 'family_hub', 'early_help',
    'social_care', 'send_support', 'housing', 'food_essentials', 'debt_benefits', 'domestic_abuse'));
ALTER TABLE services ADD COLUMN suggestion_reason TEXT NOT NULL DEFAULT '';
-- One term a line, as the directory published them.
ALTER TABLE services ADD COLUMN taxonomy_terms TEXT NOT NULL DEFAULT '';

CREATE TABLE service_contacts (
    service_id INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (service_id, position)
) WITHOUT ROWID;

UPDATE services
SET category_status = 'to_review',
    suggested_category = CASE WHEN category = 'other' THEN NULL ELSE category END,
    suggestion_reason = CASE WHEN category = 'other' THEN ''
                             ELSE 'guessed from words in the text by an earlier import: check it' END,
    category = 'other',
    domain = NULL
WHERE source = 'import';

CREATE INDEX idx_services_review ON services(category_status) WHERE category_status = 'to_review';
