# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Cython kernel: filter and score every node for one pod in typed `nogil` loops.

Twin of score_py.py (same class, methods, constants and integer arithmetic);
the shared suite tests/fast/test_score_kernels.py checks they agree exactly.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

RES_ALLOC_CPU, RES_ALLOC_MEM, RES_ALLOC_PODS = 0, 1, 2
RES_REQ_CPU, RES_REQ_MEM, RES_REQ_PODS = 3, 4, 5
RES_NZ_CPU, RES_NZ_MEM = 6, 7
RES_STRIDE = 8
P_CPU, P_MEM, P_NZ_CPU, P_NZ_MEM = 0, 1, 2, 3
P_NODE = 4
P_TOL_UNSCHED = 5
P_HARD_TAINTS, P_SOFT_TAINTS = 6, 7
P_IMG_MIN, P_IMG_MAX = 8, 9
P_REQ_OFF, P_PREF_OFF = 10, 11
P_IMG_OFF, P_IMG_N = 12, 13
P_TERM_OFF, P_TERM_N = 14, 15
P_HEADER = 16
OP_IN, OP_NOTIN, OP_EXISTS, OP_DNE = 0, 1, 2, 3
T_KIND, T_KEY, T_SERIES, T_PARAM, T_MIN_DOMAINS, T_SELF, T_NDOM = 0, 1, 2, 3, 4, 5, 6
TERM_STRIDE = 7
K_REQ_AFF, K_REQ_ANTI, K_EXIST_ANTI, K_PREF, K_SPREAD_HARD, K_SPREAD_SOFT = 1, 2, 3, 4, 5, 6
S_FIT, S_BALANCED, S_AFFINITY, S_TAINT, S_INTERPOD, S_SPREAD, S_IMAGE = 0, 1, 2, 3, 4, 5, 6
N_SCORES = 7
PR_FILTERS, PR_STRATEGY = 7, 8
PROFILE_LEN = 9
F_UNSCHED, F_NODENAME, F_TAINT, F_AFFINITY, F_FIT, F_SPREAD, F_INTERPOD = 1, 2, 4, 8, 16, 32, 64
STRATEGY_LEAST, STRATEGY_MOST = 0, 1
R_OK, R_UNSCHED, R_NODENAME, R_AFFINITY = 0, 1, 2, 3
R_FIT = 16
R_SPREAD, R_SPREAD_MISSING = 30, 31
R_AFF_RULES, R_ANTI_RULES, R_EXIST_ANTI = 40, 41, 42
R_DEAD = 255
R_TAINT = 1000
MAX_NODE_SCORE = 100
MASK64 = (1 << 64) - 1

cdef enum:
    cRES_STRIDE = 8
    cTERM_STRIDE = 7
    cN_SCORES = 7
    cMAX = 100

cdef extern from *:
    int __builtin_popcountll(unsigned long long) nogil
    int __builtin_ctzll(unsigned long long) nogil


cdef inline bint _match_req(const int32_t[::1] labels, Py_ssize_t cap, Py_ssize_t n,
                            const int64_t[::1] buf, Py_ssize_t *i) noexcept nogil:
    cdef int64_t key = buf[i[0]]
    cdef int64_t op = buf[i[0] + 1]
    cdef int64_t nv = buf[i[0] + 2]
    cdef int64_t v = labels[key * cap + n] if key >= 0 else -1
    cdef Py_ssize_t j = i[0] + 3
    cdef Py_ssize_t k
    cdef bint found = False
    i[0] = j + nv
    if op == 2:
        return v >= 0
    if op == 3:
        return v < 0
    if v >= 0:
        for k in range(j, j + nv):
            if buf[k] == v:
                found = True
                break
    return found if op == 0 else not found


cdef inline bint _match_term(const int32_t[::1] labels, Py_ssize_t cap, Py_ssize_t n,
                             const int64_t[::1] buf, Py_ssize_t *i) noexcept nogil:
    cdef int64_t nr = buf[i[0]]
    cdef int64_t r
    cdef bint ok = True
    i[0] += 1
    for r in range(nr):
        if not _match_req(labels, cap, n, buf, i):
            ok = False
    return ok


cdef inline bint _match_required(const int32_t[::1] labels, Py_ssize_t cap, Py_ssize_t n,
                                 const int64_t[::1] buf, Py_ssize_t off) noexcept nogil:
    cdef int64_t nt = buf[off]
    cdef int64_t t
    cdef Py_ssize_t i = off + 1
    cdef bint any_ok = False
    if nt == 0:
        return True
    for t in range(nt):
        if _match_term(labels, cap, n, buf, &i):
            any_ok = True
    return any_ok


