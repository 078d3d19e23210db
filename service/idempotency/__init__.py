"""Idempotency keys: a retried request gets the first answer, and nothing is done twice."""
