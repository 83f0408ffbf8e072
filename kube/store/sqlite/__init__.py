"""Embedded store backend: a kine-like revision log in one SQLite file (the single-machine default)."""

from kube.store.sqlite.backend import SqliteStore

__all__ = ["SqliteStore"]
