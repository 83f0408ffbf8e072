"""The per-pod buffer the `score` kernel reads: a header plus four sections.

Plugins fill a `PodInputs` once per distinct pod shape (PreFilter/PreScore);
`build()` lays it out as one int64 array so the kernel call converts a single
buffer, which keeps per-pod overhead outside the kernel small.
"""

from __future__ import annotations

from array import array

from kube._fast import score_layout as k


class PodInputs:
    __slots__ = ("header", "required", "preferred", "images", "terms")

    def __init__(self) -> None:
        self.header = [0] * k.P_HEADER
        self.header[k.P_NODE] = -1
        self.header[k.P_IMG_MAX] = 1
        self.required: list[list[int]] = []  # terms ORed; each a flat list of requirements (ANDed)
        self.preferred: list[tuple[int, list[int]]] = []  # (weight, requirements)
        self.images: list[int] = []  # (image row, contribution) pairs
        self.terms: list[int] = []  # TERM_STRIDE ints per pod term

    def add_term(self, kind: int, key_row: int, series: int, param: int, min_domains: int,
                 self_match: bool, domains: int) -> None:
        term = [0] * k.TERM_STRIDE
        term[k.T_KIND], term[k.T_KEY], term[k.T_SERIES], term[k.T_PARAM] = kind, key_row, series, param
        term[k.T_MIN_DOMAINS], term[k.T_SELF], term[k.T_NDOM] = min_domains, 1 if self_match else 0, domains
        self.terms += term

    def build(self) -> array:
        body: list[int] = []
        h = list(self.header)
        h[k.P_REQ_OFF] = k.P_HEADER + len(body)
        body.append(len(self.required))
        for reqs in self.required:
            body.extend(reqs)
        h[k.P_PREF_OFF] = k.P_HEADER + len(body)
        body.append(len(self.preferred))
        for weight, reqs in self.preferred:
            body.append(weight)
            body.extend(reqs)
        h[k.P_IMG_OFF] = k.P_HEADER + len(body)
        h[k.P_IMG_N] = len(self.images) // 2
        body.extend(self.images)
        h[k.P_TERM_OFF] = k.P_HEADER + len(body)
        h[k.P_TERM_N] = len(self.terms) // k.TERM_STRIDE
        body.extend(self.terms)
        return array("q", h + body)


def as_int64(mask: int) -> int:
    """A uint64 bit mask in an int64 slot (the kernel casts it back)."""
    return mask - (1 << 64) if mask >= 1 << 63 else mask
