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
from avatar.errors import AvatarError, OutputPathError, TTSError, UsageError

if TYPE_CHECKING:
    from avatar.config import Config

log = logging.getLogger("avatar")



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
    _add_voice_args(p)


def _voice(args: argparse.Namespace, voice: str = "", rate: int | None = None, language: str = ""):
    """The voice to speak with: --voice, else the script's voice, else one for the script's language."""
    from avatar.tts import Voice, get_engine
    from avatar.tts.base import VoiceSettings

    rate_wpm = args.rate if args.rate is not None else (rate or 175)
    if not 80 <= rate_wpm <= 450:
        raise UsageError(f"--rate {rate_wpm} is out of range; use 80 to 450 words per minute")
    settings = VoiceSettings(voice=args.voice if args.voice is not None else voice, rate_wpm=rate_wpm)
    engine = get_engine(args.engine)
    if not settings.voice and language and language.lower() not in ("en", "") and \
            hasattr(engine, "resolve_voice"):
        try:
            settings = VoiceSettings(engine.resolve_voice(language), rate_wpm)
        except UsageError:
            _say(f"no installed voice speaks language '{language}'; using the default voice "
                 "(see 'avatar voices')")
        except TTSError:
            pass
    if settings.voice and hasattr(engine, "resolve_voice"):
        try:
            settings = VoiceSettings(engine.resolve_voice(settings.voice), settings.rate_wpm)
        except TTSError as exc:
            # The engine cannot even list its voices. A speech still goes on as captions: each
            # sentence meets the same error, and the builder reports it once.
            log.debug("could not resolve voice %r: %s", settings.voice, exc)
    return Voice(engine, settings, use_cache=not args.no_cache)


def with_background(look, spec: str, base_dir: str, script_path: str | None):
    """The look with the script's `background`: a colour "#rrggbb" (a gentle gradient from it) or an
    image path relative to the script."""
    import re
    from dataclasses import replace

    from avatar.errors import ScriptError
    from avatar.script import IMAGE_SUFFIXES

    spec = spec.strip()
    if not spec:
        return look
    m = re.fullmatch(r"#?([0-9a-fA-F]{6})", spec)
    if m:
        r, g, b = (int(m.group(1)[i:i + 2], 16) for i in (0, 2, 4))
        return replace(look, background_top=(r, g, b), background_image=None,
                       background_bottom=(int(r * 0.45), int(g * 0.45), int(b * 0.45)))
    image = Path(spec)
    if not image.is_absolute():
        image = Path(base_dir) / image
    if not image.is_file() or image.suffix.lower() not in IMAGE_SUFFIXES:
        raise ScriptError(f"background '{spec}' is neither a colour like \"#102040\" nor a PNG/JPEG image "
                          "(paths are relative to the script's folder)", path=script_path)
    return replace(look, background_image=str(image.resolve()))


