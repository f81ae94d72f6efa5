"""The `avatar lipsync` options Rhubarb users rely on, and the help on which method serves which language.

Kept free of heavy imports: the command line builds its parser from this on every start.
"""

from __future__ import annotations

import argparse

FORMATS = ("json", "tsv", "xml", "dat")  # avatar.lipsync.export.FORMATS
DAT_FPS = 24.0                          # avatar.lipsync.export.DAT_FPS

PATHS_HELP = """\
how the mouth shapes are found:
  any language, with --text or --transcript
      the text is spoken by the voice and its phonemes are aligned to the recording (best)
  English recording, no transcript
      phone recognition with PocketSphinx (pip install 'avatar[phones]'), as Rhubarb Lip Sync does;
      without that extra, the spectral method below
  other languages (Mandarin, French, ...), no transcript
      spectral method: loudness and formants of the sound alone (no model; rougher shapes)

Rhubarb Lip Sync formats: json (with an "openness" track), tsv, xml, dat (Moho / OpenToonz).
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The format and Rhubarb options of `avatar lipsync` (not the input, transcript or voice)."""
    p.add_argument("--format", choices=FORMATS, default="json",
                   help="json (default), tsv, xml or dat, as Rhubarb Lip Sync writes them")
    p.add_argument("--extended-shapes", default="GHX", metavar="LETTERS",
                   help="which of Rhubarb's optional shapes G, H, X to use (default GHX; \"\" for A-F only)")
    p.add_argument("--dat-frame-rate", type=float, default=DAT_FPS, metavar="FPS",
                   help=f"frame rate of dat output, 24-100 (default {DAT_FPS:g})")
    p.add_argument("--dat-preston-blair", action="store_true",
                   help="dat output names shapes MBP, etc, E, AI, O, U, FV, L, rest")
    p.add_argument("--progress", action="store_true", help="show a progress bar on standard error")
