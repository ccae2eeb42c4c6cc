"""Write config.yaml atomically, and only over the bytes that were read."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile

from wizard.config.document import ConfigDocument, ConfigError, encode


class ConfigChanged(ConfigError):
    """The file on disk is no longer what the edit was planned from."""


def check_writable(doc: ConfigDocument) -> None:
    """Refuse early, before asking the user anything, when the write cannot happen."""
    if doc.exists and doc.mode is not None and not doc.mode & stat.S_IWUSR:
        raise ConfigError(
            doc.path, "is read-only; make it writable (chmod u+w) or pass --dry-run to preview"
        )
    directory = doc.real_path.parent
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigError(doc.path, f"cannot write in {directory}: permission denied")


def write_config(doc: ConfigDocument, new_text: str) -> None:
    check_writable(doc)
    real = doc.real_path
    try:
        current = real.read_bytes()
    except FileNotFoundError:
        current = None
    except OSError as e:
        raise ConfigError(doc.path, f"cannot read it again before writing: {e.strerror}") from None
    if current != (doc.raw if doc.exists else None):
        raise ConfigChanged(
            doc.path,
            "changed on disk while the wizard was running; nothing was written. "
            "Run the command again to plan against the new content",
        )
    data = encode(doc, new_text)
    mode = doc.mode if doc.mode is not None else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise ConfigError(doc.path, f"could not write it: {e.strerror}") from None
        raise
    _fsync_dir(real.parent)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(path: os.PathLike[str]) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
