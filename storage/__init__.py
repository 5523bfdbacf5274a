"""Storage: SQLAlchemy models, engine and migrations, queries, export."""
