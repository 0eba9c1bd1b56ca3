"""FastAPI plumbing shared by the services: problems, auth, idempotency, health, metrics."""
