"""Compiles every module under a directory to a sourceless, unchecked-hash .pyc (PEP 552).

Run by the packager as `python -X no_debug_ranges compile_bytecode.py DIR` with the Lambda
runtime's own Python (the flag leaves out column tables, which the zip has no room for). Each
`name.py` becomes `name.pyc` beside it and is removed. Annotations are compiled postponed (PEP
563, as `from __future__ import annotations` does): evaluating Chalice's ~1,000 eager `typing`
annotations is most of what importing its app.py costs, and nothing in the package reads
annotations at run time (the artifact tests run the real zip).
"""

from __future__ import annotations
import __future__

import importlib.util
import marshal
import sys
from pathlib import Path

# PEP 552: a hash-based pyc (bit 0) whose hash is not checked against a source (bit 1 clear).
UNCHECKED_HASH = (0b01).to_bytes(4, "little")
RUNTIME_ROOT = "/var/task"  # where Lambda unpacks the zip: the file names tracebacks show


def compile_module(source_path: Path, tree: Path) -> bytes:
    source = source_path.read_bytes()
    shown_as = f"{RUNTIME_ROOT}/{source_path.relative_to(tree).as_posix()}"
    code = compile(
        source,
        shown_as,
        "exec",
        flags=__future__.annotations.compiler_flag,
        dont_inherit=True,
    )
    header = importlib.util.MAGIC_NUMBER + UNCHECKED_HASH + importlib.util.source_hash(source)
    return header + marshal.dumps(code)


def main(tree: Path) -> None:
    for source_path in sorted(tree.rglob("*.py")):
        source_path.with_suffix(".pyc").write_bytes(compile_module(source_path, tree))
        source_path.unlink()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
