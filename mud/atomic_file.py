"""Writing a file so that a crash leaves either the old file or the whole new one.

The data goes to a temporary file beside the target, is fsynced, then renamed over the
target (or linked into place when an existing file must win), and the directory is fsynced
so the new name itself survives a power cut. Blocking: call at start-up or in a thread.
"""

from __future__ import annotations

import contextlib
import os
import tempfile


def write_atomically(path: str, data: bytes, mode: int = 0o600,
                     replace: bool = True) -> bool:
    """Write ``data`` to ``path`` atomically with permissions ``mode``.

    With ``replace=False`` an existing file is left alone and False is returned (two
    processes racing to create the same file both end up reading the winner's). Raises
    OSError when the directory cannot be written.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                return False
            finally:
                os.unlink(temporary)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)
    return True


def _fsync_directory(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
