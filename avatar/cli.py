"""Command line: argparse subcommands, thin glue over the package, and the exit codes.

Exit codes: 0 done, 1 runtime failure, 2 usage error (bad input), 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from avatar import __version__
from avatar.errors import AvatarError, UsageError

if TYPE_CHECKING:
    from avatar.config import Config
    from avatar.load import ShowRequest


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (exit 2) instead of a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _say(msg: str) -> None:
    print(f"avatar: {msg}", file=sys.stderr, flush=True)


# --- shared pieces ---------------------------------------------------------------------------------

def _add_voice_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--voice", help="voice id, name or language (see 'avatar voices'); default: the "
                                   "script's voice, else the engine's default")
    p.add_argument("--rate", type=int, help="speaking rate in words per minute (80-450, default 175)")
    p.add_argument("--engine", default="pyttsx3", help=argparse.SUPPRESS)  # "fake" for tests
    p.add_argument("--no-cache", action="store_true", help="synthesise again instead of using the cache")


def _add_show_args(p: argparse.ArgumentParser, script_required: bool = False) -> None:
    p.add_argument("script", nargs=None if script_required else "?",
                   help="speech script (.md/.txt with optional +++ TOML front matter)")
    p.add_argument("--audio", metavar="FILE", help="deliver a recorded speech (WAV/MP3/OGG/FLAC) instead")
    p.add_argument("--transcript", "--text", dest="transcript", metavar="FILE",
                   help="with --audio: a text file of what is said; the mouth and captions follow its words")
    p.add_argument("--look", help="avatar look (official, presenter, host); default from the script")
    p.add_argument("--face", metavar="PATH", help="a portrait photo (or a folder of mouth images) to present")
    p.add_argument("--no-captions", action="store_true", help="do not show captions")
    p.add_argument("--title", help="title shown at the start (default: the script's title)")
    p.add_argument("--speaker", help="name in the lower third (default: the script's speaker)")
    p.add_argument("--role", help="role in the lower third (default: the script's role)")
    _add_pronounce_arg(p)
    _add_voice_args(p)


def _add_pronounce_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pronounce", metavar="FILE.toml",
                   help="pronunciation list (UNCTAD = \"unk tad\"); the script's [pronounce] table and a "
                        "pronounce.toml beside it come first")


def _request(args: argparse.Namespace, **given: object) -> ShowRequest:
    """The show the options ask for (see `avatar.load`)."""
    from avatar.face.select import look_chosen
    from avatar.load import ShowRequest

    fields = dict(script=getattr(args, "script", None), audio=getattr(args, "audio", None),
                  transcript=getattr(args, "transcript", None), look=getattr(args, "look", None),
                  voice=args.voice, rate_wpm=args.rate, engine=args.engine, use_cache=not args.no_cache,
                  captions=not getattr(args, "no_captions", False), title=getattr(args, "title", None),
                  speaker=getattr(args, "speaker", None), role=getattr(args, "role", None),
                  pronounce=getattr(args, "pronounce", None), face=getattr(args, "face", None),
                  drawn=look_chosen(args))
    fields.update(given)
    return ShowRequest(**fields)  # type: ignore[arg-type]


# --- commands --------------------------------------------------------------------------------------

def cmd_play(args: argparse.Namespace, request: ShowRequest | None = None) -> int:
    t0 = time.perf_counter()
    from avatar.load import load_show
    from avatar.window import parse_window_size

    size = parse_window_size(args.size)
    if not 1 <= args.fps <= 240:
        raise UsageError(f"--fps {args.fps} is out of range; use 1 to 240 frames per second (e.g. 60)")
    loaded = load_show(request or _request(args), live=True, background=True)
    # pygame is imported once the speech is known to be good (a bad script fails at once), while
    # the speech is being synthesised in the background.
    from avatar.player import Player
    from avatar.scene import Scene
    from avatar.sound import open_sound

    tl, show = loaded.timeline, loaded.show
    sound = open_sound(tl.rate_hz, enabled=not args.mute)
    if sound.silent and not args.mute:
        _say("no sound device found; playing silently on the wall clock")
    player = Player(show, lambda s: Scene(s, loaded.look, show_captions=show.options.captions), sound,
                    size=size, fullscreen=args.fullscreen, fps=args.fps, title=tl.title or "avatar")
    stats = player.run(max_wall_s=args.max_seconds, t0_wall=t0)
    if tl.failures:  # the cause was logged when it happened; this says how much it touched
        _say(f"{len(tl.failures)} of {len(tl.captions)} sentences were shown without voice (captions only)")
    if args.stats:
        print(stats.summary())
    return 0


def cmd_say(args: argparse.Namespace) -> int:
    """One line, played like a one-sentence speech script (directives such as [pause 1s] work)."""
    text = " ".join(args.text).strip()
    if not text:
        raise UsageError("nothing to say; give the text, e.g. avatar say \"Welcome to Geneva\"")
    return cmd_play(args, _request(args, script=None, text=text))


def cmd_record(args: argparse.Namespace) -> int:
    import tempfile

    from avatar import ffmpeg
    from avatar.bilingual import plan_sidecars
    from avatar.lipsync.cues import CueSettings
    from avatar.load import load_show
    from avatar.output import check_output_path
    from avatar.recorder import Recorder, parse_size

    # Every option and output path is checked before any minute is spent on speech or frames.
    size = parse_size(args.size)
    recorder = Recorder(args.output, size=size, fps=args.fps, crf=args.crf, preset=args.preset,
                        overwrite=args.overwrite, progress=False if args.quiet else None)
    out = recorder.output
    sidecars = plan_sidecars(out, args.script, enabled=not args.no_sidecars)  # TALK[.lang].srt/.vtt
    for side in sidecars.paths:
        check_output_path(side, overwrite=args.overwrite, suffixes=(".srt", ".vtt"))
    if args.cues:
        check_output_path(args.cues, overwrite=args.overwrite, suffixes=(".json",))
    if args.thumbnail:
        check_output_path(args.thumbnail, overwrite=args.overwrite, suffixes=(".png",))
    burn = bool(args.burn_captions) and not args.no_captions
    ffmpeg.find_exe_in_background()    # found while the speech loads, ready when the encoder starts
    with tempfile.TemporaryDirectory(prefix="avatar-rec-") as tmp:
        wav = Path(tmp) / "voice.wav"
        # The mouth track leads the voice slightly; in a video keep that lead within one frame.
        loaded = load_show(_request(args, captions=burn), live=False, soundtrack=wav,
                           mouth_delay_s=max(0.0, CueSettings().lead_s - 1.0 / args.fps))
        tl, show = loaded.timeline, loaded.show
        if tl.soundtrack is None:
            tl.write_wav(wav)
        import pygame

        pygame.font.init()
        from avatar.repaint import Repainter
        from avatar.scene import Scene

        scene = Scene(size, loaded.look, show_captions=burn)
        painter = Repainter(scene)   # the recorder's frame buffers keep what was drawn into them

        def render(t_s: float, surface):
            return painter.draw_i420(surface, show.state_at(t_s))   # what it changed on `surface`, and the face

        result = recorder.record(render, tl.duration_s, wav, check_audio=False)   # our own WAV
        scene.keep_built()           # the presenter's poses, for the next recording or show
    if not args.quiet:
        _say(f"wrote {result.output} ({result.duration_s:.1f} s, {result.frames} frames, "
             f"{result.speed_x:.1f}x real time)")
    sidecars.write(tl.captions)
    if args.cues:
        from avatar.lipsync import write_track
        from avatar.timeline import whole_mouth_track

        write_track(whole_mouth_track(tl), args.cues, "json", result.output.name)
    if args.thumbnail:
        from avatar.poster import write_poster

        write_poster(args.thumbnail, scene, show, size)
    if tl.failures:  # the cause was logged when it happened; this says how much it touched
        _say(f"{len(tl.failures)} of {len(tl.captions)} sentences were recorded without voice (captions only)")
    return 0


def cmd_face(args: argparse.Namespace) -> int:
    from avatar.face.photo_cli import run

    return run(args)


def cmd_voices(args: argparse.Namespace) -> int:
    from avatar.tts.listing import print_voices

    return print_voices(args.engine, args.language)


def cmd_lipsync(args: argparse.Namespace) -> int:
    from avatar import audio as audio_mod
    from avatar.build import read_transcript, transcript_text
    from avatar.lipsync import align_transcript, track_from_speech
    from avatar.lipsync.command import audio_only_track, check_options, write_output
    from avatar.load import make_voice
    from avatar.output import check_output_path

    if args.text and args.transcript:
        raise UsageError("give --text or --transcript, not both")
    check_options(args)
    to_stdout = args.output in (None, "-")
    if not to_stdout:
        check_output_path(args.output, overwrite=True, suffixes=None)  # now, before any work
    rec = audio_mod.load(args.audio)
    text = transcript_text(read_transcript(args.transcript)) if args.transcript else args.text
    if text:
        from avatar.language import guess_language

        language = args.language or guess_language(text)  # picks the voice and the mouth chart
        voice = make_voice(_request(args), language=language)
        track = track_from_speech(align_transcript(rec, voice.synthesize(text)), language=language)
    else:
        track = audio_only_track(rec, getattr(args, "language", None), args.progress)
    write_output(track, args, None if to_stdout else args.output, os.path.basename(args.audio))
    return 0


# --- parser ----------------------------------------------------------------------------------------

def build_parser(config: Config | None = None) -> argparse.ArgumentParser:
    from avatar.kiosk.command import add_arguments as kiosk_arguments

    parser = _Parser(prog="avatar", description="A talking digital-human presenter: delivers speeches, "
                     "answers questions at a kiosk, records demo videos.")
    parser.add_argument("--version", action="version", version=f"avatar {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("--config", metavar="FILE",
                        help="TOML config file (default: $AVATAR_CONFIG, ./avatar.toml, ~/.config/avatar/config.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("play", help="deliver a speech live in a window")
    _add_show_args(p)
    p.add_argument("--fullscreen", action="store_true", help="play full screen")
    p.add_argument("--size", default="1280x720", help="window size WIDTHxHEIGHT (default 1280x720)")
    p.add_argument("--fps", type=int, default=60, help="frames per second to draw (default 60)")
    p.add_argument("--mute", action="store_true", help="play without sound")
    p.add_argument("--max-seconds", type=float, help=argparse.SUPPRESS)
    p.add_argument("--stats", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_play)

    p = sub.add_parser("say", help="speak one line with the avatar")
    p.add_argument("text", nargs="+", help="what to say")
    p.add_argument("--look", help="avatar look")
    p.add_argument("--face", metavar="PATH", help="a portrait photo (or a folder of mouth images) to present")
    p.add_argument("--fullscreen", action="store_true")
    p.add_argument("--size", default="1280x720")
    p.add_argument("--fps", type=int, default=60)
    p.add_argument("--mute", action="store_true", help="play without sound")
    p.add_argument("--max-seconds", type=float, help=argparse.SUPPRESS)
    p.add_argument("--stats", action="store_true", help=argparse.SUPPRESS)
    _add_pronounce_arg(p)
    _add_voice_args(p)
    p.set_defaults(func=cmd_say, no_captions=False, title=None, speaker=None, role=None)

    p = sub.add_parser("voices", help="list the installed voices")
    p.add_argument("--language", help="only voices for this language code prefix, e.g. en")
    p.add_argument("--engine", default="pyttsx3", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_voices)

    from avatar.lipsync_options import PATHS_HELP, add_arguments as lipsync_arguments

    p = sub.add_parser("lipsync", help="export the mouth track of a recording (Rhubarb-compatible)",
                       epilog=PATHS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("audio", help="recording: WAV, MP3, OGG or FLAC")
    p.add_argument("--text", help="what is said (aligns its phonemes to the recording)")
    p.add_argument("--transcript", metavar="FILE", help="a text file of what is said")
    p.add_argument("-o", "--output", help="output file (default: standard output)")
    lipsync_arguments(p)
    p.add_argument("--language", help="language spoken, e.g. en or zh (default: guessed from the text; English "
                                      "for a recording without text)")
    _add_voice_args(p)
    p.set_defaults(func=cmd_lipsync)

    p = sub.add_parser("record", help="record the presenter to an MP4 video (faster than real time)")
    _add_show_args(p)
    p.add_argument("-o", "--output", required=True, help="the video to write, e.g. talk.mp4")
    p.add_argument("--size", default="1280x720",
                   help="WIDTHxHEIGHT or 720p, 1080p, 4k, vertical (1080x1920); default 1280x720")
    p.add_argument("--fps", type=float, default=30, help="frames per second: 24, 25, 30 (default), 50, 60")
    p.add_argument("--crf", "--quality", dest="crf", type=int, default=23,
                   help="H.264 quality, 0-51, lower is better (default 23)")
    p.add_argument("--preset", default="auto", help="x264 preset (default: veryfast up to 720p, ultrafast above)")
    p.add_argument("--burn-captions", action="store_true",
                   help="draw the captions into the picture (they always go to TALK.srt/.vtt, or to "
                        "TALK.zh.srt, TALK.en.srt... when the script names a translation, e.g. translation = \"talk.en.md\")")
    p.add_argument("--no-sidecars", action="store_true", help="do not write TALK.srt and TALK.vtt")
    p.add_argument("--cues", metavar="FILE.json", help="also write the mouth track (Rhubarb-compatible JSON)")
    p.add_argument("--thumbnail", metavar="FILE.png", help="also write a poster frame (mid-sentence)")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_record)

    p = sub.add_parser("face", help="check a portrait photo and write a preview sheet of its mouth shapes")
    p.add_argument("photo", help="a portrait photo (JPEG, PNG, WebP, BMP or TIFF)")
    p.add_argument("-o", "--output", metavar="FILE.png", help="preview sheet (default: PHOTO.preview.png)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing preview sheet")
    p.set_defaults(func=cmd_face)

    p = sub.add_parser("kiosk", help="answer visitors' questions live (full screen or --headless)")
    kiosk_arguments(p)
    p.set_defaults(func=_run_kiosk)
    if config is not None:
        for name, p in sub.choices.items():
            p.set_defaults(**config.defaults_for(name))
            p.set_defaults(app_config=config)
    return parser


def _run_kiosk(args: argparse.Namespace) -> int:
    from avatar.kiosk.command import run

    return run(args)


def _sigterm_as_interrupt() -> None:
    """A polite kill (SIGTERM) cleans up like Ctrl-C: no half-written files are left behind."""
    import signal

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # not the main thread, or a platform without it
        pass


def _import_pygame() -> None:
    """Import pygame without setuptools' pkg_resources, which it tries first to find its own data files
    (it finds them by path without it): importing pkg_resources is about 60 ms of every start."""
    if "pygame" in sys.modules or "pkg_resources" in sys.modules:
        return
    sys.modules["pkg_resources"] = None   # type: ignore[assignment]  # importing it raises ImportError now
    try:
        import pygame  # noqa: F401
    except ImportError:                   # reported where it is used, with the fix
        pass
    finally:
        del sys.modules["pkg_resources"]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="avatar: %(message)s", stream=sys.stderr)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    _import_pygame()
    _sigterm_as_interrupt()
    try:
        from avatar.config import config_arg, find_config, load_config

        config = load_config(find_config(config_arg(argv)))
        parser = build_parser(config)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except AvatarError as exc:
        if debug:
            raise
        _say(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `avatar voices | head -1`): nothing more to say to anyone.
        _quiet_stdout()
        return 1
    except Exception as exc:  # noqa: BLE001 - the last net: one line, no traceback without --debug
        if debug:
            raise
        if isinstance(exc, MemoryError):
            _say("error: out of memory; try a shorter input or a smaller --size")
        elif isinstance(exc, OSError) and exc.strerror:
            where = f" ({exc.filename})" if exc.filename else ""
            _say(f"error: {exc.strerror}{where}; check the disk, the paths and their permissions")
        else:
            first = (str(exc).splitlines() or [""])[0][:200]
            _say(f"error: unexpected {type(exc).__name__}: {first} (this is a bug; run again with --debug "
                 "to see where, and please report it)")
        return 1


def _quiet_stdout() -> None:
    """Point stdout at nothing, so Python's final flush does not fail again on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
