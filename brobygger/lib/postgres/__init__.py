"""Django's PostgreSQL backend with a health check that asks no query of a quiet connection
(base.py). Named by settings.py as the ENGINE when DATABASE_URL is a PostgreSQL URL."""
