# Generated from held_json_layout.py by kube/_fast/layout_pxi.py (`setup.py build_ext` runs it).
# Do not edit: change held_json_layout.py, where the numbers live.

from libc.stdint cimport int64_t, uint64_t

cdef extern from *:
    """
    #define KUBE_HELD_JSON_LAYOUT_MAX_LEN (64LL)
    """
    const int64_t MAX_LEN "KUBE_HELD_JSON_LAYOUT_MAX_LEN"
