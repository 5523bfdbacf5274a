"""Where `export -o PATH` writes: a regular file is replaced atomically (a ``.part`` file beside
it, renamed over it when complete); standard output, a named pipe, a terminal or another device
is written in place; a symlink is followed (its target is written, the link stays)."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from policywatch.errors import PolicywatchError

STDOUT_NAMES = ("-", "/dev/stdout")


def describe(path: str) -> str:
    return "standard output" if path in STDOUT_NAMES else path


@contextmanager
def open_output(path: str, encoding: str) -> Iterator[IO[str]]:
    """A text stream for ``path``; the data is in place only when the block ends without error."""
    if path in STDOUT_NAMES:
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(os.path.realpath(path))  # a symlink is followed, never replaced
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise PolicywatchError(f"{path} is a directory: give a file name with -o.")
    if mode is not None and not stat.S_ISREG(mode):
        # a named pipe, a terminal or another device: write in place (never rename over it)
        try:
            with open(target, "w", encoding=encoding, newline="") as fh:
                yield fh
        except OSError as exc:
            raise _cannot_write(path, exc) from None
        return
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with open(tmp, "w", encoding=encoding, newline="") as fh:
            yield fh
        if mode is not None:
            shutil.copymode(target, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    finally:
        tmp.unlink(missing_ok=True)


def _cannot_write(path: str, exc: OSError) -> PolicywatchError:
    return PolicywatchError(
        f"Cannot write {path} ({exc.strerror or exc}): choose a writable path with -o."
    )
