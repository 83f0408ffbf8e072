"""`fieldValidation` on writes: unknown fields dropped, and reported as the client asked.

Create, update, patch and apply all hand the object they are about to write to
`FieldValidation.check`, which prunes it against Kubernetes' schema for its
kind (kube/api/schemas/unknown_fields.py) and, per the query parameter, says
nothing (Ignore), remembers a warning (Warn, the default) or refuses with 400
(Strict, what kubectl sends). The warnings go out as Kubernetes sends them:
one `Warning: 299 - "unknown field \\"spec.foo\\""` header each.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kube.api.schemas.unknown_fields import directive, enforce
from kube.apiserver.admission.warnings import take_warnings


class FieldValidation:
    """The directive of one request and the warnings of its latest attempt."""

    def __init__(self, request: web.Request) -> None:
        self.directive = directive(request.query.get("fieldValidation"))
        self.warnings: list[str] = []
        take_warnings()  # admission's warnings are this request's alone

    def check(self, obj: Any) -> Any:
        """Prune `obj` in place (400 under Strict); a retried write replaces the previous warnings."""
        self.warnings = enforce(obj, self.directive)
        return obj

    def respond(self, response: web.Response) -> web.Response:
        for text in [*self.warnings, *take_warnings()]:  # admission's (admission/warnings.py) after these
            escaped = text.replace("\\", "\\\\").replace('"', '\\"')
            response.headers.add("Warning", f'299 - "{escaped}"')
        return response
