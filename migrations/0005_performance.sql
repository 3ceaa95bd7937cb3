-- 0005: indexes found by the benchmark (bench/, docs/performance.md).
--
-- Follow-ups are looked up by date across the whole history (the monthly summary's "follow-ups
-- overdue", the dashboard's due and overdue counts, follow_ups_due). The old partial index held only
-- the date, so each of the ~15,000 follow-ups in a ten-year casebook cost a table lookup, scattered
-- over the file (each one a page to decrypt). With the family id in the index those reads never
-- leave it: the summary's overdue follow-ups went from 198 to 34 ms on first use, 25 to 14 ms warm.
DROP INDEX IF EXISTS idx_entries_follow_up;
CREATE INDEX idx_entries_follow_up ON support_entries(follow_up_on, family_id) WHERE follow_up_on IS NOT NULL;

-- The same follow-ups family by family: lets "overdue follow-ups" start from the few open families
-- instead of every follow-up ever written (see the proposed query in docs/performance.md: 1 ms).
CREATE INDEX idx_entries_family_follow_up ON support_entries(family_id, follow_up_on)
    WHERE follow_up_on IS NOT NULL;
