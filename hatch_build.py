"""Hatch build hook: compile the OD kernel (``geoaggl/_odkernel.c``) into ``libgeoaggl_od.so``.

A plain C shared library (no Python C API) that geoaggl loads with ctypes.  When no C compiler
is found or the compile fails, the build goes on without it and geoaggl falls back to its
scipy path (same distances, slower); the warning says so.  Editable installs compile into the
source tree (where the package is imported from); wheels carry the library as a platform file.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LIB = "libgeoaggl_od.so"


def compile_kernel(src: Path, out: Path) -> bool:
    """Compile ``src`` into the shared library ``out``; False (with a warning) when it cannot."""
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    if not cc or shutil.which(cc[0]) is None:
        for name in ("cc", "gcc", "clang"):
            if shutil.which(name):
                cc = [name]
                break
        else:
            print(
                "geoaggl: no C compiler found; the OD kernel is not built (scipy fallback)", file=sys.stderr
            )
            return False
    cmd = [*cc, "-O3", "-std=c99", "-shared", "-fPIC", "-o", str(out), str(src), "-lm"]
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        print(f"geoaggl: compiling the OD kernel failed (scipy fallback): {detail}", file=sys.stderr)
        return False
    return True


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Build the kernel for wheels (as a platform file) and editable installs (in place)."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        src = Path(self.root) / "geoaggl" / "_odkernel.c"
        if version == "editable":
            compile_kernel(src, src.with_name(LIB))
            return
        tmp = Path(tempfile.mkdtemp(prefix="geoaggl-build-"))
        if compile_kernel(src, tmp / LIB):
            build_data["force_include"][str(tmp / LIB)] = f"geoaggl/{LIB}"
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
