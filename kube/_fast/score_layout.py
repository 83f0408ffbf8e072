"""The memory layout the `score` kernel and its callers share: the one place its numbers live.

The scheduler (node_table.py, pod_inputs.py, the plugins) writes columns and a per-pod buffer
in this layout; both engines (score.pyx, score_py.py) read them by these names. The Cython
kernel copies each value into a typed C constant at import (score_layout.pxi), so changing a
number here changes both engines and every caller at once.
"""

from __future__ import annotations

# --- per-node resource columns: res[n * RES_STRIDE + k] (int64)
RES_ALLOC_CPU, RES_ALLOC_MEM, RES_ALLOC_PODS = 0, 1, 2
RES_REQ_CPU, RES_REQ_MEM, RES_REQ_PODS = 3, 4, 5
RES_NZ_CPU, RES_NZ_MEM = 6, 7  # requests with kube-scheduler's non-zero defaults, for scoring
RES_STRIDE = 8

# --- per-node taint column: one uint64 mask per node, one bit per distinct taint
MAX_TAINTS = 64
MASK64 = (1 << 64) - 1

# --- per-pod buffer header (int64)
P_CPU, P_MEM, P_NZ_CPU, P_NZ_MEM = 0, 1, 2, 3
P_NODE = 4  # node index the pod names (spec.nodeName), -1 any, -2 a node we do not know
P_TOL_UNSCHED = 5  # 1 when the pod tolerates the unschedulable taint
P_HARD_TAINTS, P_SOFT_TAINTS = 6, 7  # untolerated taint bits (int64 holding a uint64 mask)
P_IMG_MIN, P_IMG_MAX = 8, 9
P_REQ_OFF, P_PREF_OFF = 10, 11  # offsets of the required / preferred node-affinity programs
P_IMG_OFF, P_IMG_N = 12, 13  # offset of (image row, score) pairs and their number
P_TERM_OFF, P_TERM_N = 14, 15  # offset of the topology terms and their number
P_HEADER = 16

# --- label requirement operators (Gt/Lt arrive as In over the matching value ids)
OP_IN, OP_NOTIN, OP_EXISTS, OP_DNE = 0, 1, 2, 3

# --- pod terms: TERM_STRIDE int64 each
T_KIND, T_KEY, T_SERIES, T_PARAM, T_MIN_DOMAINS, T_SELF, T_NDOM = 0, 1, 2, 3, 4, 5, 6
TERM_STRIDE = 7
K_REQ_AFF, K_REQ_ANTI, K_EXIST_ANTI, K_PREF, K_SPREAD_HARD, K_SPREAD_SOFT = 1, 2, 3, 4, 5, 6

# --- profile: score weights by plugin (also the plugin's scratch row), then filters and strategy
S_FIT, S_BALANCED, S_AFFINITY, S_TAINT, S_INTERPOD, S_SPREAD, S_IMAGE = 0, 1, 2, 3, 4, 5, 6
N_SCORES = 7
PR_FILTERS, PR_STRATEGY = 7, 8
PROFILE_LEN = 9
F_UNSCHED, F_NODENAME, F_TAINT, F_AFFINITY, F_FIT, F_SPREAD, F_INTERPOD = 1, 2, 4, 8, 16, 32, 64
STRATEGY_LEAST, STRATEGY_MOST = 0, 1

# --- reasons written per node (0 = feasible)
R_OK, R_UNSCHED, R_NODENAME, R_AFFINITY = 0, 1, 2, 3
R_FIT = 16  # R_FIT | 1 cpu | 2 memory | 4 pods
FIT_CPU, FIT_MEM, FIT_PODS = 1, 2, 4
R_SPREAD, R_SPREAD_MISSING = 30, 31
R_AFF_RULES, R_ANTI_RULES, R_EXIST_ANTI = 40, 41, 42
R_DEAD = 255
R_TAINT = 1000  # R_TAINT + bit of the first untolerated taint

MAX_NODE_SCORE = 100
SPREAD_IGNORED = -(1 << 40)  # spread score of a node without the topology key: left out of scoring