def _load_show(args: argparse.Namespace, *, background: bool, live: bool = True,
               soundtrack: Path | None = None, mouth_delay_s: float = 0.0):
    """The timeline (built in the background when asked), its look and the Show.

    A live show flashes the title card and speaks at once; a recording opens on the title card.
    With `soundtrack`, a script's voice is written straight to that WAV as it is synthesised
    instead of being kept in memory (then `timeline.soundtrack` is set)."""
    from avatar.build import BuildOptions, build_audio_timeline, build_script_timeline, \
        start_script_timeline
    from avatar.face.look import get_look
    from avatar.face.select import look_chosen, with_face
    from avatar.script import load_script
    from avatar.show import LIVE_TITLE_FADE_S, LIVE_TITLE_HOLD_S, TITLE_FADE_S, TITLE_HOLD_S, Show, \
        ShowOptions
    from avatar.timeline import SoundtrackWriter, Timeline

    if args.audio and args.script:
        raise UsageError("give either a speech script or --audio FILE, not both")
    if not args.audio and not args.script:
        raise UsageError("give a speech script, e.g. 'avatar play assets/speeches/beijing-digital-economy.md',"
                         " or --audio FILE")
    if args.transcript and not args.audio:
        raise UsageError("--transcript goes with --audio (a script already says what is spoken)")
    if args.audio:
        look_obj = get_look(args.look or "official")  # checked before the slow part
        look_obj = with_face(look_obj, getattr(args, "face", None))
        voice = _voice(args) if args.transcript else None
        tl = build_audio_timeline(args.audio, transcript=args.transcript, voice=voice,
                                  title=args.title or "", speaker=args.speaker or "", role=args.role or "")
    else:
        script = load_script(args.script)
        look_obj = with_background(get_look(args.look or script.meta.look or "official"),
                                   script.meta.background, script.base_dir, script.path)
        look_obj = with_face(look_obj, getattr(args, "face", None), script.meta.face, script.base_dir,
                             drawn=look_chosen(args))
        voice = _voice(args, script.meta.voice, script.meta.rate_wpm, script.meta.language)
        if hasattr(voice.engine, "start"):
            voice.engine.start()  # the engine process starts while we open the window
        has_title = bool(args.title or script.meta.title)
        lead_in = 0.15 if live or not has_title else TITLE_HOLD_S + TITLE_FADE_S + 0.2
        build = BuildOptions(lead_in_s=lead_in)
        if background:
            tl, _ = start_script_timeline(script, voice, build)
        else:
            tl = Timeline(title=script.meta.title, speaker=script.meta.speaker, role=script.meta.role,
                          soundtrack=SoundtrackWriter(soundtrack, 22050) if soundtrack else None)
            try:
                build_script_timeline(script, voice, options=build, timeline=tl)
            finally:
                if tl.soundtrack is not None:
                    tl.soundtrack.close(tl.duration_s)
        for attr in ("title", "speaker", "role"):
            if getattr(args, attr):
                setattr(tl, attr, getattr(args, attr))
    hold, fade = (LIVE_TITLE_HOLD_S, LIVE_TITLE_FADE_S) if live else (TITLE_HOLD_S, TITLE_FADE_S)
    show = Show(tl, ShowOptions(captions=not args.no_captions, title_hold_s=hold, title_fade_s=fade,
                                mouth_delay_s=mouth_delay_s))
    return tl, look_obj, show


# --- commands --------------------------------------------------------------------------------------

