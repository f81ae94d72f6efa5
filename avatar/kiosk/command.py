"""The `avatar kiosk` subcommand: its options, and the headless question-and-answer loop behind them."""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
from pathlib import Path
from typing import Callable, Mapping, TextIO

from typing import TYPE_CHECKING

from avatar.errors import AvatarError, OutputPathError, UsageError
from avatar.kiosk.llm import DEFAULT_MODEL  # light: the SDK itself is imported only when used

if TYPE_CHECKING:  # the parser is built for every command; the kiosk's parts load when it runs
    from avatar.kiosk.app import KioskApp, KioskOptions
    from avatar.kiosk.build import KioskConfig, KioskSetup
    from avatar.kiosk.listening import RecogniserOnDemand
    from avatar.kiosk.talk import PushToTalk
    from avatar.listen.base import Recogniser
    from avatar.listen.mic import Microphone
    from avatar.scene_state import SceneState
    from avatar.sound import SoundOut
    from avatar.tts.base import Speech

SpeakFn = Callable[[str], "Speech"]
LISTEN_CHOICES = ("auto", "sphinx", "server", "off")


def _positive(kind: type) -> Callable[[str], float | int]:
    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
        return value
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `avatar kiosk`."""
    parser.add_argument("--headless", action="store_true",
                        help="no window: read one question per line on stdin, write JSON events on stdout")
    parser.add_argument("--script", type=Path, default=None, metavar="SPEECH",
                        help="speech script giving the persona and what to talk about "
                             "(default: the sample Beijing digital economy speech)")
    parser.add_argument("--knowledge", type=Path, default=None, metavar="DIR",
                        help="folder of .md notes and faq.toml (default: the sample notes with the sample "
                             "speech, none with your own --script)")
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"chat model name (default {DEFAULT_MODEL})")
    parser.add_argument("--base-url", default=None, metavar="URL",
                        help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (default: "
                             "$OPENAI_BASE_URL, else OpenAI). The key comes from $OPENAI_API_KEY "
                             "or the config file's [kiosk] api_key; "
                             "with neither, the kiosk answers offline")
    parser.add_argument("--connect-timeout", type=_positive(float), default=3.0, metavar="S",
                        help="seconds to connect to the model server (default 3)")
    parser.add_argument("--first-token-timeout", type=_positive(float), default=3.0, metavar="S",
                        help="seconds to wait for the first word before answering offline; after 1 s "
                             "the presenter says a short acknowledgement (default 3)")
    parser.add_argument("--stall-timeout", type=_positive(float), default=3.0, metavar="S",
                        help="seconds of silence in all before a slowed-down answer is closed (default 3)")
    parser.add_argument("--idle-reset", type=_positive(float), default=60.0, metavar="S",
                        help="forget the conversation after this many quiet seconds (default 60)")
    parser.add_argument("--max-question", type=_positive(int), default=500, metavar="CHARS",
                        help="longest question accepted; longer ones are cut (default 500)")
    parser.add_argument("--log", type=Path, default=None, metavar="FILE",
                        help="append questions, answers and events to FILE as JSON lines "
                             "(without it, nothing a visitor types is written to disk)")
    parser.add_argument("--audio-out", type=Path, default=None, metavar="DIR",
                        help="headless: save each spoken chunk as a numbered WAV in DIR")
    parser.add_argument("--voice", default=None, help="voice id (default: the script's voice)")
    parser.add_argument("--rate", type=_positive(int), default=None, metavar="WPM",
                        help="speaking rate in words per minute (default: the script's rate)")
    parser.add_argument("--engine", default="pyttsx3", help="speech engine (pyttsx3, or fake for tests)")
    parser.add_argument("--pronounce", type=Path, default=None, metavar="FILE.toml",
                        help="pronunciation list for answers too (the script's [pronounce] table and a "
                             "pronounce.toml beside it come first)")
    parser.add_argument("--interrupt", action="store_true",
                        help="headless: a line arriving while an answer plays cancels it, as at the kiosk")
    voice = parser.add_argument_group(
        "questions by voice", 'hold the talk key and speak (window), or send a line {"audio": "q.wav"} '
                              "(headless); recordings are kept only with --log")
    voice.add_argument("--listen", choices=LISTEN_CHOICES, default="auto",
                       help="speech recogniser: sphinx (offline, English, needs pip install "
                            "'avatar[phones]'), server (--listen-url), auto = server if a URL is given, "
                            "else sphinx; off = typed questions only (default auto)")
    voice.add_argument("--listen-url", default=None, metavar="URL",
                       help="OpenAI-compatible transcription server, e.g. http://127.0.0.1:8000/v1 "
                            "(it must serve /v1/audio/transcriptions; default $AVATAR_LISTEN_BASE_URL; "
                            "the key is $OPENAI_API_KEY)")
    voice.add_argument("--listen-model", default="whisper-1", metavar="NAME",
                       help="transcription model name on that server (default whisper-1)")
    window = parser.add_argument_group("kiosk window (without --headless)")
    window.add_argument("--windowed", action="store_true", help="run in a window instead of full screen")
    window.add_argument("--size", default="1280x720", metavar="WxH",
                        help="window size with --windowed (default 1280x720)")
    window.add_argument("--fps", type=_positive(int), default=30, help="frames per second to draw (default 30)")
    window.add_argument("--look", default=None, help="avatar look (default: the script's look)")
    window.add_argument("--face", metavar="PATH", default=None,
                        help="a portrait photo (or a folder of mouth images) to present")
    window.add_argument("--mute", action="store_true", help="no sound: answers as captions only")
    window.add_argument("--operator-key", default="ctrl+shift+q", metavar="COMBO",
                        help="key combination that quits the kiosk (default ctrl+shift+q); Esc only "
                             "stops an answer")
    window.add_argument("--fullscreen-key", default="ctrl+shift+f", metavar="COMBO",
                        help="key combination that leaves or enters full screen (default ctrl+shift+f)")
    window.add_argument("--attract-after", type=_positive(float), default=20.0, metavar="S",
                        help="quiet seconds before the avatar greets passers-by (default 20)")
    window.add_argument("--attract-every", type=_positive(float), default=45.0, metavar="S",
                        help="then greet again every S seconds while nobody asks (default 45)")
    window.add_argument("--no-attract", action="store_true", help="never greet unprompted")
    window.add_argument("--talk-key", default="tab", metavar="KEY",
                        help="hold this key to ask by voice (default tab; e.g. f2, 'right ctrl')")
    window.add_argument("--talk-button", type=int, default=None, metavar="N",
                        help="or hold this joystick button (USB push buttons show up as joysticks)")
    window.add_argument("--max-seconds", type=_positive(float), default=None, help=argparse.SUPPRESS)


def config_from_args(args: argparse.Namespace) -> "KioskConfig":
    from avatar.kiosk.build import DEFAULT_KNOWLEDGE, DEFAULT_SCRIPT, KioskConfig
    from avatar.kiosk.llm import LLMSettings
    from avatar.kiosk.patience import PatienceRules
    from avatar.kiosk.session import SessionRules

    from avatar.tts.base import check_rate

    if args.rate is not None:
        check_rate(args.rate)
    script = args.script or DEFAULT_SCRIPT
    knowledge = args.knowledge
    if knowledge is None and args.script is None and DEFAULT_KNOWLEDGE.is_dir():
        knowledge = DEFAULT_KNOWLEDGE
    llm = LLMSettings(model=args.model, base_url=args.base_url, connect_timeout_s=args.connect_timeout,
                      first_token_timeout_s=args.first_token_timeout, stall_timeout_s=args.stall_timeout,
                      max_question_chars=args.max_question)
    patience = PatienceRules(acknowledge_after_s=min(1.0, args.first_token_timeout / 2),
                             give_up_after_s=args.first_token_timeout,
                             fill_after_s=min(1.0, args.stall_timeout / 2), stall_after_s=args.stall_timeout)
    rules = SessionRules(max_question_chars=args.max_question, idle_reset_s=args.idle_reset)
    return KioskConfig(script, knowledge, llm, rules, voice_id=args.voice, rate_wpm=args.rate,
                       pronounce=getattr(args, "pronounce", None), patience=patience)


def run(args: argparse.Namespace, *, speak: SpeakFn | None = None, stdin: TextIO | None = None,
        stdout: TextIO | None = None, env: Mapping[str, str] | None = None,
        clock: Callable[[], float] | None = None, recogniser: Recogniser | None = None) -> int:
    """Run `avatar kiosk`; returns the exit code. Keyword arguments let tests inject parts."""
    log = logging.getLogger("avatar.kiosk")
    stderr_handler = _ensure_stderr_logging(log)
    try:
        config = config_from_args(args)
        env = dict(os.environ if env is None else env)
        app_config = getattr(args, "app_config", None)
        if app_config is not None and app_config.api_key and not env.get("OPENAI_API_KEY"):
            env["OPENAI_API_KEY"] = app_config.api_key  # the config file's [kiosk] api_key
        from avatar.kiosk.build import build_kiosk

        setup = build_kiosk(config, env=env, logger=log, **({"clock": clock} if clock else {}))
        listen = recognisers(args, setup, env, recogniser)
        if not args.headless:
            log_file = _open_log(args.log)
            try:
                return run_window(args, setup, speak=speak, log_file=log_file, recogniser=listen)
            finally:
                if log_file is not None:
                    log_file.close()
        return _run_headless(args, setup, speak, stdin, stdout, listen)
    except AvatarError as exc:
        print(f"avatar kiosk: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        if stderr_handler is not None:
            log.removeHandler(stderr_handler)


def window_options(args: argparse.Namespace) -> KioskOptions:
    """The window options of `avatar kiosk`, with the script's look when --look is not given."""
    from avatar.face.look import get_look
    from avatar.kiosk.app import KioskOptions
    from avatar.kiosk.build import DEFAULT_SCRIPT
    from avatar.kiosk.keys import parse_combo, parse_talk_key
    from avatar.window import parse_window_size
    from avatar.script import load_script

    from avatar.face.select import check_face, look_chosen

    look = getattr(args, "look", None)
    script = load_script(args.script or DEFAULT_SCRIPT) if not look or not getattr(args, "face", None) else None
    if not look:
        look = script.meta.look or "official"
    get_look(look)   # an unknown look is a usage error before any window opens
    # --face, else the script's face unless --look asks for the drawn presenter; a bad photo fails now
    face = check_face(str(args.face)) if getattr(args, "face", None) else None
    if face is None and script is not None and not look_chosen(args):
        face = check_face(script.meta.face or None, script.base_dir)
    w, h = parse_window_size(getattr(args, "size", "1280x720"))
    if not 5 <= args.fps <= 120:
        raise UsageError(f"--fps {args.fps} is out of range; use 5 to 120")
    for combo in (args.operator_key, args.fullscreen_key):
        parse_combo(combo)   # a bad combination, too
    talk_key = getattr(args, "talk_key", "tab")
    parse_talk_key(talk_key)
    talk_button = getattr(args, "talk_button", None)
    if talk_button is not None and talk_button < 0:
        raise UsageError(f"--talk-button {talk_button} is not a button number; joystick buttons count from 0")
    return KioskOptions(
        size=(w, h), fullscreen=not args.windowed, fps=args.fps, look=look, face=face,
        quit_key=args.operator_key, fullscreen_key=args.fullscreen_key,
        attract_after_s=None if args.no_attract else args.attract_after, attract_every_s=args.attract_every,
        max_seconds=args.max_seconds, talk_key=talk_key, talk_button=talk_button)


