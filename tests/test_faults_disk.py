"""A full disk: a small tmpfs filled by a run (Linux, as root; else skipped with the reason)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import SCENARIOS


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs at ``tmp_path/disk``, unmounted afterwards."""
    if not sys.platform.startswith("linux"):
        pytest.skip("mounts a tmpfs: Linux only")
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs this test as root)")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True, timeout=60)


def test_a_full_disk_gets_one_line_and_leaves_nothing_behind(small_disk, tmp_path):
    for name in ("summit.yaml", "article.yaml", "prior.yaml"):
        shutil.copy(SCENARIOS / name, tmp_path / name)
    command = [sys.executable, "-m", "sim.cli", "run", "summit.yaml", "--runs", "20000"]
    done = subprocess.run(
        [*command, "--out", str(small_disk / "out")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    error = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "No space left on device" in error[0], done.stderr
    assert "Results written" not in done.stdout
    assert list(small_disk.iterdir()) == []  # no half-written folder, no staging copy
