"""Pure-Python twin of the `score` kernel: filter and score every node for one pod.

Same class, same methods, same arithmetic (integers only, so both engines
agree bit for bit) as score.pyx; plain loops over the same column arrays.
Both read the layouts of the columns and of the per-pod buffer from
score_layout.py.
"""

from __future__ import annotations

from kube._fast.score_layout import (
    F_AFFINITY,
    F_FIT,
    F_INTERPOD,
    F_NODENAME,
    F_SPREAD,
    F_TAINT,
    F_UNSCHED,
    FIT_CPU,
    FIT_MEM,
    FIT_PODS,
    K_EXIST_ANTI,
    K_PREF,
    K_REQ_AFF,
    K_REQ_ANTI,
    K_SPREAD_HARD,
    K_SPREAD_SOFT,
    MASK64,
    MAX_NODE_SCORE,
    N_SCORES,
    P_CPU,
    P_HARD_TAINTS,
    P_IMG_MAX,
    P_IMG_MIN,
    P_IMG_N,
    P_IMG_OFF,
    P_MEM,
    P_NODE,
    P_NZ_CPU,
    P_NZ_MEM,
    P_PREF_OFF,
    P_REQ_OFF,
    P_SOFT_TAINTS,
    P_TERM_N,
    P_TERM_OFF,
    P_TOL_UNSCHED,
    PR_FILTERS,
    PR_STRATEGY,
    R_AFF_RULES,
    R_AFFINITY,
    R_ANTI_RULES,
    R_DEAD,
    R_EXIST_ANTI,
    R_FIT,
    R_NODENAME,
    R_OK,
    R_SPREAD,
    R_SPREAD_MISSING,
    R_TAINT,
    R_UNSCHED,
    RES_ALLOC_CPU,
    RES_ALLOC_MEM,
    RES_ALLOC_PODS,
    RES_NZ_CPU,
    RES_NZ_MEM,
    RES_REQ_CPU,
    RES_REQ_MEM,
    RES_REQ_PODS,
    RES_STRIDE,
    S_AFFINITY,
    S_BALANCED,
    S_FIT,
    S_IMAGE,
    S_INTERPOD,
    S_SPREAD,
    S_TAINT,
    SPREAD_IGNORED,
    STRATEGY_MOST,
    T_KEY,
    T_KIND,
    T_MIN_DOMAINS,
    T_NDOM,
    T_PARAM,
    T_SELF,
    T_SERIES,
    TERM_STRIDE,
)
from kube._fast.score_node_py import (
    balanced,
    least_allocated,
    lowest_bit,
    match_required,
    most_allocated,
    popcount,
    preferred_weight,
)


