"""On-disk cache of synthesised sentences, keyed by (text, voice, rate, engine), so replays start at once."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import wave
from pathlib import Path

from avatar.audio import read_wav, save_wav
from avatar.errors import AudioInputError
from avatar.tts.base import PhonemeTiming, Speech, VoiceSettings, WordTiming

FORMAT_VERSION = 3  # 2: word timings cover whole written words; 3: Chinese words too


def default_cache_dir() -> Path:
    """$AVATAR_CACHE_DIR, else the platform's user cache folder."""
    env = os.environ.get("AVATAR_CACHE_DIR")
    if env:
        return Path(env)
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "avatar" / "tts"


def cache_folder(name: str) -> Path:
    """$AVATAR_CACHE_DIR/`name`, else `name` beside the speech cache in the user cache folder: where the
    other things kept between runs go (drawn layers, photo rigs, listening models)."""
    env = os.environ.get("AVATAR_CACHE_DIR")
    return Path(env) / name if env else default_cache_dir().parent / name


class SpeechCache:
    """A folder of `<key>.wav` + `<key>.json`; unreadable entries count as misses."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or default_cache_dir()

    @staticmethod
    def key(text: str, settings: VoiceSettings, engine: str) -> str:
        blob = json.dumps([FORMAT_VERSION, engine, settings.voice, settings.rate_wpm, text])
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]

    def get(self, key: str) -> Speech | None:
        meta_path = self.folder / f"{key}.json"
        wav_path = self.folder / f"{key}.wav"
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            audio = read_wav(wav_path)
        except (OSError, ValueError, EOFError, KeyError, wave.Error, AudioInputError):
            return None  # a damaged entry is a miss: the sentence is synthesised again
        try:
            return Speech(
                text=meta["text"], audio=audio, engine=meta["engine"],
                words=tuple(WordTiming(*w) for w in meta["words"]),
                phonemes=tuple(PhonemeTiming(*p) for p in meta["phonemes"]),
            )
        except (KeyError, TypeError):
            return None

    def put(self, key: str, speech: Speech) -> None:
        """Store atomically; a cache that cannot be written is simply not used."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            meta = {
                "text": speech.text, "engine": speech.engine,
                "words": [[w.text, w.start_s, w.end_s, w.char_start, w.char_end] for w in speech.words],
                "phonemes": [[p.symbol, p.start_s, p.end_s] for p in speech.phonemes],
            }
            for suffix, write in ((".wav", lambda p: save_wav(speech.audio, p)),
                                  (".json", lambda p: Path(p).write_text(json.dumps(meta), "utf-8"))):
                fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=suffix)
                os.close(fd)
                try:
                    write(tmp)
                    os.replace(tmp, self.folder / f"{key}{suffix}")
                finally:
                    if os.path.exists(tmp):
                        os.unlink(tmp)
        except OSError:
            pass
