"""Output files: checked before any work, written beside the target under a hidden name, published in one step.

Every file `avatar` writes for a user (video, captions, mouth cues, poster frame) goes through here, so all
of them get the same checks, the same messages, ordinary permissions, and no half-written file ever shows:

    path = check_output_path("talk.mp4", overwrite=False)    # before minutes of work
    part = reserve_part(path)                                 # .talk.mp4.part-1a2b3c4d.mp4
    ... write part ...
    publish(part, path, overwrite=False)                      # or discard(part) on any failure
    write_atomic("talk.srt", text)                            # all of the above for a small file
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Callable

from avatar.errors import OutputPathError

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov")


def check_output_path(output: str | os.PathLike[str], *, overwrite: bool = False,
                      suffixes: tuple[str, ...] | None = VIDEO_SUFFIXES) -> Path:
    """The output as an absolute path, or OutputPathError naming the problem and its fix."""
    path = Path(output).expanduser().absolute()
    if suffixes is not None and path.suffix.lower() not in suffixes:
        if suffixes == VIDEO_SUFFIXES:
            raise OutputPathError(f"{path.name}: the video is written as MP4; end the name with "
                                  f"{' or '.join(suffixes)} (e.g. {path.stem or 'talk'}.mp4)")
        raise OutputPathError(f"{path.name}: end the name with {' or '.join(suffixes)} "
                              f"(e.g. {path.stem or 'out'}{suffixes[0]})")
    folder = path.parent
    if not folder.exists():
        raise OutputPathError(f"folder {folder} does not exist; create it first (mkdir -p {folder})")
    if not folder.is_dir():
        raise OutputPathError(f"cannot write {path.name}: {folder} is a file, not a folder")
    if path.is_dir():
        example = ("talk" if suffixes == VIDEO_SUFFIXES else "out") + (suffixes[0] if suffixes else "")
        raise OutputPathError(f"{path} is a folder; give a file name such as {path / example}")
    if path.exists() and not overwrite:
        raise OutputPathError(f"{path} exists already; pass --overwrite to replace it or choose another name")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(f"folder {folder} is not writable; choose another folder or fix its permissions")
    _probe_folder(folder)
    return path


def _probe_folder(folder: Path) -> None:
    """Create and delete a hidden file: the only sure test of a folder (root ignores permission bits,
    and read-only mounts and /proc pass os.access), made now rather than after minutes of work."""
    discard(reserve_part(folder / ".avatar-probe"))


def reserve_part(path: Path) -> Path:
    """Create the hidden part file next to `path` (ordinary permissions), so a rename publishes it."""
    for _ in range(10):
        part = path.with_name(f".{path.name}.part-{secrets.token_hex(4)}{path.suffix}")
        try:
            with open(part, "xb"):   # open() honours the umask: the file gets ordinary permissions
                return part
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputPathError(f"cannot write in folder {path.parent} ({exc.strerror or exc}); "
                                  f"choose another folder or fix its permissions") from None
    raise OutputPathError(f"cannot create a temporary file in {path.parent}")  # pragma: no cover


def publish(part: Path, path: Path, *, overwrite: bool) -> None:
    """Rename the finished part file to `path`; without `overwrite`, never replace a file."""
    if overwrite:
        os.replace(part, path)
        return
    try:
        # A hard link fails if the target appeared meanwhile, where a rename would silently replace it.
        os.link(part, path)
    except FileExistsError as exc:
        raise OutputPathError(f"{path} was created by someone else meanwhile; "
                              f"pass --overwrite to replace it") from exc
    except OSError:  # a file system without hard links (FAT, some network shares)
        if path.exists():
            raise OutputPathError(f"{path} exists already; pass --overwrite to replace it") from None
        os.replace(part, path)
        return
    part.unlink()


def discard(part: Path | None) -> None:
    """Remove a part file that will not be published (it may already be gone)."""
    if part is not None:
        try:
            part.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass  # nothing more can be done; the hidden name keeps it out of the way


def write_atomic(path: str | os.PathLike[str], content: str | bytes | Callable[[Path], None], *,
                 overwrite: bool = True) -> Path:
    """Write a small file in one step: text (UTF-8, as given), bytes, or `content(part_path)` writing it."""
    target = check_output_path(path, overwrite=overwrite, suffixes=None)
    part = reserve_part(target)
    try:
        if callable(content):
            content(part)
        elif isinstance(content, bytes):
            part.write_bytes(content)
        else:
            with open(part, "w", encoding="utf-8", newline="") as fh:
                fh.write(content)
        publish(part, target, overwrite=overwrite)
    except OSError as exc:
        discard(part)
        raise OutputPathError(f"cannot write {target} ({exc.strerror or exc}); "
                              f"choose another folder or fix its permissions") from exc
    except BaseException:
        discard(part)
        raise
    return target
