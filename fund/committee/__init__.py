"""The Executive Committee: voting rounds, recusals, votes and decisions."""
