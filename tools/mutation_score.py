"""Prints mutmut's score beside its target (`make mutation`) and fails below the target."""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET = 0.95


def main(stats_path: str) -> int:
    stats = json.loads(Path(stats_path).read_text())
    checked = stats["killed"] + stats["survived"]
    if not checked or stats["total"] != checked + stats["timeout"]:
        print(f"mutation run incomplete: {stats}", file=sys.stderr)
        return 1
    score = (stats["killed"] + stats["timeout"]) / stats["total"]
    print(
        f"mutation_score: {score:.1%} killed ({stats['killed']} of {stats['total']} mutants, "
        f"{stats['timeout']} by timeout; target >= {TARGET:.0%})"
    )
    if score < TARGET:
        print(f"mutation score {score:.1%} is below its target {TARGET:.0%}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
