"""Reference data: GCM objectives, thematic areas, principles, budget categories, countries."""
