"""What frontdesk prepares once and keeps between runs, in the user's cache directory.

Start-up work that does not change between runs — the embedding model's ONNX export, the
embeddings of card examples, every business's trained topic model — is kept in one
directory (``$XDG_CACHE_HOME/frontdesk``, else ``~/.cache/frontdesk``; the ``cache_dir``
setting moves it, ``""`` turns it off). Several processes starting together on a cold cache
(``frontdesk serve --workers 8``) make each item once: the first takes the item's file lock
and builds it, the others wait on the lock and then read what it wrote. Files are written
under a temporary name and renamed, so a reader never sees half a file, and a damaged file
is rebuilt.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

log = logging.getLogger("frontdesk.cache")

Arrays = dict[str, np.ndarray]


def default_cache_dir(environ: dict[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/frontdesk``, else ``~/.cache/frontdesk``."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "frontdesk"


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created if missing) for the ``with`` block; other
    processes asking for it wait."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


_announced = False


def announce(what: str) -> None:
    """One line on standard error, the first time a process prepares something, saying
    that it does (standard output belongs to the command: ``frontdesk chat`` over a pipe
    prints only replies there); each item is logged."""
    global _announced
    log.info("preparing %s", what)
    if not _announced:
        _announced = True
        print(
            "frontdesk: preparing the language models for first use (a few seconds, once; "
            "they are kept in the cache)",
            file=sys.stderr,
            flush=True,
        )


class ArrayCache:
    """Named sets of arrays in a directory, each made once (see the module docstring)."""

    def __init__(self, directory: Path, salt: str = "") -> None:
        self.directory = directory
        self.salt = salt  # mixed into every key: a new salt (new code) builds afresh

    def _path(self, kind: str, key: str) -> Path:
        name = hashlib.sha256(f"{key}:{self.salt}".encode()).hexdigest()[:24]
        return self.directory / f"{kind}-{name}.npz"

    def load(self, kind: str, key: str) -> Arrays | None:
        path = self._path(kind, key)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
        except (OSError, ValueError, KeyError) as e:
            log.warning("ignoring damaged cache file %s: %s", path, e)
            return None

    def save(self, kind: str, key: str, arrays: Arrays) -> None:
        path = self._path(kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
            np.savez(tmp, **arrays)  # type: ignore[arg-type]
            os.replace(tmp, path)
        except OSError as e:
            log.warning("cannot write cache file %s: %s", path, e)

    def load_or_build(
        self, kind: str, key: str, build: Callable[[], Arrays], what: str = ""
    ) -> Arrays:
        """The arrays stored under ``kind``/``key``; built (under the item's lock, once for
        every process asking at the same time) and stored when missing. ``what`` names the
        work for :func:`announce` when it has to be done."""
        found = self.load(kind, key)
        if found is not None:
            return found
        try:
            lock = file_lock(self._path(kind, key).with_suffix(".lock"))
            lock.__enter__()
        except OSError as e:  # a read-only cache: build for this process only
            log.warning("cache directory %s is not writable: %s", self.directory, e)
            return build()
        try:
            found = self.load(kind, key)  # made by another process while we waited
            if found is not None:
                return found
            if what:
                announce(what)
            arrays = build()
            self.save(kind, key, arrays)
            return arrays
        finally:
            lock.__exit__(None, None, None)


__all__ = ["ArrayCache", "Arrays", "announce", "default_cache_dir", "file_lock"]
