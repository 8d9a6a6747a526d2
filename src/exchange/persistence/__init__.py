"""Storage: ORM rows, the database connection, Alembic migrations and the unit of work."""
