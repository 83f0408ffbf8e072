"""The generic store: objects in and out of the key-value store, lists and pages, the write path every verb shares."""
