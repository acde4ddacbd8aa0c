"""write_atomically: all or nothing, right permissions, no temporary files left behind."""

from __future__ import annotations

import os
import stat

import pytest

from mud import atomic_file
from mud.atomic_file import write_atomically


def test_writes_the_whole_file_with_the_mode(tmp_path):
    target = tmp_path / "key"
    assert write_atomically(str(target), b"abc" * 1000, 0o600)
    assert target.read_bytes() == b"abc" * 1000
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["key"]


def test_replaces_an_existing_file_or_leaves_it_when_asked(tmp_path):
    target = tmp_path / "f"
    target.write_bytes(b"old")
    assert write_atomically(str(target), b"new")
    assert target.read_bytes() == b"new"
    assert not write_atomically(str(target), b"newer", replace=False)
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["f"]


def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "f"
    target.write_bytes(b"old and whole")

    def crash(fd: int) -> None:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(atomic_file.os, "fsync", crash)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(str(target), b"new")
    assert target.read_bytes() == b"old and whole"
    assert os.listdir(tmp_path) == ["f"]


def test_an_unwritable_directory_raises(tmp_path):
    with pytest.raises(OSError):
        write_atomically(str(tmp_path / "missing" / "f"), b"x")
