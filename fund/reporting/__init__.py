"""The programmes' reports after funding: the reporting schedule made at funding, the
narrative and financial reports the participating organizations submit, the secretariat's
acceptance or return, and the reads others need (`queries.reports_accepted_through`)."""
