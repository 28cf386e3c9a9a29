"""A Lambda function's code as the modules it runs: each file is taken from the module's own
`__file__` (one owner for where the code lives, no path written by hand) and zipped at the path
Lambda imports it from (its dotted name)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import pulumi


def packaged_path(module: ModuleType) -> str:
    """`a/b.py` for module `a.b`, `a/__init__.py` for package `a`."""
    file = Path(str(module.__file__))
    parts = module.__name__.split(".")
    if file.name == "__init__.py":
        return "/".join([*parts, "__init__.py"])
    return "/".join([*parts[:-1], file.name])


def lambda_files(*modules: ModuleType) -> dict[str, Path]:
    """{path in the zip: source file} for `modules`."""
    return {packaged_path(module): Path(str(module.__file__)) for module in modules}


def code_archive(files: Mapping[str, Path]) -> pulumi.AssetArchive:
    """The zip of `files`, sources relative to the working directory (the project's), so that
    state does not depend on where the repository is checked out."""
    return pulumi.AssetArchive(
        {packaged: pulumi.FileAsset(os.path.relpath(source)) for packaged, source in files.items()}
    )
