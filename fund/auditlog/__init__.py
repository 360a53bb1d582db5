"""The audit log pages: the secretariat's log, its CSV export and the timelines of a subject,
read from the trail kept by `fund.audit` with the actors' organizations."""
