"""Eligibility screening by the secretariat: a checklist per call, recorded per submission."""
