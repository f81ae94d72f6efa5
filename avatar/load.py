"""A show from what the user asked for: a speech script, a line of text or a recording, with its voice and look.

`play`, `say` and `record` all start here; the command line only turns its options into a `ShowRequest`.

    loaded = load_show(ShowRequest(script="talk.md"), live=True, background=True)
    loaded.show.state_at(t)          # the picture at t; loaded.timeline holds the sound
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from avatar.audio import VOICE_RATE_HZ
from avatar.errors import UsageError
from avatar.face.look import Look, get_look, with_background
from avatar.face.select import with_face
from avatar.show import LIVE_TITLE_FADE_S, LIVE_TITLE_HOLD_S, TITLE_FADE_S, TITLE_HOLD_S, Show, ShowOptions
from avatar.timeline import Timeline
from avatar.tts import Voice, get_engine

LIVE_LEAD_IN_S = 0.15      # a live show speaks at once (the title only flashes)
TITLE_GAP_S = 0.2          # a recording's first word comes this long after its title card has gone


@dataclass(frozen=True)
class ShowRequest:
    """What to present and how; None means "the script's own choice, else the default"."""

    script: str | None = None          # a speech script file
    text: str | None = None            # or a speech given as text (parsed as a script)
    audio: str | None = None           # or a recorded speech
    transcript: str | None = None      # with `audio`: what is said in it
    look: str | None = None
    voice: str | None = None
    rate_wpm: int | None = None
    engine: str = "pyttsx3"
    use_cache: bool = True
    captions: bool = True
    title: str | None = None
    speaker: str | None = None
    role: str | None = None
    pronounce: str | None = None       # a pronunciation list under the script's own (avatar/pronounce.py)
    face: str | None = None            # a portrait photo or mouth-sprite folder (wins over the script's)
    drawn: bool = False                # --look was given: the drawn presenter, not the script's face

    def check(self) -> None:
        """A UsageError for a request that names no speech, or two."""
        given = [x for x in (self.script, self.text, self.audio) if x]
        if len(given) > 1:
            raise UsageError("give either a speech script or --audio FILE, not both")
        if not given:
            raise UsageError("give a speech script, e.g. 'avatar play assets/speeches/beijing-digital-economy.md',"
                             " or --audio FILE")
        if self.transcript and not self.audio:
            raise UsageError("--transcript goes with --audio (a script already says what is spoken)")


@dataclass(frozen=True)
class LoadedShow:
    """A speech on its timeline (still growing when built in the background), its look and its Show."""

    timeline: Timeline
    look: Look
    show: Show


def make_voice(request: ShowRequest, *, script_voice: str = "", script_rate_wpm: int | None = None,
               language: str = "") -> Voice:
    """The voice the request speaks with (see `avatar.tts.choose`), with the disk cache unless refused."""
    from avatar.tts.catalog import engine_for
    from avatar.tts.choose import choose_settings

    wanted = request.voice if request.voice is not None else script_voice
    engine = get_engine(engine_for(wanted, request.engine))   # a neural voice has its own engine
    settings = choose_settings(engine, voice=request.voice, rate_wpm=request.rate_wpm,
                               script_voice=script_voice, script_rate_wpm=script_rate_wpm, language=language)
    return Voice(engine, settings, use_cache=request.use_cache)


def load_show(request: ShowRequest, *, live: bool = True, background: bool = False,
              soundtrack: Path | None = None, mouth_delay_s: float = 0.0) -> LoadedShow:
    """Build the timeline of `request` and the Show over it.

    A live show flashes the title card and speaks at once; a recording opens on the title card.
    `background` returns at once while the speech is synthesised on a thread (the player starts
    with the first sentence). With `soundtrack`, a script's voice is written straight to that WAV
    as it is synthesised instead of being kept in memory (then `timeline.soundtrack` is set)."""
    request.check()
    if request.audio:
        tl, look = _recorded(request)
    else:
        tl, look = _scripted(request, live=live, background=background, soundtrack=soundtrack)
    for attr in ("title", "speaker", "role"):
        if getattr(request, attr):
            setattr(tl, attr, getattr(request, attr))
    hold, fade = (LIVE_TITLE_HOLD_S, LIVE_TITLE_FADE_S) if live else (TITLE_HOLD_S, TITLE_FADE_S)
    show = Show(tl, ShowOptions(captions=request.captions, title_hold_s=hold, title_fade_s=fade,
                                mouth_delay_s=mouth_delay_s))
    return LoadedShow(tl, look, show)


def _recorded(request: ShowRequest) -> tuple[Timeline, Look]:
    from avatar.build import build_audio_timeline

    look = with_face(get_look(request.look or "official"), request.face)  # checked before the slow part
    voice = make_voice(request) if request.transcript else None
    tl = build_audio_timeline(request.audio or "", transcript=request.transcript, voice=voice,
                              title=request.title or "", speaker=request.speaker or "", role=request.role or "")
    return tl, look


def _scripted(request: ShowRequest, *, live: bool, background: bool,
              soundtrack: Path | None) -> tuple[Timeline, Look]:
    from avatar.build import BuildOptions, build_script_timeline, start_script_timeline
    from avatar.script import load_script, parse_script
    from avatar.timeline import SoundtrackWriter

    from avatar.pronounce import with_pronunciation

    script = load_script(request.script) if request.script else parse_script(request.text or "")
    # A line given as text has no folder of its own: a pronounce.toml beside it would be a stray file.
    script = with_pronunciation(script, request.pronounce, beside=bool(request.script))
    meta = script.meta
    look = with_background(get_look(request.look or meta.look or "official"), meta.background,
                           script.base_dir, script.path)
    look = with_face(look, request.face, meta.face, script.base_dir, drawn=request.drawn)
    from avatar.language import script_language

    voice = make_voice(request, script_voice=meta.voice, script_rate_wpm=meta.rate_wpm,
                       language=script_language(meta.language, script.spoken_text))
    if live:
        voice.engine.start()  # the engine starts while the caller opens its window
    has_title = bool(request.title or meta.title)
    lead_in = LIVE_LEAD_IN_S if live or not has_title else TITLE_HOLD_S + TITLE_FADE_S + TITLE_GAP_S
    options = BuildOptions(lead_in_s=lead_in)
    if background:
        tl, _ = start_script_timeline(script, voice, options)
        return tl, look
    tl = Timeline(title=meta.title, speaker=meta.speaker, role=meta.role,
                  soundtrack=SoundtrackWriter(soundtrack, VOICE_RATE_HZ) if soundtrack else None)
    try:
        build_script_timeline(script, voice, options=options, timeline=tl)
    finally:
        if tl.soundtrack is not None:
            tl.soundtrack.close(tl.duration_s)
    return tl, look
