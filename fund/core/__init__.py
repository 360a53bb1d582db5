"""Home page and health checks."""