def run_window(args: argparse.Namespace, setup: KioskSetup, *, speak: SpeakFn | None = None,
               sound: SoundOut | None = None, log_file: TextIO | None = None,
               on_frame: Callable[[KioskApp, SceneState], None] | None = None,
               recogniser: RecogniserOnDemand | None = None, mic: Microphone | None = None) -> int:
    """Run the windowed kiosk; returns the exit code. Keywords let tests inject parts."""
    from avatar.audio import VOICE_RATE_HZ
    from avatar.kiosk.app import KioskApp
    from avatar.kiosk.events import EventWriter
    from avatar.sound import open_sound

    options = window_options(args)
    speak = _speaker(args, setup, speak)
    own_sound = sound is None
    if sound is None:
        sound = open_sound(VOICE_RATE_HZ, enabled=not args.mute)
        if sound.silent and not args.mute:
            setup.session.log.warning("no sound device found; answers are shown as captions only")
    events = EventWriter(io.StringIO(), log_file=log_file) if log_file is not None else None
    chosen = speak
    talk, own_mic = _push_to_talk(args, setup, options, recogniser, mic)
    from avatar.listen.keep import HeardAudio

    app = KioskApp(setup, options, speak=chosen, sound=sound, events=events,
                   warm_up=lambda: _warm_up(setup, chosen), talk=talk,
                   keep=HeardAudio.beside_log(args.log) if log_file is not None else None)
    try:
        app.run(on_frame)
    finally:
        if own_sound:
            sound.close()
        if own_mic and talk.mic is not None:
            talk.mic.close()
    return 0