cdef inline int64_t _preferred_weight(const int32_t[::1] labels, Py_ssize_t cap, Py_ssize_t n,
                                      const int64_t[::1] buf, Py_ssize_t off) noexcept nogil:
    cdef int64_t nt = buf[off]
    cdef int64_t t, w
    cdef Py_ssize_t i = off + 1
    cdef int64_t total = 0
    for t in range(nt):
        w = buf[i]
        i += 1
        if _match_term(labels, cap, n, buf, &i):
            total += w
    return total


cdef inline int64_t _least(int64_t requested, int64_t capacity) noexcept nogil:
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * cMAX // capacity


cdef inline int64_t _most(int64_t requested, int64_t capacity) noexcept nogil:
    if capacity == 0:
        return 0
    if requested > capacity:
        requested = capacity
    return requested * cMAX // capacity


cdef inline int64_t _balanced(int64_t rc, int64_t ac, int64_t rm, int64_t am) noexcept nogil:
    """kube-scheduler's float64 formula: (1 - std of the two fractions) * 100, truncated."""
    cdef double fc = 1.0 if ac == 0 or rc >= ac else <double>rc / <double>ac
    cdef double fm = 1.0 if am == 0 or rm >= am else <double>rm / <double>am
    cdef double std = (fc - fm) / 2.0 if fc > fm else (fm - fc) / 2.0
    return <int64_t>((1.0 - std) * 100.0)


