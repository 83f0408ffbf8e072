"""The verbs on resources (get, list, create, update, patch, delete) and the non-resource paths, one module each."""