def recognisers(args: argparse.Namespace, setup: KioskSetup, env: Mapping[str, str],
                given: Recogniser | None = None) -> RecogniserOnDemand:
    """The kiosk's speech recogniser, built on first use (or at start-up by the window); with
    `--listen off` using it says that voice questions are off."""
    from avatar.kiosk.listening import RecogniserOnDemand

    if given is not None:
        return RecogniserOnDemand(lambda: given)
    engine = getattr(args, "listen", "auto")
    if engine not in LISTEN_CHOICES:   # (the config file's [kiosk] listen skips argparse's check)
        raise UsageError(f"listen = '{engine}' is not a recogniser; use one of {', '.join(LISTEN_CHOICES)}")

    def build() -> Recogniser:
        if engine == "off":
            raise UsageError("voice questions are turned off (--listen off); type the question instead")
        from avatar.listen.select import ListenSettings, make_recogniser

        settings = ListenSettings(engine=engine, base_url=getattr(args, "listen_url", None),
                                  model=getattr(args, "listen_model", "whisper-1"))
        recogniser = make_recogniser(settings, setup.grounding, env=env)
        assert recogniser is not None   # only "off" gives none, and that was refused above
        return recogniser

    return RecogniserOnDemand(build)


def _push_to_talk(args: argparse.Namespace, setup: KioskSetup, options: KioskOptions,
                  recogniser: RecogniserOnDemand | None, mic: Microphone | None) -> tuple[PushToTalk, bool]:
    """The talk key's controller with the microphone (opened here unless given) and the recogniser,
    which starts loading in the background so the first voice question is quick."""
    import threading

    from avatar.kiosk.talk import PushToTalk
    from avatar.listen.mic import open_microphone

    log = setup.session.log
    language = setup.grounding.persona.language
    key_name = options.talk_key.title() if len(options.talk_key) > 2 else options.talk_key.upper()
    if getattr(args, "listen", "auto") == "off" or recogniser is None:
        return PushToTalk(None, None, key_name=key_name, unavailable="voice questions are off",
                          language=language, logger=log), False
    own = mic is None
    why = ""
    if mic is None:
        mic, why = open_microphone()
        if mic is None:
            log.warning("%s; visitors type their questions (connect a microphone for voice questions)", why)
            return PushToTalk(None, recogniser, key_name=key_name, unavailable=why, language=language,
                              logger=log), False
    threading.Thread(target=recogniser.warm_up, args=(log,), name="avatar-kiosk-listen-warm-up",
                     daemon=True).start()
    return PushToTalk(mic, recogniser, key_name=key_name, language=language, logger=log), own


