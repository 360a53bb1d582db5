"""Users, organizations, roles and login."""
