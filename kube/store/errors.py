"""Store errors: each maps to one Kubernetes status code in the API server."""


class StoreError(Exception):
    """Base of every store error."""


class KeyExistsError(StoreError):
    """create-if-absent found the key (API: 409 AlreadyExists)."""


class KeyNotFoundError(StoreError):
    """The key is absent (API: 404 NotFound)."""


class RevisionMismatchError(StoreError):
    """Compare-and-swap lost: the key's mod revision differs (API: 409 Conflict)."""

    def __init__(self, message: str, current: "object | None" = None) -> None:
        super().__init__(message)
        self.current = current  # the KeyValue now stored, when known, or None if deleted


class CompactedError(StoreError):
    """A range or watch asked for a revision below the compacted one (API: 410 Gone)."""

    def __init__(self, message: str, compact_revision: int = 0) -> None:
        super().__init__(message)
        self.compact_revision = compact_revision


class RequestTooLargeError(StoreError):
    """The value is over the request size limit, 1.5 MiB as in etcd (API: 413)."""


class UnavailableError(StoreError):
    """No backend member answered (API: 503 / 504)."""
