"""Persistence: peewee models, connections and migrations."""
