"""Application use cases; the only place that opens a database session."""
