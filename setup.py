"""Build the Cython kernels in kube/_fast when Cython and a compiler are there.

Without them the package installs anyway and runs on the pure-Python twins
(`kube version` says which engine is active).
"""

import glob
import os
import runpy
from pathlib import Path

from setuptools import setup


def extensions() -> list:
    if os.environ.get("KUBE_NO_CYTHON"):
        return []
    try:
        from Cython.Build import cythonize
        from setuptools import Extension
    except ImportError:
        return []
    # the kernels' layout constants, written once in *_layout.py, as C constants (*_layout.pxi)
    runpy.run_path("kube/_fast/layout_pxi.py")["write_all"](Path("kube/_fast"))
    exts = []
    for pyx in sorted(glob.glob("kube/_fast/*.pyx")):
        name = pyx[:-4].replace("/", ".")
        exts.append(Extension(name, [pyx], extra_compile_args=["-O3"]))
    return cythonize(exts, language_level=3, compiler_directives={
        "boundscheck": False, "wraparound": False, "cdivision": True, "initializedcheck": False,
    })


setup(ext_modules=extensions())