def _run_headless(args: argparse.Namespace, setup: KioskSetup, speak: SpeakFn | None,
                  stdin: TextIO | None, stdout: TextIO | None, listen: RecogniserOnDemand) -> int:
    from avatar.kiosk.events import EventWriter
    from avatar.kiosk.headless import AudioOut, run_headless
    from avatar.kiosk.listening import VoiceLines

    speak = _speaker(args, setup, speak)
    if args.audio_out is not None and Path(args.audio_out).exists() and not Path(args.audio_out).is_dir():
        raise OutputPathError(f"--audio-out {args.audio_out} is a file; give a folder for the WAV files")
    try:
        audio = AudioOut(args.audio_out)
    except OSError as exc:
        raise OutputPathError(f"cannot write audio to {args.audio_out}: {exc.strerror}; "
                              "give a writable folder") from exc
    log_file = _open_log(args.log)
    try:
        _warm_up(setup, speak)
        writer = EventWriter(stdout or sys.stdout, log_file=log_file)
        lines = stdin if stdin is not None else io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8",
                                                                 errors="replace")
        from avatar.listen.keep import HeardAudio

        voice = VoiceLines(listen, writer, keep=HeardAudio.beside_log(args.log), base_dir=Path.cwd(),
                           logger=setup.session.log)
        return run_headless(setup.session, lines, writer, synthesize=speak,
                            audio=audio, interrupt=args.interrupt, info=setup.info(), voice=voice)
    finally:
        if log_file is not None:
            log_file.close()


