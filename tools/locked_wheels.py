"""The lock's entries, hashes included, for some requirements and everything they need: a
requirements file that `pip download --require-hashes --no-deps` fetches exactly as locked.

Usage: python -m tools.locked_wheels LOCK [REQUIREMENT | -r FILE | --dependencies-of NAME]...

The Makefile fills build/wheels and build/template-wheels (the wheels the offline packaging tests
install from) this way, so that they are checked against the lock's hashes like the venv itself.
What a requirement needs is read from the distributions installed here (their Requires-Dist, with
markers evaluated for this interpreter and the extras asked for, `foo[bar]` followed to foo's `bar`
requirements): the venv was synced from the same lock, so those are the locked versions. A
requirement the lock does not hold is an error naming it, not a silent gap.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# A lock entry starts at column 0 with `name==version` or `name[extra,...]==version` and runs
# until the next one.
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]\n]*\])?==", re.MULTILINE)


def lock_entries(lock_text: str) -> dict[str, list[str]]:
    """{canonical name: its entries' lines in the lock (pin, marker, hashes, `# via` comments)}.
    Every entry of a name is kept, in the lock's order: uv writes one per marker where versions
    differ by environment (`numpy==1.26.4 ; python_version < "3.12"`, then the other), and pip
    evaluates those markers itself in the file it reads."""
    starts = list(ENTRY.finditer(lock_text))
    ends = [match.start() for match in starts[1:]] + [len(lock_text)]
    entries: dict[str, list[str]] = {}
    for match, end in zip(starts, ends, strict=True):
        text = lock_text[match.start() : end].rstrip() + "\n"
        entries.setdefault(canonicalize_name(match.group(1)), []).append(text)
    return entries


# What is needed of a distribution: its canonical name and one of its extras ("": its plain
# install, which each extra's install includes).
Need = tuple[str, str]


def wanted(requirement: Requirement) -> set[Need]:
    """A requirement's distribution, plain and with each extra it names (`foo[bar]>=1`)."""
    name = canonicalize_name(requirement.name)
    extras = {"", *(canonicalize_name(extra) for extra in requirement.extras)}
    return {(name, extra) for extra in extras}


def holds(requirement: Requirement, extra: str = "") -> bool:
    """Whether the requirement's marker holds for this interpreter (installing that extra)."""
    return requirement.marker is None or requirement.marker.evaluate({"extra": extra})


def root_needs(arguments: list[str]) -> list[Need]:
    """What the arguments require here (a requirement whose marker does not hold is left out):
    each a requirement, `-r FILE` for a file of them, or `--dependencies-of NAME` for what an
    installed distribution requires (not itself: this repository's pulumi-chalice, which the lock
    leaves out)."""
    found: list[Need] = []
    words = iter(arguments)
    for word in words:
        if word == "--dependencies-of":
            found += sorted(installed_requirements(canonicalize_name(next(words))))
            continue
        lines = Path(next(words)).read_text().splitlines() if word == "-r" else [word]
        for line in lines:
            text = line.split("#", 1)[0].strip()
            if text and holds(requirement := Requirement(text)):
                found += sorted(wanted(requirement))
    return found


def installed_requirements(name: str, extra: str = "") -> set[Need]:
    """What the installed distribution requires here for its plain install (extra ""), or for
    one of its extras: those whose marker is `extra == "that one"` too."""
    found: set[Need] = set()
    for text in metadata.distribution(name).requires or []:
        if holds(requirement := Requirement(text), extra):
            found |= wanted(requirement)
    return found


def needed(needs: list[Need]) -> set[str]:
    """The names of the needs and, transitively, of what their installed distributions require
    here, extras asked for included."""
    seen: set[Need] = set()
    pending = list(needs)
    while pending:
        need = pending.pop()
        if need not in seen:
            seen.add(need)
            pending += installed_requirements(*need)
    return {name for name, _ in seen}


def main(argv: list[str]) -> int:
    lock, *arguments = argv
    entries = lock_entries(Path(lock).read_text())
    names = needed(root_needs(arguments))
    missing = sorted(name for name in names if name not in entries)
    if missing:
        print(
            f"{lock} does not lock {', '.join(missing)}: add it, then `make lock`", file=sys.stderr
        )
        return 2
    sys.stdout.write("".join(text for name in sorted(names) for text in entries[name]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
