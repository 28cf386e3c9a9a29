"""Chalice's own packagers, with bytecode, for use from a Pulumi program.

Nothing here talks to AWS: the zip is built locally (cached under the project's
`.chalice/deployments`, keyed by Chalice on the app files' hash).

Bytecode: Lambda's /var/task is read-only, so nothing compiled at run time is cached and every
cold start compiles every module again (Chalice's 90 KB app.py alone takes ~10 ms). When the
building interpreter is the runtime's own version, the zip ships bytecode instead of sources,
one `module.pyc` in place of each `module.py` (sources and bytecode together would not fit the
64 KiB budget): see compile_bytecode.py. Tracebacks then name file and line but show no
source text.
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalice.deploy.packager import (
    AppOnlyDeploymentPackager,
    BaseLambdaDeploymentPackager,
    DependencyBuilder,
    LambdaDeploymentPackager,
)
from chalice.utils import UI, ChaliceZipFile, OSUtils


class ReproducibleOSUtils(OSUtils):
    """Walks directories in sorted order and skips bytecode caches.

    Chalice's zip writer already pins timestamps; file order from os.walk depends on the file
    system, and __pycache__ depends on whether tests ran. Without both fixed, the same sources
    could give different zips, and Pulumi would publish a new Lambda version for nothing.
    """

    def walk(
        self, path: str, followlinks: bool = False
    ) -> Iterator[tuple[str, list[str], list[str]]]:
        for root, dirnames, filenames in os.walk(path, followlinks=followlinks):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            yield root, dirnames, sorted(f for f in filenames if not f.endswith(".pyc"))

    # Two programs (or test workers) may package one project at once. Chalice checks for its
    # output folder and then creates it, and writes a zip under its final name, which the other
    # takes as a finished cached package: the folder may already exist, and a zip appears under
    # its name only whole.
    def makedirs(self, path: str) -> None:
        os.makedirs(path, exist_ok=True)

    def open_zip(self, filename: str, mode: str, compression: int = zipfile.ZIP_DEFLATED) -> Any:
        if mode != "w":
            return super().open_zip(filename, mode, compression)
        return WholeZipFile(filename, compression=compression, osutils=self)


def partial_path(target: str) -> str:
    """Where a builder writes `target` before moving it into place: its own name per process and
    thread, so two builders never write, or move away, each other's file."""
    return f"{target}.{os.getpid()}-{threading.get_ident()}.partial"


class WholeZipFile(ChaliceZipFile):
    """Chalice's deterministic zip, written beside its name and moved there when closed."""

    def __init__(self, filename: str, **kwargs: Any) -> None:
        self._target = filename
        self._partial = partial_path(filename)
        super().__init__(self._partial, "w", **kwargs)

    def close(self) -> None:
        super().close()
        if os.path.exists(self._partial):
            os.replace(self._partial, self._target)


COMPILER = Path(__file__).with_name("compile_bytecode.py")
# A fixed timestamp for every entry of the bytecode zip, as Chalice pins its own.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def building_runtime() -> str:
    """The Lambda runtime this interpreter can compile bytecode for, e.g. python3.12."""
    return f"python{sys.version_info.major}.{sys.version_info.minor}"


# The mixin is only ever combined with a Chalice packager: the checker sees that base, while at
# run time the mixin derives from object so that the packager's own method is what super() finds.
if TYPE_CHECKING:
    _PackagerBase = BaseLambdaDeploymentPackager
else:
    _PackagerBase = object


class BytecodeMixin(_PackagerBase):
    """A Chalice app packager whose zip carries bytecode when this interpreter is the runtime's
    version (see the module's docstring); otherwise exactly Chalice's zip."""

    def create_deployment_package(self, project_dir: str, python_version: str) -> str:
        sources = super().create_deployment_package(project_dir, python_version)
        return with_bytecode(sources) if python_version == building_runtime() else sources


class BytecodeLambdaPackager(BytecodeMixin, LambdaDeploymentPackager):
    """The app and its dependencies in one zip (Chalice's default)."""


class BytecodeAppOnlyPackager(BytecodeMixin, AppOnlyDeploymentPackager):
    """The app alone, its dependencies in Chalice's managed layer (`automatic_layer`)."""


def quiet_ui() -> UI:
    return UI(out=io.StringIO(), err=io.StringIO())


def build_deployment_package(
    project_dir: str, runtime: str, architecture: str, bytecode: bool = True
) -> str:
    """The Lambda zip for a Chalice project, as `chalice package` builds it, with bytecode when
    this interpreter is the runtime's version unless `bytecode` is false; returns its path."""
    osutils = ReproducibleOSUtils()
    packager_class = BytecodeLambdaPackager if bytecode else LambdaDeploymentPackager
    packager = packager_class(
        osutils=osutils,
        dependency_builder=DependencyBuilder(osutils),
        ui=quiet_ui(),
        architecture=architecture,
    )
    return packager.create_deployment_package(os.path.abspath(project_dir), runtime)


def with_bytecode(sources_zip: str) -> str:
    """A copy of the zip with every module compiled in place of its source (cached beside it)."""
    # The compiler's own hash and the interpreter's exact version are in the name: a changed
    # compiler, or another patch release (whose compiler may emit other bytes), never reuses a
    # build made by the other.
    compiler_id = hashlib.sha256(COMPILER.read_bytes()).hexdigest()[:8]
    built_by = f"py{platform.python_version()}"
    target = Path(sources_zip).with_name(
        f"{Path(sources_zip).stem}-bytecode-{compiler_id}-{built_by}.zip"
    )
    if target.exists():
        return str(target)
    with tempfile.TemporaryDirectory() as work:
        tree = Path(work)
        with zipfile.ZipFile(sources_zip) as archive:
            archive.extractall(tree)
        # A process of its own: -X no_debug_ranges applies from interpreter start only.
        subprocess.run(
            [sys.executable, "-X", "no_debug_ranges", str(COMPILER), str(tree)], check=True
        )
        partial = Path(partial_path(str(target)))
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for path in sorted(tree.rglob("*")):
                if path.is_file():
                    entry = zipfile.ZipInfo(path.relative_to(tree).as_posix(), ZIP_EPOCH)
                    entry.external_attr = 0o644 << 16
                    entry.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(entry, path.read_bytes())
        partial.replace(target)  # whole or not at all, should two builds race
    return str(target)
