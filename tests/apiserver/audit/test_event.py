"""An Event's small parts: MicroTime text as Go writes it (RFC 3339, six fractional digits, Z)
and auditIDs that are version 4 UUIDs."""

from __future__ import annotations

import datetime
import uuid

from hypothesis import given
from hypothesis import strategies as st

from kube.apiserver.audit.event import micro_time, new_audit_id


@given(st.floats(min_value=0, max_value=4e9, allow_nan=False))
def test_micro_time_is_the_utc_instant_to_the_microsecond(t: float) -> None:
    expected = datetime.datetime.fromtimestamp(t, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert micro_time(t) == expected


def test_audit_ids_are_distinct_version_4_uuids() -> None:
    ids = {new_audit_id() for _ in range(1000)}
    assert len(ids) == 1000
    for text in list(ids)[:50]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
