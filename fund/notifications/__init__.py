"""Notifications: in-app messages, email through an outbox, per-kind preferences and digests."""
