"""The tamper-evident audit trail: an append-only, hash-chained table of events."""
