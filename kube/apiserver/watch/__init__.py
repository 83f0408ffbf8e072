"""Watches: the per-kind watch cache, its watchers, replays from the store, and the HTTP stream."""