class ScoreKernel:
    """Holds views of the node columns and work buffers; `schedule` places one pod."""

    def __init__(self) -> None:
        self.cap = 0

    def bind_nodes(self, cap: int, alive, unsched, res, taints, labels, images, series) -> None:
        self.cap = cap
        self.alive, self.unsched, self.res, self.taints = alive, unsched, res, taints
        self.labels, self.images, self.series = labels, images, series

    def bind_work(self, scores, reasons, scratch) -> None:
        """scores int64[cap], reasons int32[cap], scratch int64[N_SCORES*cap + 2*max domains]."""
        self.scores, self.reasons, self.scratch = scores, reasons, scratch

    def bind_profile(self, profile) -> None:
        self.profile = profile

    def schedule(self, n_nodes: int, pod, tie_seed: int) -> tuple[int, int]:
        """Filter and score nodes [0, n_nodes); returns (chosen index or -1, feasible count).

        scores[n] holds the weighted total (-1 when infeasible), reasons[n] why not.
        """
        cap = self.cap
        alive, unsched, res, taints = self.alive, self.unsched, self.res, self.taints
        labels, images, series = self.labels, self.images, self.series
        scores, reasons, scratch, profile = self.scores, self.reasons, self.scratch, self.profile
        filters = profile[PR_FILTERS]
        most = profile[PR_STRATEGY] == STRATEGY_MOST
        p_cpu, p_mem, p_nz_cpu, p_nz_mem = pod[P_CPU], pod[P_MEM], pod[P_NZ_CPU], pod[P_NZ_MEM]
        p_node = pod[P_NODE]
        tol_unsched = pod[P_TOL_UNSCHED]
        hard = pod[P_HARD_TAINTS] & MASK64
        soft = pod[P_SOFT_TAINTS] & MASK64
        req_off = pod[P_REQ_OFF]
        has_req = pod[req_off] != 0
        pref_off = pod[P_PREF_OFF]
        has_pref = pod[pref_off] != 0 and profile[S_AFFINITY] != 0
        n_terms = pod[P_TERM_N]
        term_off = pod[P_TERM_OFF]

        # pass 1: per-node filters; scores[n] = 1 where the node matches the pod's node affinity
        for n in range(n_nodes):
            if not alive[n]:
                reasons[n] = R_DEAD
                scores[n] = 0
                continue
            aff = (not has_req) or match_required(labels, cap, n, pod, req_off)
            scores[n] = 1 if aff else 0
            r = R_OK
            if filters & F_UNSCHED and unsched[n] and not tol_unsched:
                r = R_UNSCHED
            elif filters & F_NODENAME and p_node != -1 and p_node != n:
                r = R_NODENAME
            elif filters & F_TAINT and taints[n] & hard:
                r = R_TAINT + lowest_bit(taints[n] & hard)
            elif filters & F_AFFINITY and not aff:
                r = R_AFFINITY
            elif filters & F_FIT:
                b = n * RES_STRIDE
                bits = 0
                if p_cpu > 0 and res[b + RES_REQ_CPU] + p_cpu > res[b + RES_ALLOC_CPU]:
                    bits |= FIT_CPU
                if p_mem > 0 and res[b + RES_REQ_MEM] + p_mem > res[b + RES_ALLOC_MEM]:
                    bits |= FIT_MEM
                if res[b + RES_REQ_PODS] + 1 > res[b + RES_ALLOC_PODS]:
                    bits |= FIT_PODS
                if bits:
                    r = R_FIT | bits
            reasons[n] = r

        # pass 2: inter-pod and spread terms over per-domain counts
        sp_row = S_SPREAD * cap
        ip_row = S_INTERPOD * cap
        has_ip = False
        has_spread_score = False
        if n_terms:
            dom_base = N_SCORES * cap
            for n in range(n_nodes):
                scratch[sp_row + n] = 0
                scratch[ip_row + n] = 0
        for t in range(n_terms):
            tb = term_off + t * TERM_STRIDE
            kind, key, srow = pod[tb + T_KIND], pod[tb + T_KEY], pod[tb + T_SERIES]
            param, min_dom, self_match, ndom = (
                pod[tb + T_PARAM], pod[tb + T_MIN_DOMAINS], pod[tb + T_SELF], pod[tb + T_NDOM])
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
                            reasons[n] = why
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
                                scratch[sp_row + n] = SPREAD_IGNORED  # node left out of spread scoring
                            elif scratch[sp_row + n] >= 0:
                                scratch[sp_row + n] += scratch[cnt + d] + param - 1

        # pass 3: raw scores needing normalisation, and their ranges over feasible nodes
        w_fit, w_bal, w_aff = profile[S_FIT], profile[S_BALANCED], profile[S_AFFINITY]
        w_taint, w_ip, w_spread, w_img = profile[S_TAINT], profile[S_INTERPOD], profile[S_SPREAD], profile[S_IMAGE]
        aff_row = S_AFFINITY * cap
        taint_row = S_TAINT * cap
        img_off, img_n = pod[P_IMG_OFF], pod[P_IMG_N]
        img_min, img_max = pod[P_IMG_MIN], pod[P_IMG_MAX]
        has_ip = has_ip and w_ip != 0
        has_spread_score = has_spread_score and w_spread != 0
        has_taint = soft != 0 and w_taint != 0
        aff_max = taint_max = 0
        ip_min = ip_max = sp_min = sp_max = 0
        first_ip = first_sp = True
        feasible = 0
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
                v = popcount(taints[n] & soft)
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

        # constant parts: a normalised plugin whose raw scores are all equal
        base = 0
        if w_taint and not has_taint:
            base += w_taint * MAX_NODE_SCORE

        # pass 4: weighted totals, best score and ties
        best = -1
        ties = 0
        for n in range(n_nodes):
            if reasons[n] != R_OK:
                scores[n] = -1
                continue
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
        if ties == 0:
            return -1, 0
        # pass 5: the (tie_seed mod ties)-th best node, so ties are broken reproducibly
        k = (tie_seed & MASK64) % ties
        for n in range(n_nodes):
            if scores[n] == best:
                if k == 0:
                    return n, feasible
                k -= 1
        return -1, feasible
