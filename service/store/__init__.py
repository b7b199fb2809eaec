"""Storage of extracts, addresses, counts and outlines (SQLite by default, PostGIS at scale)."""
