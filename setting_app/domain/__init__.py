"""Plain data and rules: no database, no Qt. Everything else builds on this."""
