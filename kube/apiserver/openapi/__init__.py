"""OpenAPI v2 and v3 documents generated from the kind registry and the schema table."""
