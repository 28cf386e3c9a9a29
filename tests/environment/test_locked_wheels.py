"""The offline tests' wheel folders (build/wheels, build/template-wheels) are fetched as the lock
pins them, hashes checked: tools/locked_wheels.py writes the lock's entries for what they need,
and the Makefile has pip fetch exactly those with --require-hashes --no-deps."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from tools import locked_wheels

LOCK = """\
alpha==1.0 \\
    --hash=sha256:aa
    # via -r requirements/all.in
beta==2.0 ; sys_platform != 'win32' \\
    --hash=sha256:bb \\
    --hash=sha256:bc
    # via alpha
gamma==3.0 \\
    --hash=sha256:cc
"""
MAKEFILE = (ROOT / "Makefile").read_text()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder first on sys.path, for install() to put distributions' metadata in."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def install(site: Path, name: str, *requires: str) -> None:
    """An installed distribution's metadata, as pip writes it: its Requires-Dist lines."""
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    lines = [f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"]
    lines += [f"Requires-Dist: {requirement}\n" for requirement in requires]
    (info / "METADATA").write_text("".join(lines))


def test_each_entry_keeps_its_pin_marker_hashes_and_comments() -> None:
    entries = locked_wheels.lock_entries(LOCK)
    assert list(entries) == ["alpha", "beta", "gamma"]
    assert entries["beta"] == [
        "beta==2.0 ; sys_platform != 'win32' \\\n"
        "    --hash=sha256:bb \\\n"
        "    --hash=sha256:bc\n"
        "    # via alpha\n"
    ]


def test_requirements_come_from_words_files_and_installed_distributions(tmp_path: Path) -> None:
    listed = tmp_path / "requirements.txt"
    listed.write_text("# the template's runtime\nBoto3<2.0.0  # any boto3\n\n")
    assert locked_wheels.root_needs(["Jinja2>=3", "-r", str(listed)]) == [
        ("jinja2", ""),
        ("boto3", ""),
    ]
    # pulumi-chalice's own pyproject declares these (the lock leaves the package itself out).
    needs = locked_wheels.root_needs(["--dependencies-of", "pulumi-chalice"])
    chalice_needs = {name for name, _ in needs}
    assert {"chalice", "pulumi", "pulumi-aws", "botocore"} <= chalice_needs
    assert "pulumi-chalice" not in chalice_needs


def test_what_boto3_needs_is_its_locked_closure_and_no_extra() -> None:
    # boto3's requirements (its PyPI metadata): botocore, jmespath, s3transfer; botocore's:
    # jmespath, python-dateutil, urllib3; python-dateutil's: six. Its `crt` extra is left out.
    assert locked_wheels.needed([("boto3", "")]) == {
        "boto3",
        "botocore",
        "jmespath",
        "s3transfer",
        "python-dateutil",
        "six",
        "urllib3",
    }


def test_the_output_is_the_locks_own_entries(capsys: pytest.CaptureFixture[str]) -> None:
    assert locked_wheels.main([str(ROOT / "requirements.txt"), "boto3"]) == 0
    written = capsys.readouterr().out
    entries = locked_wheels.lock_entries((ROOT / "requirements.txt").read_text())
    names = sorted(locked_wheels.needed([("boto3", "")]))
    assert written == "".join(text for name in names for text in entries[name])
    assert written.count("==") == 7
    written_entries = locked_wheels.lock_entries(written).values()
    assert all("--hash=sha256:" in text for texts in written_entries for text in texts)


def test_a_requirement_the_lock_does_not_hold_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text(LOCK)
    assert locked_wheels.main([str(lock), "boto3"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"{lock} does not lock boto3, botocore, jmespath,")
    assert "make lock" in error


def test_both_wheel_folders_are_fetched_with_hashes_and_nothing_else() -> None:
    download = MAKEFILE.split("\nDOWNLOAD_LOCKED = ", 1)[1].split("\n\n", 1)[0]
    for flag in ("--require-hashes", "--no-deps", "--only-binary :all:", "-r $(1)/locked.txt"):
        assert flag in download, flag
    for folder in ("$(WHEELS)", "$(TEMPLATE_WHEELS)"):
        stamp = folder.replace(")", "_STAMP)")
        assert f"\n{stamp[2:-1]} := {folder}/.filled\n" in MAKEFILE
        recipe = MAKEFILE.split(f"\n{stamp}:", 1)[1].split("\n\n", 1)[0]
        # Emptied first (its stamp with it), or an older lock's wheels would stay there for the
        # tests' --find-links to pick; then made again, for locked.txt and the wheels.
        assert recipe.splitlines()[1] == f"\trm -rf {folder} && mkdir -p {folder}"
        assert "-m tools.locked_wheels requirements.txt" in recipe
        assert "$(call DOWNLOAD_LOCKED," in recipe
        assert "pip wheel" not in recipe and "--constraint" not in recipe


# uv pip compile writes a name once per environment where the versions differ.
TWO_NUMPYS = """\
numpy==1.26.4 ; python_version < '3.12' \\
    --hash=sha256:n1
    # via alpha
numpy==2.1.0 ; python_version >= '3.12' \\
    --hash=sha256:n2
    # via alpha
"""


def test_a_name_locked_once_per_environment_keeps_both_entries_for_pip_to_choose(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(site, "alpha", "numpy>=1.26")
    install(site, "numpy")
    lock = tmp_path / "requirements.txt"
    lock.write_text(LOCK.split("beta==")[0] + TWO_NUMPYS)
    assert locked_wheels.main([str(lock), "alpha"]) == 0
    # Both numpy entries, markers kept: pip downloads the one whose marker holds.
    assert capsys.readouterr().out == LOCK.split("beta==")[0] + TWO_NUMPYS
    first, second = TWO_NUMPYS.split("numpy==2.1.0")
    assert locked_wheels.lock_entries(TWO_NUMPYS)["numpy"] == [first, "numpy==2.1.0" + second]


def test_an_entry_pinned_with_extras_is_its_own_entry_under_its_plain_name() -> None:
    # uv strips extras from a lock unless told `--no-strip-extras` (make lock does not), but a lock
    # compiled with it, or by pip-compile, writes `moto[server]==5.2.5` as its own entry.
    alpha = LOCK.split("beta==")[0]
    moto = "moto[server]==5.2.5 \\\n    --hash=sha256:mm\n    # via -r requirements/all.in\n"
    jose = "Python_Jose[cryptography,pycryptodome]==3.3.0 \\\n    --hash=sha256:jj\n"
    assert locked_wheels.lock_entries(alpha + moto + jose) == {
        "alpha": [alpha],
        "moto": [moto],
        "python-jose": [jose],
    }


def lock_of(*names: str) -> str:
    """A lock holding each name at 1.0, in the order given (uv's: sorted)."""
    return "".join(f"{name}==1.0 \\\n    --hash=sha256:{name}\n" for name in names)


def test_the_extras_asked_for_are_followed_transitively(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Requires-Dist as setuptools writes it for `extras_require`; an extra bundling others may
    # name its own distribution with them (`toy[speed,other] ; extra == "all"`).
    install(
        site,
        "toy",
        "plain",
        'fast ; extra == "speed"',
        'nested[deep] ; extra == "speed"',
        'win ; extra == "speed" and sys_platform == "win32"',
        'other ; extra == "other"',
        'toy[speed,other] ; extra == "all"',
    )
    install(site, "nested", 'deeper ; extra == "deep"', 'unused ; extra == "unused"')
    for name in ("plain", "fast", "deeper", "other"):
        install(site, name)
    lock = tmp_path / "requirements.txt"
    lock.write_text(lock_of("deeper", "fast", "nested", "other", "plain", "toy", "unused", "win"))
    listed = tmp_path / "requirements.in"
    listed.write_text("Toy[Speed]>=1\n")
    # pip installs, for toy[speed]: toy and plain; fast and nested[deep] (nested, deeper) for the
    # extra; not win (a marker false here), other (another extra) nor unused (nested's other one).
    assert locked_wheels.main([str(lock), "-r", str(listed)]) == 0
    assert capsys.readouterr().out == lock_of("deeper", "fast", "nested", "plain", "toy")
    assert locked_wheels.main([str(lock), "toy[all]"]) == 0
    assert capsys.readouterr().out == lock_of("deeper", "fast", "nested", "other", "plain", "toy")
    assert locked_wheels.main([str(lock), "toy"]) == 0
    assert capsys.readouterr().out == lock_of("plain", "toy")


def test_a_root_requirement_whose_marker_does_not_hold_here_is_left_out(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As pip does with such a line: this machine is no Windows, so pywin32 is neither installed
    # here nor needed (nor locked); alpha's marker holds.
    install(site, "alpha")
    lock = tmp_path / "requirements.txt"
    lock.write_text(lock_of("alpha"))
    listed = tmp_path / "requirements.in"
    listed.write_text("pywin32 ; sys_platform == 'win32'\nalpha ; python_version >= '3'\n")
    as_words = ['pywin32 ; sys_platform == "win32"', 'alpha ; python_version >= "3"']
    for arguments in (["-r", str(listed)], as_words):
        assert locked_wheels.root_needs(arguments) == [("alpha", "")]
        assert locked_wheels.main([str(lock), *arguments]) == 0
        assert capsys.readouterr().out == lock_of("alpha")
