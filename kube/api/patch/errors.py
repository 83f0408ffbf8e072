"""The one error every patch flavour raises when a patch does not apply to an object."""

from __future__ import annotations


class PatchError(ValueError):
    """A patch that is malformed or does not apply (the API server answers 422 with its message)."""
