# distutils: language = c++
# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Cython kernel: which Services' equality selectors a pod's labels satisfy.

Twin of selector_index_py.py (same class, methods, anchor rule and results); read the
twin's docstring for the algorithm. Here the index lives in C++ vectors indexed by pair,
service and pod id, and matching runs in `nogil` loops: the pod's pairs are stamped
with an epoch, then every service anchored at one of them is verified pair by pair
against the stamps.
"""

from array import array

from libc.stdint cimport int32_t, int64_t
from libcpp.algorithm cimport sort
from libcpp.pair cimport pair
from libcpp.vector cimport vector


cdef vector[int32_t] _normalised(object pairs) except *:
    cdef vector[int32_t] out
    cdef long value
    for item in sorted(set(pairs)):
        value = item
        if value < 0:
            raise ValueError(f"pair ids are non-negative, got {value}")
        if value > 2147483646:
            raise ValueError(f"pair id {value} is too large")
        out.push_back(<int32_t>value)
    return out


cdef inline void _check_id(long value) except *:
    if value < 0:
        raise ValueError(f"ids are non-negative, got {value}")
    if value > 2147483646:
        raise ValueError(f"id {value} is too large")


cdef class SelectorIndex:
    cdef vector[vector[int32_t]] _required   # service id -> pair ids
    cdef vector[char] _service_present
    cdef vector[int32_t] _anchor             # service id -> anchor pair, -1 when none
    cdef vector[vector[int32_t]] _anchored   # pair id -> services anchored at it
    cdef vector[int32_t] _demand             # pair id -> services requiring it
    cdef vector[int64_t] _stamp              # pair id -> epoch of the pod being matched
    cdef int64_t _epoch
    cdef vector[vector[int32_t]] _pods       # pod id -> pair ids
    cdef vector[char] _pod_present
    cdef Py_ssize_t _n_services
    cdef Py_ssize_t _n_pods
    cdef int64_t _max_service

    def __init__(self):
        self._epoch = 0
        self._n_services = 0
        self._n_pods = 0
        self._max_service = -1

    @property
    def n_services(self):
        return self._n_services

    @property
    def n_pods(self):
        return self._n_pods

    cdef void _grow_pairs(self, vector[int32_t]& pairs) noexcept nogil:
        cdef size_t need = 0
        if not pairs.empty():
            need = <size_t>pairs.back() + 1
        if need > self._anchored.size():
            self._anchored.resize(need)
            self._demand.resize(need, 0)
            self._stamp.resize(need, 0)

    # --- services --------------------------------------------------------------------------

    def set_service(self, long sid, pairs):
        _check_id(sid)
        cdef vector[int32_t] required = _normalised(pairs)
        self.remove_service(sid)
        if <size_t>sid >= self._required.size():
            self._required.resize(sid + 1)
            self._service_present.resize(sid + 1, 0)
            self._anchor.resize(sid + 1, -1)
        self._grow_pairs(required)
        cdef int32_t anchor = -1
        cdef int32_t p
        for p in required:
            if anchor < 0 or self._demand[p] < self._demand[anchor]:
                anchor = p
        for p in required:
            self._demand[p] += 1
        self._required[sid] = required
        self._service_present[sid] = 1
        self._anchor[sid] = anchor
        if anchor >= 0:
            self._anchored[anchor].push_back(<int32_t>sid)
        self._n_services += 1
        if sid > self._max_service:
            self._max_service = sid

    def remove_service(self, long sid):
        if sid < 0 or <size_t>sid >= self._required.size() or not self._service_present[sid]:
            return
        cdef int32_t p
        for p in self._required[sid]:
            self._demand[p] -= 1
        cdef int32_t anchor = self._anchor[sid]
        cdef vector[int32_t]* members
        cdef size_t i
        if anchor >= 0:
            members = &self._anchored[anchor]
            for i in range(members.size()):
                if members[0][i] == sid:
                    members.erase(members.begin() + i)
                    break
        self._required[sid].clear()
        self._service_present[sid] = 0
        self._anchor[sid] = -1
        self._n_services -= 1

    # --- pods ------------------------------------------------------------------------------

    cdef void _match(self, vector[int32_t]& have, vector[int32_t]& out) noexcept nogil:
        cdef size_t n_pairs = self._stamp.size()
        cdef int64_t epoch
        cdef int32_t p, sid
        cdef size_t i, j, k
        cdef bint ok
        cdef vector[int32_t]* anchored
        cdef vector[int32_t]* required
        self._epoch += 1
        epoch = self._epoch
        for i in range(have.size()):
            p = have[i]
            if <size_t>p < n_pairs:
                self._stamp[p] = epoch
        for i in range(have.size()):
            p = have[i]
            if <size_t>p >= n_pairs:
                continue
            anchored = &self._anchored[p]
            for j in range(anchored.size()):
                sid = anchored[0][j]
                required = &self._required[sid]
                ok = True
                for k in range(required.size()):
                    if self._stamp[required[0][k]] != epoch:
                        ok = False
                        break
                if ok:
                    out.push_back(sid)

    cdef list _matched(self, vector[int32_t]& have):
        cdef vector[int32_t] out
        with nogil:
            self._match(have, out)
            sort(out.begin(), out.end())
        return [x for x in out]

    def match_pod(self, pairs):
        cdef vector[int32_t] have = _normalised(pairs)
        return self._matched(have)

    def set_pod(self, long pid, pairs):
        _check_id(pid)
        cdef vector[int32_t] new = _normalised(pairs)
        cdef vector[int32_t] out
        cdef bint had = <size_t>pid < self._pods.size() and self._pod_present[pid]
        if <size_t>pid >= self._pods.size():
            self._pods.resize(pid + 1)
            self._pod_present.resize(pid + 1, 0)
        with nogil:
            if had:
                self._match(self._pods[pid], out)
            self._match(new, out)
            sort(out.begin(), out.end())
        self._pods[pid] = new
        if not had:
            self._pod_present[pid] = 1
            self._n_pods += 1
        result = []
        cdef int32_t last = -1
        cdef int32_t s
        for s in out:
            if s != last:
                result.append(s)
                last = s
        return result

    def remove_pod(self, long pid):
        if pid < 0 or <size_t>pid >= self._pods.size() or not self._pod_present[pid]:
            return []
        result = self._matched(self._pods[pid])
        self._pods[pid].clear()
        self._pod_present[pid] = 0
        self._n_pods -= 1
        return result

    def pod_services(self, long pid):
        if pid < 0 or <size_t>pid >= self._pods.size() or not self._pod_present[pid]:
            return []
        return self._matched(self._pods[pid])

    def rematch_all(self):
        cdef Py_ssize_t n = self._max_service + 1
        cdef vector[pair[int32_t, int32_t]] hits
        cdef vector[int32_t] out
        cdef size_t pid, k
        cdef int32_t sid
        with nogil:
            for pid in range(self._pods.size()):
                if not self._pod_present[pid]:
                    continue
                out.clear()
                self._match(self._pods[pid], out)
                for sid in out:
                    hits.push_back(pair[int32_t, int32_t](sid, <int32_t>pid))
        offsets = array("q", bytes(8 * (n + 1)))
        pods = array("i", bytes(4 * hits.size()))
        cdef int64_t[::1] off = offsets
        cdef int32_t[::1] dst = pods
        cdef vector[int64_t] fill
        cdef Py_ssize_t s
        with nogil:
            for k in range(hits.size()):
                off[hits[k].first + 1] += 1
            for s in range(n):
                off[s + 1] += off[s]
            fill.resize(n)
            for s in range(n):
                fill[s] = off[s]
            for k in range(hits.size()):
                sid = hits[k].first
                dst[fill[sid]] = hits[k].second
                fill[sid] += 1
        return offsets, pods
