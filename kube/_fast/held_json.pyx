"""Objects held for long: their short strings shared, their containers out of the collector's walk.

Compiled twin: held_json_py.py (one suite, tests/fast/test_held_json.py). The API server's
watch cache and every informer's store hold each object decoded: 150,000 pods are about 4
million dicts and lists, and every full collection of the cyclic collector walks all of
them, with the event loop stopped (4 s for 150,000 pods, 0.8 s for 50,000, on this 2-core
machine: no request is served meanwhile). A decoded JSON value cannot hold a reference
cycle, so the collector has nothing to find in it: untracking its containers
(PyObject_GC_UnTrack) is safe, and memory is still freed by reference counting. A dict that
later gets a container put in it is tracked again by CPython itself; a cycle made through
a held list would not be collected, and nothing here makes one.

Interning: orjson shares a decoded object's keys, not its values; 150,000 pods repeat the
same values ("default", "Running", the image, the node's name), and interned ones up to
MAX_LEN characters take a pod from 9.2 to 5.7 KB. `sys.intern`'s strings are mortal: one
goes when the last object holding it goes.
"""

import sys

include "held_json_layout.pxi"

cdef extern from "Python.h":
    void PyObject_GC_UnTrack(void *op)

cdef object _intern = sys.intern


cdef inline object _held(object value):
    """`value` held: a short string interned, a container walked; anything else as it is."""
    cdef type kind = type(value)
    if kind is str:
        return _intern(value) if len(<str>value) <= MAX_LEN else value
    if kind is dict or kind is list:
        _hold(value)
    return value


cdef int _hold(object obj) except -1:
    cdef Py_ssize_t i
    if type(obj) is dict:
        for key, value in (<dict>obj).items():  # a value replaced under its own key keeps the iteration valid
            if type(value) is str:
                (<dict>obj)[key] = _held(value)
            else:
                _held(value)
    else:
        for i in range(len(<list>obj)):
            (<list>obj)[i] = _held((<list>obj)[i])
    PyObject_GC_UnTrack(<void*>obj)
    return 0


def hold(obj):
    """`obj` (a decoded JSON value), in place: short string values interned, containers untracked."""
    if type(obj) is dict or type(obj) is list:
        _hold(obj)
    return obj
