-- 0010: header-click sorting on the Log (issue 25). The log can be ordered by domain, kind or time
-- spent as well as by date; each order walks its own index (then date and id, so paging by keyset
-- stays exact), instead of sorting all 251,000 entries of a ten-year casebook for every page. They
-- also answer a domain or kind filter in date order straight from the index.
CREATE INDEX idx_entries_domain_date ON support_entries(domain, entry_date, id);
CREATE INDEX idx_entries_kind_date ON support_entries(kind, entry_date, id);
CREATE INDEX idx_entries_minutes_date ON support_entries(minutes, entry_date, id);