def _speaker(args: argparse.Namespace, setup: KioskSetup, speak: SpeakFn | None) -> SpeakFn:
    """The kiosk's voice: the one given (tests), else the engine's (a voice per language); said as the
    pronunciation list says."""
    if speak is None:
        from avatar.kiosk.voice import engine_voice

        speak, _ = engine_voice(args.engine, setup.voice_settings, setup.grounding.persona.language)
    if setup.pronounce:  # captions keep what the answer wrote
        speak = setup.pronounce.speaking(speak)
    return speak


def _warm_up(setup: KioskSetup, speak: SpeakFn) -> None:
    """Start the speech engine and the SDK client before the first visitor, not during their answer."""
    log = logging.getLogger("avatar.kiosk")
    try:
        speak("Hello.")
        speak("您好。")  # and the voice for Chinese questions (or English, at a Chinese kiosk)
    except Exception as exc:  # noqa: BLE001 - the kiosk can still show captions if the voice is broken
        log.warning("speech engine warm-up failed (%s)", type(exc).__name__)
    if setup.llm is not None:
        try:
            setup.llm.client()
        except Exception as exc:  # noqa: BLE001 - answered offline until the model comes back
            log.warning("model client could not start (%s)", type(exc).__name__)


def _open_log(path: Path | None) -> TextIO | None:
    if path is None:
        return None
    if Path(path).is_dir():
        raise OutputPathError(f"--log {path} is a folder; give a file name, e.g. {Path(path) / 'kiosk.jsonl'}")
    try:
        return open(path, "a", encoding="utf-8")
    except OSError as exc:
        raise OutputPathError(f"cannot write the log {path}: {exc.strerror}; check the folder exists") from exc


def _ensure_stderr_logging(log: logging.Logger) -> logging.Handler | None:
    """Warnings (error kinds, never secrets) to stderr, unless the application configured logging."""
    if log.handlers or logging.getLogger().handlers:
        return None
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("avatar kiosk: %(message)s"))
    log.addHandler(handler)
    return handler