def cmd_play(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    from avatar.player import parse_window_size

    size = parse_window_size(args.size)
    if not 1 <= args.fps <= 240:
        raise UsageError(f"--fps {args.fps} is out of range; use 1 to 240 frames per second (e.g. 60)")
    tl, look, show = _load_show(args, background=True)
    # pygame is imported once the speech is known to be good (a bad script fails at once), while
    # the speech is being synthesised in the background.
    from avatar.player import Player
    from avatar.scene import Scene
    from avatar.sound import open_sound

    sound = open_sound(tl.rate_hz, enabled=not args.mute)
    if sound.silent and not args.mute:
        _say("no sound device found; playing silently on the wall clock")
    player = Player(show, lambda s: Scene(s, look, show_captions=not args.no_captions), sound,
                    size=size, fullscreen=args.fullscreen, fps=args.fps,
                    title=tl.title or "avatar")
    stats = player.run(max_wall_s=args.max_seconds, t0_wall=t0)
    if tl.failures:  # the cause was logged when it happened; this says how much it touched
        _say(f"{len(tl.failures)} of {len(tl.captions)} sentences were shown without voice (captions only)")
    if args.stats:
        print(f"frames={stats.frames} wall_s={stats.wall_s:.2f} show_end_s={stats.show_end_s:.2f} "
              f"max_sync_error_ms={stats.max_sync_error_s * 1000:.1f} "
              f"first_audio_s={stats.first_audio_wall_s if stats.first_audio_wall_s is not None else -1:.3f} "
              f"first_audio_unix={stats.first_audio_unix_s if stats.first_audio_unix_s is not None else -1:.3f} "
              f"silent={int(stats.silent)}")
    return 0


def cmd_say(args: argparse.Namespace) -> int:
    """One line, played like a one-sentence speech script (directives such as [pause 1s] work)."""
    import tempfile

    from avatar.script import parse_script

    text = " ".join(args.text).strip()
    if not text:
        raise UsageError("nothing to say; give the text, e.g. avatar say \"Welcome to Geneva\"")
    parse_script(text)  # a mistake is reported against the text, not a temporary file
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as fh:
        fh.write(text)
        path = fh.name
    try:
        args.script, args.audio, args.transcript = path, None, None
        return cmd_play(args)
    finally:
        os.unlink(path)


def cmd_record(args: argparse.Namespace) -> int:
    import tempfile

    from avatar.captions import build_cues, caption_text, write_text_atomic
    from avatar.recorder import Recorder, check_output_path, parse_size

    # Every option and output path is checked before any minute is spent on speech or frames.
    size = parse_size(args.size)
    recorder = Recorder(args.output, size=size, fps=args.fps, crf=args.crf, preset=args.preset,
                        overwrite=args.overwrite, progress=False if args.quiet else None)
    out = recorder.output
    sidecars = [] if args.no_sidecars else [out.with_suffix(".srt"), out.with_suffix(".vtt")]
    for side in sidecars:
        check_output_path(side, overwrite=args.overwrite, suffixes=(".srt", ".vtt"))
    if args.cues:
        check_output_path(args.cues, overwrite=args.overwrite, suffixes=(".json",))
    if args.thumbnail:
        check_output_path(args.thumbnail, overwrite=args.overwrite, suffixes=(".png",))
    args.no_captions = args.no_captions or not args.burn_captions
    with tempfile.TemporaryDirectory(prefix="avatar-rec-") as tmp:
        wav = Path(tmp) / "voice.wav"
        # The mouth track leads the voice slightly; in a video keep that lead within one frame.
        from avatar.lipsync.cues import CueSettings

        tl, look, show = _load_show(args, background=False, live=False, soundtrack=wav,
                                    mouth_delay_s=max(0.0, CueSettings().lead_s - 1.0 / args.fps))
        if tl.soundtrack is None:
            tl.write_wav(wav)
        import pygame

        pygame.font.init()
        from avatar.scene import Scene

        scene = Scene(size, look, show_captions=bool(args.burn_captions))

        def render(t_s: float, surface) -> None:
            scene.draw(surface, show.state_at(t_s))

        result = recorder.record(render, tl.duration_s, wav)
    if not args.quiet:
        _say(f"wrote {result.output} ({result.duration_s:.1f} s, {result.frames} frames, "
             f"{result.speed_x:.1f}x real time)")
    cues = build_cues(tl.captions)
    for side in sidecars:
        write_text_atomic(side, caption_text(cues, side))
    if args.cues:
        from avatar.lipsync import write_track
        from avatar.timeline import whole_mouth_track

        write_track(whole_mouth_track(tl), args.cues, "json", result.output.name)
    if args.thumbnail:
        _write_thumbnail(Path(args.thumbnail), scene, show, size)
    if tl.failures:  # the cause was logged when it happened; this says how much it touched
        _say(f"{len(tl.failures)} of {len(tl.captions)} sentences were recorded without voice (captions only)")
    return 0


def _poster_time(show) -> float:
    """Mid-sentence with the mouth wide open, once the title card has gone if the speech allows."""
    from avatar.lipsync.track import MouthShape

    caps = [c for c in show.timeline.captions if not c.silent] or show.timeline.captions
    if not caps:
        return min(1.0, show.timeline.duration_s / 2)
    settle = show.options.title_hold_s + show.options.title_fade_s + 1.0
    first = next((c for c in caps if c.start_s >= settle), caps[0])
    a = first.start_s + (first.end_s - first.start_s) * 0.2
    b = first.start_s + (first.end_s - first.start_s) * 0.8
    steps = [a + (b - a) * i / 120 for i in range(121)]

    def score(t: float) -> float:
        shape, openness = show.timeline.mouth_at(t)
        return openness + (0.5 if shape in (MouthShape.C, MouthShape.D) else 0.0)

    return max(steps, key=score)


def _write_thumbnail(path: Path, scene, show, size: tuple[int, int]) -> None:
    import pygame

    surface = pygame.Surface(size)
    scene.draw(surface, show.state_at(_poster_time(show)))
    tmp = path.with_name(f".{path.name}.part.png")
    try:
        pygame.image.save(surface, str(tmp))
        os.replace(tmp, path)
    except (pygame.error, OSError) as exc:
        raise OutputPathError(f"cannot write the thumbnail {path} ({exc}); choose another folder") from exc
    finally:
        if tmp.exists():
            tmp.unlink()


def cmd_face(args: argparse.Namespace) -> int:
    from avatar.face.photo_cli import run

    return run(args)


def cmd_voices(args: argparse.Namespace) -> int:
    from avatar.tts import get_engine

    voices = get_engine(args.engine).voices()
    if args.language:
        voices = [v for v in voices if any(l.lower().startswith(args.language.lower()) for l in v.languages)]
    width = max((len(v.id) for v in voices), default=2)
    print(f"{'id'.ljust(width)}  {'language':10}  name")
    for v in voices:
        print(f"{v.id.ljust(width)}  {','.join(v.languages)[:10]:10}  {v.name}")
    return 0


def cmd_lipsync(args: argparse.Namespace) -> int:
    from avatar import audio as audio_mod
    from avatar.lipsync import align_transcript, track_from_audio, track_from_speech, write_track

    if args.text and args.transcript:
        raise UsageError("give --text or --transcript, not both")
    if args.output and args.output != "-":
        _check_output_folder(Path(args.output))
    rec = audio_mod.load(args.audio, 22050)
    text = args.text
    if args.transcript:
        from avatar.build import _sentence_spans
        from avatar.script import decode_script_bytes

        tpath = Path(args.transcript)
        if not tpath.is_file():
            raise UsageError(f"transcript not found: {tpath}")
        text = " ".join(s[2] for s in _sentence_spans(decode_script_bytes(tpath.read_bytes(), str(tpath))))
    if text:
        track = track_from_speech(align_transcript(rec, _voice(args).synthesize(text)))
    else:
        track = track_from_audio(rec)
    write_track(track, None if args.output in (None, "-") else args.output, args.format,
                os.path.basename(args.audio))
    return 0


def _check_output_folder(path: Path) -> None:
    """OutputPathError now, before any work, if `path` cannot be written (lipsync overwrites)."""
    from avatar.recorder import check_output_path

    check_output_path(path, overwrite=True, suffixes=None)


# --- parser ----------------------------------------------------------------------------------------

def build_parser(config: Config | None = None) -> argparse.ArgumentParser:
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
    _add_voice_args(p)
    p.set_defaults(func=cmd_say, no_captions=False, title=None, speaker=None, role=None)

    p = sub.add_parser("voices", help="list the installed voices")
    p.add_argument("--language", help="only voices for this language code prefix, e.g. en")
    p.add_argument("--engine", default="pyttsx3", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_voices)

    p = sub.add_parser("lipsync", help="export the mouth track of a recording (Rhubarb-compatible)")
    p.add_argument("audio", help="recording: WAV, MP3, OGG or FLAC")
    p.add_argument("--text", help="what is said (aligns its phonemes to the recording)")
    p.add_argument("--transcript", metavar="FILE", help="a text file of what is said")
    p.add_argument("-o", "--output", help="output file (default: standard output)")
    p.add_argument("--format", choices=("json", "tsv"), default="json", help="json (default) or tsv")
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
                   help="draw the captions into the picture (they always go to TALK.srt/.vtt)")
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

    _add_optional_commands(sub)
    if config is not None:
        for name, p in sub.choices.items():
            p.set_defaults(**config.defaults_for(name))
            p.set_defaults(app_config=config)
    return parser


def _add_optional_commands(sub) -> None:
    """Subcommands that live in their own packages."""
    try:
        from avatar.kiosk.command import add_arguments as kiosk_args
    except ImportError:
        pass
    else:
        p = sub.add_parser("kiosk", help="answer visitors' questions live (full screen or --headless)")
        kiosk_args(p)
        p.set_defaults(func=_run_kiosk)


def _run_kiosk(args: argparse.Namespace) -> int:
    """The kiosk, with the API key of the config file's [kiosk] section when $OPENAI_API_KEY is unset.

    The key goes only into the environment mapping handed to the kiosk (never into os.environ, so no
    child process inherits it) and is never printed."""
    from avatar.config import Config
    from avatar.kiosk.command import run

    config = getattr(args, "config", None)
    env = dict(os.environ)
    key = config.api_key if isinstance(config, Config) else None
    if key and not env.get("OPENAI_API_KEY", "").strip():
        env["OPENAI_API_KEY"] = key
    return run(args, env=env)


def _sigterm_as_interrupt() -> None:
    """A polite kill (SIGTERM) cleans up like Ctrl-C: no half-written files are left behind."""
    import signal

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # not the main thread, or a platform without it
        pass


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="avatar: %(message)s", stream=sys.stderr)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
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
