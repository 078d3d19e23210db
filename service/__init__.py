"""The Widget API: a spec-first Falcon service."""
