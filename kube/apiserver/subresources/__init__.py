"""Subresources with their own shapes: scale, binding, eviction, log (status and finalize
go through the generic update path with the subresource's rules)."""
