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
    """Refuse early, before asking the user anything, when the write cannot happen. The
    file is judged as it is now, not as it was read: a `chmod u+w` in another window
    while the wizard waits on Write lets the next Write through."""
    st: os.stat_result | None = None
    if doc.exists:
        with contextlib.suppress(OSError):
            st = os.stat(doc.real_path)
    mode = st.st_mode if st is not None else doc.mode
    if doc.exists and mode is not None and not mode & stat.S_IWUSR:
        raise ConfigError(doc.path, "is read-only; make it writable (chmod u+w)")
    if doc.exists:
        links = st.st_nlink if st is not None else 1
        if links > 1:
            raise ConfigError(
                doc.path,
                f"has {links} hard links; replacing it would split it from the others, "
                "which would keep the old content. Use --dry-run and apply the diff by hand, "
                "or make it a file of its own first (cp config.yaml x && mv x config.yaml)",
            )
    directory = doc.real_path.parent
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigError(doc.path, f"cannot write in {directory}: permission denied")


def write_config(doc: ConfigDocument, new_text: str) -> None:
    """Replace the real file (symlinks followed) with `new_text`, atomically, keeping its
    mode, owner and group as they are now; only if its bytes are still those read."""
    check_writable(doc)
    real = doc.real_path
    from wizard.config.files import read_regular

    try:
        st: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise ConfigError(doc.path, f"cannot read it again before writing: {e.strerror}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ConfigError(doc.path, "is no longer a regular file; nothing was written")
    if st is not None and st.st_nlink > 1:
        raise ConfigError(
            doc.path,
            f"has {st.st_nlink} hard links; replacing it would split it from the others, "
            "which would keep the old content. Nothing was written: use --dry-run and apply "
            "the diff by hand, or make it a file of its own first (cp config.yaml x && "
            "mv x config.yaml)",
        )
    current = read_regular(real) if st is not None else None
    if current != (doc.raw if doc.exists else None):
        raise ConfigChanged(
            doc.path,
            "changed on disk while the wizard was running; nothing was written. "
            "Run the command again to plan against the new content",
        )
    data = encode(doc, new_text)
    # The mode as it is now (a chmod while the prompt waited is kept), else the umask's.
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if st is not None and (st.st_uid, st.st_gid) != _owner(tmp):
            with contextlib.suppress(PermissionError):  # only root may give files away
                os.chown(tmp, st.st_uid, st.st_gid)
        os.chmod(tmp, mode)  # after chown, which clears setuid/setgid
        os.replace(tmp, real)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise ConfigError(doc.path, f"could not write it: {e.strerror}") from None
        raise
    _fsync_dir(real.parent)


def _owner(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_uid, st.st_gid


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
