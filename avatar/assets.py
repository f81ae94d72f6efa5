"""Where the shipped assets (sample speech, kiosk knowledge, faces) are: the source tree or the installed copy."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path


def assets_dir() -> Path:
    """`assets/` beside the package in a checkout; `<prefix>/share/avatar/assets` in an installed wheel."""
    here = Path(__file__).resolve().parent.parent / "assets"
    if here.is_dir():
        return here
    for base in (sysconfig.get_path("data"), sys.prefix):
        installed = Path(base) / "share" / "avatar" / "assets"
        if installed.is_dir():
            return installed
    return here


def sample_speech() -> Path:
    return assets_dir() / "speeches" / "beijing-digital-economy.md"


def sample_sprite_pack() -> Path:
    """The sample cartoon presenter drawn as a Rhubarb sprite pack (`--face` accepts this folder)."""
    return assets_dir() / "faces" / "sample-sprites"
