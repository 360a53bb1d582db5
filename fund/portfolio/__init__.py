"""The public portfolio: programme pages, the map of where the money goes, contributions."""
