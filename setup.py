"""Build the Cython kernels in kube/_fast when Cython and a compiler are there.

Without them the package installs anyway and runs on the pure-Python twins
(`kube version` says which engine is active).

The version has one home, `__version__` in kube/__init__.py (pyproject lists it as
dynamic). `KUBE_VERSION=x.y.z` stamps another one into what is built (the wheel's
kube/__init__.py), leaving the source tree alone; the daemons, the node's kubeletVersion
and `kube version` all read that one attribute.
"""

import glob
import os
import re
import runpy
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

VERSION_LINE = re.compile(r'^__version__ = "[^"]*"$', re.M)
# PEP 440 public versions, the shape `pip` and wheel file names accept
PEP440 = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")


def version() -> str:
    stamped = os.environ.get("KUBE_VERSION", "").strip()
    if stamped:
        if not PEP440.match(stamped):
            sys.exit(f"error: KUBE_VERSION={stamped!r} is not a version like 1.2.3")
        return stamped
    m = re.search(r'^__version__ = "([^"]+)"$', Path("kube/__init__.py").read_text(), re.M)
    return m.group(1)


class StampedBuildPy(build_py):
    """Write the chosen version into the built kube/__init__.py (every build, since
    build_py skips copying a file that looks up to date)."""

    def run(self) -> None:
        super().run()
        init = Path(self.build_lib) / "kube" / "__init__.py"
        if init.exists():
            text = VERSION_LINE.sub(f'__version__ = "{version()}"', init.read_text())
            init.write_text(text)


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


setup(version=version(), ext_modules=extensions(), cmdclass={"build_py": StampedBuildPy})
