"""The README stays a short user's guide, and every relative link in it and in docs/*.md leads to
a file that exists and, for a Markdown file, to a heading it has (GitHub's anchors)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
README_MAX_LINES = 250  # issue 21, item 6

# Written by a make target on another branch of this issue (wt21c: `make bench` owns
# docs/benchmarks.md). While it is missing a link to it is allowed; once it exists, its links are
# checked like any other. Remove the entry when the file is committed.
NOT_YET_WRITTEN: set[Path] = set()  # a doc linked before the command that writes it exists

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^()\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *#* *$", re.MULTILINE)


def prose(markdown: str) -> str:
    """The text links and headings are read from: fenced code blocks go."""
    return FENCE.sub("", markdown)


def anchor(heading: str) -> str:
    """GitHub's anchor: lowercased, punctuation but `-` and `_` dropped, spaces to `-`."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    found: set[str] = set()
    for heading in HEADING.findall(prose(markdown)):
        slug, n = anchor(heading), 0
        while (slug if n == 0 else f"{slug}-{n}") in found:  # repeats get -1, -2, ...
            n += 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def broken_links(source: Path) -> list[str]:
    """Each relative link of `source` that leads nowhere, as `target: why`."""
    broken = []
    for target in LINK.findall(prose(source.read_text())):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        path_part, _, fragment = target.partition("#")
        path = (source.parent / path_part).resolve() if path_part else source
        if path in NOT_YET_WRITTEN and not path.exists():
            continue
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path.read_text()):
            broken.append(f"{target}: no heading with that anchor")
    return broken


def test_the_readme_is_at_most_250_lines() -> None:
    lines = len(README.read_text().splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines: move detail into docs/"


def test_the_readme_has_the_users_guide_sections() -> None:
    headings = HEADING.findall(prose(README.read_text()))
    for section in ("The two commands", "The API", "Deploying", "Where to read on"):
        assert section in headings, section


def test_the_readme_links_every_document_in_docs() -> None:
    readme = README.read_text()
    for doc in [*DOCS, ROOT / "docs" / "openapi.yaml", *NOT_YET_WRITTEN]:
        assert f"](docs/{doc.name})" in readme, f"README.md's 'Where to read on' lacks {doc.name}"


@pytest.mark.parametrize("source", [README, *DOCS], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(source: Path) -> None:
    assert broken_links(source) == []


def test_a_broken_link_or_anchor_is_reported(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text(
        "# Other\n\n## A heading: with `code`\n\n## Twice\n\n## Twice\n"
    )
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n"
        "[ok](other.md) [ok](other.md#a-heading-with-code) [ok](other.md#twice-1) [ok](#page)\n"
        "[`code` text](other.md) [web](https://example.com/x.md#nope)\n"
        "[gone](missing.md) [bad](other.md#no-such) [bad](#nowhere) [bad](other.md#twice-2)\n"
        "```\n[in a fence](fenced.md)\n```\n"
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "other.md#no-such: no heading with that anchor",
        "#nowhere: no heading with that anchor",
        "other.md#twice-2: no heading with that anchor",
    ]


THREAT_MODEL = ROOT / "docs" / "threat-model.md"
# `tests/x.py`, `tests/x.py::test_y`, or `::test_y` for one more test of the file named last.
CITED_TEST = re.compile(r"`(tests/[\w/]+(?:\.py)?)?(?:::(test_\w+))?`")


def missing_citations(markdown: str) -> list[str]:
    """Each test path or test function the text cites that the repository does not hold."""
    missing, last = [], None
    for path, test in CITED_TEST.findall(markdown):
        last = path or last
        if not (path or test):
            continue
        if last is None or not (ROOT / last).exists():
            missing.append(f"{path or last}::{test}" if test else path)
        elif test and f"\ndef {test}(" not in (ROOT / last).read_text():
            missing.append(f"{last}::{test}")
    return missing


def test_the_threat_model_cites_only_tests_that_exist() -> None:
    """A mitigation's guard that was renamed or removed would leave the model claiming a test."""
    cited = CITED_TEST.findall(THREAT_MODEL.read_text())
    assert len([c for c in cited if c[1]]) >= 40  # the model does cite tests by name
    assert missing_citations(THREAT_MODEL.read_text()) == []


def test_a_citation_of_a_missing_test_is_reported() -> None:
    text = (
        "`tests/app/test_routes.py::test_body_over_one_kib_is_413_and_changes_nothing`, "
        "`::test_no_such_test`, `tests/no_such_folder/`, `tests/app/test_events.py`"
    )
    assert missing_citations(text) == [
        "tests/app/test_routes.py::test_no_such_test",
        "tests/no_such_folder/",
    ]
