-- 0002: every status a referral has been in, with the date it changed. The monthly summary and the
-- LA export measure service response times from this (sent -> acknowledged, sent -> seen).
-- Existing referrals get one row for their current status, dated the day they were made.

CREATE TABLE referral_status_history (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN (
        'draft', 'sent', 'acknowledged', 'accepted', 'waitlisted', 'declined', 'seen', 'completed', 'withdrawn')),
    changed_on TEXT NOT NULL,
    changed_by INTEGER REFERENCES staff(id),
    reason TEXT CHECK (reason IS NULL OR reason IN (
        'not_eligible', 'waiting_list_closed', 'family_declined', 'no_response', 'duplicate', 'other')),
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX idx_referral_history_referral ON referral_status_history(referral_id, changed_on, id);
CREATE INDEX idx_referral_history_status ON referral_status_history(status, changed_on);

INSERT INTO referral_status_history (referral_id, status, changed_on, changed_by, created_at)
    SELECT id, status, made_on, made_by, created_at FROM referrals;