cdef inline int32_t _filter(const uint8_t[::1] unsched, const uint64_t[::1] taints, const int64_t[::1] res,
                           Py_ssize_t n, int64_t filters, int64_t tol_unsched, int64_t p_node, uint64_t hard,
                           int64_t p_cpu, int64_t p_mem, bint aff) noexcept nogil:
    """The first failing filter's reason for a live node (0: it passes): plugin order as kube-scheduler's."""
    cdef Py_ssize_t b
    cdef int64_t bits
    if filters & 1 and unsched[n] and not tol_unsched:
        return 1
    if filters & 2 and p_node != -1 and p_node != n:
        return 2
    if filters & 4 and taints[n] & hard:
        return 1000 + __builtin_ctzll(taints[n] & hard)
    if filters & 8 and not aff:
        return 3
    if filters & 16:
        b = n * cRES_STRIDE
        bits = 0
        if p_cpu > 0 and res[b + 3] + p_cpu > res[b + 0]:
            bits |= 1
        if p_mem > 0 and res[b + 4] + p_mem > res[b + 1]:
            bits |= 2
        if res[b + 5] + 1 > res[b + 2]:
            bits |= 4
        if bits:
            return <int32_t>(16 | bits)
    return 0


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
        cdef int64_t filters = profile[7]
        cdef bint most = profile[8] == 1
        cdef int64_t p_cpu = pod[0], p_mem = pod[1], p_nz_cpu = pod[2], p_nz_mem = pod[3]
        cdef int64_t p_node = pod[4]
        cdef int64_t tol_unsched = pod[5]
        cdef uint64_t hard = <uint64_t>pod[6]
        cdef uint64_t soft = <uint64_t>pod[7]
        cdef Py_ssize_t req_off = pod[10]
        cdef bint has_req = pod[req_off] != 0
        cdef Py_ssize_t pref_off = pod[11]
        cdef bint has_pref = pod[pref_off] != 0 and profile[2] != 0
        cdef int64_t n_terms = pod[15]
        cdef Py_ssize_t term_off = pod[14]
        cdef Py_ssize_t n, b, tb, d, i, t
        cdef bint aff, spread
        cdef int32_t r
        cdef int64_t bits, kind, key, srow, param, min_dom, self_match, ndom, total, c, lo, ndomains, why
        cdef Py_ssize_t sp_row = 5 * cap, ip_row = 4 * cap, aff_row = 2 * cap, taint_row = 3 * cap
        cdef Py_ssize_t dom_base = cN_SCORES * cap, cnt, present, kb, sb
        cdef bint has_ip = False, has_spread_score = False

        # no topology terms and no score needing a normalisation pass (the basic pod): filter inside
        # the score loop, one pass over the columns instead of two; the same results either way
        cdef bint fused = n_terms == 0 and not has_pref and not (soft != 0 and profile[3] != 0)
        if not fused:
            for n in range(n_nodes):
                if not alive[n]:
                    reasons[n] = 255
                    scores[n] = 0
                    continue
                aff = (not has_req) or _match_required(labels, cap, n, pod, req_off)
                scores[n] = 1 if aff else 0
                reasons[n] = _filter(unsched, taints, res, n, filters, tol_unsched, p_node, hard, p_cpu, p_mem, aff)

        if n_terms:
            for n in range(n_nodes):
                scratch[sp_row + n] = 0
                scratch[ip_row + n] = 0
        for t in range(n_terms):
            tb = term_off + t * cTERM_STRIDE
            kind = pod[tb]
            key = pod[tb + 1]
            srow = pod[tb + 2]
            param = pod[tb + 3]
            min_dom = pod[tb + 4]
            self_match = pod[tb + 5]
            ndom = pod[tb + 6]
            spread = kind == 5 or kind == 6
            if spread and not filters & 32 and kind == 5:
                continue
            if not spread and not filters & 64 and kind != 4:
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
            if kind == 1:
                if total == 0 and self_match:
                    continue
                for n in range(n_nodes):
                    if reasons[n] == 0:
                        d = labels[kb + n] if key >= 0 else -1
                        if d < 0 or scratch[cnt + d] == 0:
                            reasons[n] = 40
            elif kind == 2 or kind == 3:
                why = 41 if kind == 2 else 42
                for n in range(n_nodes):
                    if reasons[n] == 0:
                        d = labels[kb + n] if key >= 0 else -1
                        if d >= 0 and scratch[cnt + d] > 0:
                            reasons[n] = <int32_t>why
            elif kind == 4:
                has_ip = True
                for n in range(n_nodes):
                    if reasons[n] == 0:
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
                if kind == 5:
                    if ndomains < min_dom:
                        lo = 0
                    for n in range(n_nodes):
                        if reasons[n] == 0:
                            d = labels[kb + n] if key >= 0 else -1
                            if d < 0:
                                reasons[n] = 31
                            elif scratch[cnt + d] + self_match - lo > param:
                                reasons[n] = 30
                else:
                    has_spread_score = True
                    for n in range(n_nodes):
                        if reasons[n] == 0:
                            d = labels[kb + n] if key >= 0 else -1
                            if d < 0:
                                scratch[sp_row + n] = -(<int64_t>1 << 40)
                            elif scratch[sp_row + n] >= 0:
                                scratch[sp_row + n] += scratch[cnt + d] + param - 1

        cdef int64_t w_fit = profile[0], w_bal = profile[1], w_aff = profile[2], w_taint = profile[3]
        cdef int64_t w_ip = profile[4], w_spread = profile[5], w_img = profile[6]
        cdef Py_ssize_t img_off = pod[12]
        cdef int64_t img_n = pod[13], img_min = pod[8], img_max = pod[9]
        has_ip = has_ip and w_ip != 0
        has_spread_score = has_spread_score and w_spread != 0
        cdef bint has_taint = soft != 0 and w_taint != 0
        cdef int64_t aff_max = 0, taint_max = 0, ip_min = 0, ip_max = 0, sp_min = 0, sp_max = 0, v
        cdef bint first_ip = True, first_sp = True
        cdef Py_ssize_t feasible = 0
        if has_pref or has_taint or has_ip or has_spread_score:
            for n in range(n_nodes):
                if reasons[n] != 0:
                    continue
                feasible += 1
                if has_pref:
                    v = _preferred_weight(labels, cap, n, pod, pref_off)
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
            base += w_taint * cMAX

        cdef int64_t best = -1, ties = 0, s, rc, rm, ac, am
        cdef int64_t row
        feasible = 0
        for n in range(n_nodes):
            if fused:
                if not alive[n]:
                    reasons[n] = 255
                else:
                    reasons[n] = _filter(unsched, taints, res, n, filters, tol_unsched, p_node, hard, p_cpu, p_mem,
                                         (not has_req) or _match_required(labels, cap, n, pod, req_off))
            if reasons[n] != 0:
                scores[n] = -1
                continue
            feasible += 1
            b = n * cRES_STRIDE
            total = base
            if w_fit or w_bal:
                rc = res[b + 6] + p_nz_cpu
                rm = res[b + 7] + p_nz_mem
                ac = res[b + 0]
                am = res[b + 1]
                if w_fit:
                    if most:
                        s = (_most(rc, ac) + _most(rm, am)) // 2
                    else:
                        s = (_least(rc, ac) + _least(rm, am)) // 2
                    total += w_fit * s
                if w_bal:
                    total += w_bal * _balanced(rc, ac, rm, am)
            if has_pref and aff_max > 0:
                total += w_aff * (scratch[aff_row + n] * cMAX // aff_max)
            if has_taint:
                if taint_max > 0:
                    total += w_taint * (cMAX - scratch[taint_row + n] * cMAX // taint_max)
                else:
                    total += w_taint * cMAX
            if has_ip and ip_max > ip_min:
                total += w_ip * ((scratch[ip_row + n] - ip_min) * cMAX // (ip_max - ip_min))
            if has_spread_score:
                v = scratch[sp_row + n]
                if v >= 0:
                    if sp_max == 0:
                        total += w_spread * cMAX
                    else:
                        total += w_spread * ((sp_max + sp_min - v) * cMAX // sp_max)
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
                total += w_img * ((s - img_min) * cMAX // (img_max - img_min))
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
