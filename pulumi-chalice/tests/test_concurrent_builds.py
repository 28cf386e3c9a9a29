"""Two programs (or test workers) packaging one project at once: neither fails, and neither
takes the other's half-written zip for a finished one. Chalice's packager checks for its output
folder before creating it and writes the zip under its final name, which a concurrent build
reads as its cache."""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

from chalice_projects import tiny_project
from pulumi_chalice.chalice_package import (
    ReproducibleOSUtils,
    WholeZipFile,
    build_deployment_package,
    building_runtime,
)


def test_an_output_folder_made_meanwhile_is_no_error(tmp_path: Path) -> None:
    folder = tmp_path / "deployments"
    folder.mkdir()
    ReproducibleOSUtils().makedirs(str(folder))  # Chalice's own raises FileExistsError here
    assert folder.is_dir()


def test_a_zip_appears_under_its_name_only_whole(tmp_path: Path) -> None:
    target = tmp_path / "package.zip"
    archive = ReproducibleOSUtils().open_zip(str(target), "w", zipfile.ZIP_DEFLATED)
    assert isinstance(archive, WholeZipFile)
    with archive:
        archive.writestr("app.py", "x = 1\n")
        assert not target.exists()  # a concurrent build sees no cache yet
    assert zipfile.ZipFile(target).namelist() == ["app.py"]
    assert list(tmp_path.iterdir()) == [target]  # no partial file left behind


def test_reading_a_zip_is_chalices_own(tmp_path: Path) -> None:
    target = tmp_path / "package.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("app.py", "")
    with ReproducibleOSUtils().open_zip(str(target), "r") as archive:
        assert not isinstance(archive, WholeZipFile)
        assert archive.namelist() == ["app.py"]


def test_four_builds_of_one_project_at_once_agree(tmp_path: Path) -> None:
    project = tiny_project(tmp_path / "tiny")
    start = threading.Barrier(4)
    built: list[str] = []
    errors: list[BaseException] = []

    def build() -> None:
        start.wait()
        try:
            built.append(build_deployment_package(str(project), building_runtime(), "arm64"))
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=build) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(built)) == 1
    assert (
        "app.pyc" in zipfile.ZipFile(built[0]).namelist()
        or "app.py" in zipfile.ZipFile(built[0]).namelist()
    )
