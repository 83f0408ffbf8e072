"""Pure-Python twin of score_node.pxi: what the kernel decides about one node on its own
(label programs, resource scores), with the same integer arithmetic."""

from __future__ import annotations

from kube._fast.score_layout import MASK64, MAX_NODE_SCORE, OP_DNE, OP_EXISTS, OP_IN


def popcount(x: int) -> int:
    return (x & MASK64).bit_count()


def lowest_bit(x: int) -> int:
    x &= MASK64
    return (x & -x).bit_length() - 1


def match_req(labels, cap: int, n: int, buf, i: int) -> tuple[bool, int]:
    """One requirement at buf[i]; returns (matched, index after it)."""
    key = buf[i]
    op = buf[i + 1]
    nv = buf[i + 2]
    v = labels[key * cap + n] if key >= 0 else -1
    j = i + 3
    if op == OP_EXISTS:
        ok = v >= 0
    elif op == OP_DNE:
        ok = v < 0
    else:
        found = False
        if v >= 0:
            for k in range(j, j + nv):
                if buf[k] == v:
                    found = True
                    break
        ok = found if op == OP_IN else not found
    return ok, j + nv


def match_term(labels, cap: int, n: int, buf, i: int) -> tuple[bool, int]:
    """A term (AND of requirements) at buf[i] = n_reqs; returns (matched, index after it)."""
    nr = buf[i]
    i += 1
    ok = True
    for _ in range(nr):
        r, i = match_req(labels, cap, n, buf, i)
        if not r:
            ok = False
    return ok, i


def match_required(labels, cap: int, n: int, buf, off: int) -> bool:
    """OR of terms; a program with no terms places no constraint."""
    nt = buf[off]
    if nt == 0:
        return True
    i = off + 1
    any_ok = False
    for _ in range(nt):
        ok, i = match_term(labels, cap, n, buf, i)
        if ok:
            any_ok = True
    return any_ok


def preferred_weight(labels, cap: int, n: int, buf, off: int) -> int:
    nt = buf[off]
    i = off + 1
    total = 0
    for _ in range(nt):
        w = buf[i]
        ok, i = match_term(labels, cap, n, buf, i + 1)
        if ok:
            total += w
    return total


def least_allocated(requested: int, capacity: int) -> int:
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_allocated(requested: int, capacity: int) -> int:
    if capacity == 0:
        return 0
    if requested > capacity:
        requested = capacity
    return requested * MAX_NODE_SCORE // capacity


def balanced(rc: int, ac: int, rm: int, am: int) -> int:
    """kube-scheduler's float64 formula: (1 - std of the two fractions) * 100, truncated.

    Python floats are IEEE doubles, so this equals the kernel's C arithmetic exactly."""
    fc = 1.0 if ac == 0 or rc >= ac else float(rc) / float(ac)
    fm = 1.0 if am == 0 or rm >= am else float(rm) / float(am)
    std = (fc - fm) / 2.0 if fc > fm else (fm - fc) / 2.0
    return int((1.0 - std) * 100.0)
