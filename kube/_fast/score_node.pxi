# What the kernel decides about one node on its own: label programs, resource scores and the
# first failing filter. Included by score.pyx (inline, so each call compiles into its loop).

from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

cdef extern from *:
    int __builtin_popcountll(unsigned long long) nogil
    int __builtin_ctzll(unsigned long long) nogil


cdef inline bint match_req(const int32_t[::1] labels, Py_ssize_t cap, Py_ssize_t n,
                            const int64_t[::1] buf, Py_ssize_t *i) noexcept nogil:
    """One requirement at buf[i] (key, op, n values, values...); moves i past it."""
    cdef int64_t key = buf[i[0]]
    cdef int64_t op = buf[i[0] + 1]
    cdef int64_t nv = buf[i[0] + 2]
    cdef int64_t v = labels[key * cap + n] if key >= 0 else -1
    cdef Py_ssize_t j = i[0] + 3
    cdef Py_ssize_t k
    cdef bint found = False
    i[0] = j + nv
    if op == OP_EXISTS:
        return v >= 0
    if op == OP_DNE:
        return v < 0
    if v >= 0:
        for k in range(j, j + nv):
            if buf[k] == v:
                found = True
                break
    return found if op == OP_IN else not found


cdef inline bint match_term(const int32_t[::1] labels, Py_ssize_t cap, Py_ssize_t n,
                             const int64_t[::1] buf, Py_ssize_t *i) noexcept nogil:
    """A term (AND of requirements) at buf[i] = n_reqs; moves i past it."""
    cdef int64_t nr = buf[i[0]]
    cdef int64_t r
    cdef bint ok = True
    i[0] += 1
    for r in range(nr):
        if not match_req(labels, cap, n, buf, i):
            ok = False
    return ok


cdef inline bint match_required(const int32_t[::1] labels, Py_ssize_t cap, Py_ssize_t n,
                                 const int64_t[::1] buf, Py_ssize_t off) noexcept nogil:
    """OR of terms; a program with no terms places no constraint."""
    cdef int64_t nt = buf[off]
    cdef int64_t t
    cdef Py_ssize_t i = off + 1
    cdef bint any_ok = False
    if nt == 0:
        return True
    for t in range(nt):
        if match_term(labels, cap, n, buf, &i):
            any_ok = True
    return any_ok


cdef inline int64_t preferred_weight(const int32_t[::1] labels, Py_ssize_t cap, Py_ssize_t n,
                                      const int64_t[::1] buf, Py_ssize_t off) noexcept nogil:
    """Sum of the weights of the preferred terms the node matches."""
    cdef int64_t nt = buf[off]
    cdef int64_t t, w
    cdef Py_ssize_t i = off + 1
    cdef int64_t total = 0
    for t in range(nt):
        w = buf[i]
        i += 1
        if match_term(labels, cap, n, buf, &i):
            total += w
    return total


cdef inline int64_t least_allocated(int64_t requested, int64_t capacity) noexcept nogil:
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


cdef inline int64_t most_allocated(int64_t requested, int64_t capacity) noexcept nogil:
    if capacity == 0:
        return 0
    if requested > capacity:
        requested = capacity
    return requested * MAX_NODE_SCORE // capacity


cdef inline int64_t balanced(int64_t rc, int64_t ac, int64_t rm, int64_t am) noexcept nogil:
    """kube-scheduler's float64 formula: (1 - std of the two fractions) * 100, truncated."""
    cdef double fc = 1.0 if ac == 0 or rc >= ac else <double>rc / <double>ac
    cdef double fm = 1.0 if am == 0 or rm >= am else <double>rm / <double>am
    cdef double std = (fc - fm) / 2.0 if fc > fm else (fm - fc) / 2.0
    return <int64_t>((1.0 - std) * 100.0)


cdef inline int32_t filter_reason(const uint8_t[::1] unsched, const uint64_t[::1] taints,
                                  const int64_t[::1] res, Py_ssize_t n, int64_t filters, int64_t tol_unsched,
                                  int64_t p_node, uint64_t hard, int64_t p_cpu, int64_t p_mem,
                                  bint aff) noexcept nogil:
    """The first failing filter's reason for a live node (R_OK: it passes): kube-scheduler's order."""
    cdef Py_ssize_t b
    cdef int32_t bits
    if filters & F_UNSCHED and unsched[n] and not tol_unsched:
        return R_UNSCHED
    if filters & F_NODENAME and p_node != -1 and p_node != n:
        return R_NODENAME
    if filters & F_TAINT and taints[n] & hard:
        return R_TAINT + __builtin_ctzll(taints[n] & hard)
    if filters & F_AFFINITY and not aff:
        return R_AFFINITY
    if filters & F_FIT:
        b = n * RES_STRIDE
        bits = 0
        if p_cpu > 0 and res[b + RES_REQ_CPU] + p_cpu > res[b + RES_ALLOC_CPU]:
            bits |= FIT_CPU
        if p_mem > 0 and res[b + RES_REQ_MEM] + p_mem > res[b + RES_ALLOC_MEM]:
            bits |= FIT_MEM
        if res[b + RES_REQ_PODS] + 1 > res[b + RES_ALLOC_PODS]:
            bits |= FIT_PODS
        if bits:
            return R_FIT | bits
    return R_OK
