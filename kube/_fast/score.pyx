# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Cython kernel: filter and score every node for one pod in typed `nogil` loops.

Twin of score_py.py (same class, methods and integer arithmetic); both read the layout of
the columns and of the pod buffer from score_layout.py, and the shared suite in tests/fast/
checks they agree exactly.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

include "score_layout.pxi"
include "score_node.pxi"


cdef class ScoreKernel:
    """Holds views of the node columns and work buffers; `schedule` places one pod."""

    cdef Py_ssize_t cap
    cdef const uint8_t[::1] alive
    cdef const uint8_t[::1] unsched
    cdef const int64_t[::1] res
    cdef const uint64_t[::1] taints
    cdef const int32_t[::1] labels
    cdef const uint8_t[::1] images
    cdef const int32_t[::1] series
    cdef int64_t[::1] scores
    cdef int32_t[::1] reasons
    cdef int64_t[::1] scratch
    cdef const int64_t[::1] profile

    def __init__(self):
        self.cap = 0

    def bind_nodes(self, Py_ssize_t cap, alive, unsched, res, taints, labels, images, series):
        self.cap = cap
        self.alive = alive
        self.unsched = unsched
        self.res = res
        self.taints = taints
        self.labels = labels
        self.images = images
        self.series = series

    def bind_work(self, scores, reasons, scratch):
        """scores int64[cap], reasons int32[cap], scratch int64[N_SCORES*cap + 2*max domains]."""
        self.scores = scores
        self.reasons = reasons
        self.scratch = scratch

    def bind_profile(self, profile):
        self.profile = profile

    def schedule(self, Py_ssize_t n_nodes, const int64_t[::1] pod, uint64_t tie_seed):
        """Filter and score nodes [0, n_nodes); returns (chosen index or -1, feasible count)."""
        cdef Py_ssize_t chosen = -1
        cdef Py_ssize_t feasible = 0
        with nogil:
            chosen = self._schedule(n_nodes, pod, tie_seed, &feasible)
        return chosen, feasible

    cdef Py_ssize_t _schedule(self, Py_ssize_t n_nodes, const int64_t[::1] pod, uint64_t tie_seed,
                              Py_ssize_t *feasible_out) noexcept nogil:
        cdef Py_ssize_t cap = self.cap
        cdef const uint8_t[::1] alive = self.alive
        cdef const uint8_t[::1] unsched = self.unsched
        cdef const int64_t[::1] res = self.res
        cdef const uint64_t[::1] taints = self.taints
        cdef const int32_t[::1] labels = self.labels
        cdef const uint8_t[::1] images = self.images
        cdef const int32_t[::1] series = self.series
        cdef int64_t[::1] scores = self.scores
        cdef int32_t[::1] reasons = self.reasons
        cdef int64_t[::1] scratch = self.scratch
        cdef const int64_t[::1] profile = self.profile
        cdef int64_t filters = profile[PR_FILTERS]
        cdef bint most = profile[PR_STRATEGY] == STRATEGY_MOST
        cdef int64_t p_cpu = pod[P_CPU], p_mem = pod[P_MEM]
        cdef int64_t p_nz_cpu = pod[P_NZ_CPU], p_nz_mem = pod[P_NZ_MEM]
        cdef int64_t p_node = pod[P_NODE]
        cdef int64_t tol_unsched = pod[P_TOL_UNSCHED]
        cdef uint64_t hard = <uint64_t>pod[P_HARD_TAINTS]
        cdef uint64_t soft = <uint64_t>pod[P_SOFT_TAINTS]
        cdef Py_ssize_t req_off = pod[P_REQ_OFF]
        cdef bint has_req = pod[req_off] != 0
        cdef Py_ssize_t pref_off = pod[P_PREF_OFF]
        cdef bint has_pref = pod[pref_off] != 0 and profile[S_AFFINITY] != 0
        cdef int64_t n_terms = pod[P_TERM_N]
        cdef Py_ssize_t term_off = pod[P_TERM_OFF]
        cdef Py_ssize_t n, b, tb, d, i, t
        cdef bint aff, spread
        cdef int32_t r
        cdef int64_t bits, kind, key, srow, param, min_dom, self_match, ndom, total, c, lo, ndomains, why
        cdef Py_ssize_t sp_row = S_SPREAD * cap, ip_row = S_INTERPOD * cap
        cdef Py_ssize_t aff_row = S_AFFINITY * cap, taint_row = S_TAINT * cap
        cdef Py_ssize_t dom_base = N_SCORES * cap, cnt, present, kb, sb
        cdef bint has_ip = False, has_spread_score = False

        # no topology terms and no score needing a normalisation pass (the basic pod): filter inside
        # the score loop, one pass over the columns instead of two; the same results either way
        cdef bint fused = n_terms == 0 and not has_pref and not (soft != 0 and profile[S_TAINT] != 0)
        if not fused:
            for n in range(n_nodes):
                if not alive[n]:
                    reasons[n] = R_DEAD
                    scores[n] = 0
                    continue
                aff = (not has_req) or match_required(labels, cap, n, pod, req_off)
                scores[n] = 1 if aff else 0
                reasons[n] = filter_reason(unsched, taints, res, n, filters, tol_unsched, p_node, hard,
                                           p_cpu, p_mem, aff)

        if n_terms:
            for n in range(n_nodes):
                scratch[sp_row + n] = 0
                scratch[ip_row + n] = 0
        for t in range(n_terms):
            tb = term_off + t * TERM_STRIDE
            kind = pod[tb + T_KIND]
            key = pod[tb + T_KEY]
            srow = pod[tb + T_SERIES]
            param = pod[tb + T_PARAM]
            min_dom = pod[tb + T_MIN_DOMAINS]
            self_match = pod[tb + T_SELF]
            ndom = pod[tb + T_NDOM]
            spread = kind == K_SPREAD_HARD or kind == K_SPREAD_SOFT
            if spread and not filters & F_SPREAD and kind == K_SPREAD_HARD:
                continue
            if not spread and not filters & F_INTERPOD and kind != K_PREF:
                continue
            cnt = dom_base
            present = dom_base + ndom
            for d in range(ndom):
                scratch[cnt + d] = 0
                scratch[present + d] = 0
            kb = key * cap
            sb = srow * cap
            total = 0
            for n in range(n_nodes):
                if not alive[n]:
                    continue
                if spread and not scores[n]:
                    continue
                d = labels[kb + n] if key >= 0 else -1
                if d < 0:
                    continue
                c = series[sb + n]
                scratch[cnt + d] += c
                scratch[present + d] = 1
                total += c
            if kind == K_REQ_AFF:
                if total == 0 and self_match:
                    continue
                for n in range(n_nodes):
                    if reasons[n] == R_OK:
                        d = labels[kb + n] if key >= 0 else -1
                        if d < 0 or scratch[cnt + d] == 0:
                            reasons[n] = R_AFF_RULES
            elif kind == K_REQ_ANTI or kind == K_EXIST_ANTI:
                why = R_ANTI_RULES if kind == K_REQ_ANTI else R_EXIST_ANTI
                for n in range(n_nodes):
                    if reasons[n] == R_OK:
                        d = labels[kb + n] if key >= 0 else -1
                        if d >= 0 and scratch[cnt + d] > 0:
                            reasons[n] = <int32_t>why
            elif kind == K_PREF:
                has_ip = True
                for n in range(n_nodes):
                    if reasons[n] == R_OK:
                        d = labels[kb + n] if key >= 0 else -1
                        if d >= 0:
                            scratch[ip_row + n] += param * scratch[cnt + d]
            else:
                lo = -1
                ndomains = 0
                for d in range(ndom):
                    if scratch[present + d]:
                        ndomains += 1
                        if lo < 0 or scratch[cnt + d] < lo:
                            lo = scratch[cnt + d]
                if lo < 0:
                    lo = 0
                if kind == K_SPREAD_HARD:
                    if ndomains < min_dom:
                        lo = 0
                    for n in range(n_nodes):
                        if reasons[n] == R_OK:
                            d = labels[kb + n] if key >= 0 else -1
                            if d < 0:
                                reasons[n] = R_SPREAD_MISSING
                            elif scratch[cnt + d] + self_match - lo > param:
                                reasons[n] = R_SPREAD
                else:
                    has_spread_score = True
                    for n in range(n_nodes):
                        if reasons[n] == R_OK:
                            d = labels[kb + n] if key >= 0 else -1
                            if d < 0:
                                scratch[sp_row + n] = SPREAD_IGNORED
                            elif scratch[sp_row + n] >= 0:
                                scratch[sp_row + n] += scratch[cnt + d] + param - 1

        cdef int64_t w_fit = profile[S_FIT], w_bal = profile[S_BALANCED], w_aff = profile[S_AFFINITY]
        cdef int64_t w_taint = profile[S_TAINT], w_ip = profile[S_INTERPOD], w_spread = profile[S_SPREAD]
        cdef int64_t w_img = profile[S_IMAGE]
        cdef Py_ssize_t img_off = pod[P_IMG_OFF]
        cdef int64_t img_n = pod[P_IMG_N], img_min = pod[P_IMG_MIN], img_max = pod[P_IMG_MAX]
        has_ip = has_ip and w_ip != 0
        has_spread_score = has_spread_score and w_spread != 0
        cdef bint has_taint = soft != 0 and w_taint != 0
        cdef int64_t aff_max = 0, taint_max = 0, ip_min = 0, ip_max = 0, sp_min = 0, sp_max = 0, v
        cdef bint first_ip = True, first_sp = True
        cdef Py_ssize_t feasible = 0
        if has_pref or has_taint or has_ip or has_spread_score:
            for n in range(n_nodes):
                if reasons[n] != R_OK:
                    continue
                feasible += 1
                if has_pref:
                    v = preferred_weight(labels, cap, n, pod, pref_off)
                    scratch[aff_row + n] = v
                    if v > aff_max:
                        aff_max = v
                if has_taint:
                    v = __builtin_popcountll(taints[n] & soft)
                    scratch[taint_row + n] = v
                    if v > taint_max:
                        taint_max = v
                if has_ip:
                    v = scratch[ip_row + n]
                    if first_ip or v < ip_min:
                        ip_min = v
                    if first_ip or v > ip_max:
                        ip_max = v
                    first_ip = False
                if has_spread_score:
                    v = scratch[sp_row + n]
                    if v >= 0:
                        if first_sp or v < sp_min:
                            sp_min = v
                        if first_sp or v > sp_max:
                            sp_max = v
                        first_sp = False

        cdef int64_t base = 0
        if w_taint and not has_taint:
            base += w_taint * MAX_NODE_SCORE

        cdef int64_t best = -1, ties = 0, s, rc, rm, ac, am
        cdef int64_t row
        feasible = 0
        for n in range(n_nodes):
            if fused:
                if not alive[n]:
                    reasons[n] = R_DEAD
                else:
                    reasons[n] = filter_reason(unsched, taints, res, n, filters, tol_unsched, p_node, hard,
                                               p_cpu, p_mem,
                                               (not has_req) or match_required(labels, cap, n, pod, req_off))
            if reasons[n] != R_OK:
                scores[n] = -1
                continue
            feasible += 1
            b = n * RES_STRIDE
            total = base
            if w_fit or w_bal:
                rc = res[b + RES_NZ_CPU] + p_nz_cpu
                rm = res[b + RES_NZ_MEM] + p_nz_mem
                ac = res[b + RES_ALLOC_CPU]
                am = res[b + RES_ALLOC_MEM]
                if w_fit:
                    if most:
                        s = (most_allocated(rc, ac) + most_allocated(rm, am)) // 2
                    else:
                        s = (least_allocated(rc, ac) + least_allocated(rm, am)) // 2
                    total += w_fit * s
                if w_bal:
                    total += w_bal * balanced(rc, ac, rm, am)
            if has_pref and aff_max > 0:
                total += w_aff * (scratch[aff_row + n] * MAX_NODE_SCORE // aff_max)
            if has_taint:
                if taint_max > 0:
                    total += w_taint * (MAX_NODE_SCORE - scratch[taint_row + n] * MAX_NODE_SCORE // taint_max)
                else:
                    total += w_taint * MAX_NODE_SCORE
            if has_ip and ip_max > ip_min:
                total += w_ip * ((scratch[ip_row + n] - ip_min) * MAX_NODE_SCORE // (ip_max - ip_min))
            if has_spread_score:
                v = scratch[sp_row + n]
                if v >= 0:
                    if sp_max == 0:
                        total += w_spread * MAX_NODE_SCORE
                    else:
                        total += w_spread * ((sp_max + sp_min - v) * MAX_NODE_SCORE // sp_max)
            if w_img and img_n:
                s = 0
                for i in range(img_n):
                    row = pod[img_off + 2 * i]
                    if images[row * cap + n]:
                        s += pod[img_off + 2 * i + 1]
                if s < img_min:
                    s = img_min
                elif s > img_max:
                    s = img_max
                total += w_img * ((s - img_min) * MAX_NODE_SCORE // (img_max - img_min))
            scores[n] = total
            if total > best:
                best = total
                ties = 1
            elif total == best:
                ties += 1
        feasible_out[0] = feasible
        if ties == 0:
            return -1
        cdef uint64_t k = tie_seed % <uint64_t>ties
        for n in range(n_nodes):
            if scores[n] == best:
                if k == 0:
                    return n
                k -= 1
        return -1
