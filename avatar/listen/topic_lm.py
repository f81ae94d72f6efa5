"""The kiosk's own language model and pronunciation dictionary, built from what it knows, cached by content.

    grounding -> corpus (sentences, question phrasings) -> spoken words -> trigram ARPA + dictionary

Files live in `<cache>/listen/<key>.lm|.dic|.json`, where the key hashes everything the files depend
on, so an edited FAQ builds a new model and an unchanged kiosk starts from the cache. Each file is
written to a temporary name and renamed; the .json, written last, marks a complete entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from avatar.listen import ngram
from avatar.listen.cache import listen_cache_dir
from avatar.listen.corpus import Corpus, corpus_from_grounding
from avatar.listen.lexicon import build_lexicon, dictionary_text
from avatar.listen.sphinx_files import cmudict_path

if TYPE_CHECKING:
    from avatar.kiosk.grounding import Grounding

FORMAT_VERSION = 5  # part of the cache key: raise it when the builder changes what it writes
ORDER = 3
BACKGROUND_WORDS = 3000    # everyday words a visitor may use that the kiosk's text does not
BACKGROUND_WEIGHT = 0.1    # their share of the single-word probabilities


@dataclass(frozen=True)
class TopicModel:
    """A built (or cached) model: the files PocketSphinx reads and the way back to written text."""

    lm_path: Path
    dict_path: Path
    key: str
    written_forms: dict[str, str] = field(default_factory=dict)  # "twenty twenty two" -> "2022"
    casing: dict[str, str] = field(default_factory=dict)         # "beijing" -> "Beijing"
    words: int = 0                                               # vocabulary size
    from_cache: bool = False


def corpus_key(corpus: Corpus) -> str:
    """A hash of everything the model files depend on: the text, the builder and the dictionary."""
    try:
        from importlib.metadata import version

        sphinx = version("pocketsphinx")
    except Exception:  # noqa: BLE001 - not installed: the recogniser will say so; the key still works
        sphinx = ""
    blob = json.dumps([FORMAT_VERSION, ORDER, BACKGROUND_WORDS, BACKGROUND_WEIGHT, sphinx, corpus.sentences],
                      ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def topic_model(grounding: "Grounding", *, cache_dir: Path | None = None, phrases: bool = True,
                on_build: Callable[[Corpus], None] | None = None) -> TopicModel:
    """The model for this kiosk: from the cache if the same text was built before, else built now
    (about a second) and stored. `on_build` is told of each real build (tests count them)."""
    return model_for_corpus(corpus_from_grounding(grounding, phrases=phrases), cache_dir=cache_dir,
                            on_build=on_build)


def model_for_corpus(corpus: Corpus, *, cache_dir: Path | None = None,
                     on_build: Callable[[Corpus], None] | None = None) -> TopicModel:
    key = corpus_key(corpus)
    folder = cache_dir or listen_cache_dir()
    cached = _read(folder, key)
    if cached is not None:
        return cached
    if on_build is not None:
        on_build(corpus)
    from avatar.listen.background import common_words

    arpa, dictionary, meta = build_files(corpus, background=common_words(BACKGROUND_WORDS, folder))
    try:
        return _write(folder, key, arpa, dictionary, meta)
    except OSError:
        # A cache folder that cannot be written: the decoder still needs files, so use a private one.
        return _write(Path(tempfile.mkdtemp(prefix="avatar-listen-")), key, arpa, dictionary, meta)


def build_files(corpus: Corpus, *, background: dict[str, float] | None = None,
                espeak: Callable[[Iterable[str]], dict[str, str]] | None = None) -> tuple[str, str, dict]:
    """(ARPA text, dictionary text, metadata) for a corpus and everyday `background` words. Words no
    one can pronounce are dropped, and a sentence is cut where they stood."""
    spoken = corpus.spoken()
    vocab = {w for words, _ in spoken for w in words} | set(background or {})
    casing = corpus.casing()
    lexicon = build_lexicon(vocab, corpus.acronyms(), names=casing, espeak=espeak, cmudict=cmudict_path())
    sentences: list[tuple[list[str], float]] = []
    for words, weight in spoken:
        run: list[str] = []
        for w in words + [""]:
            if w in lexicon:
                run.append(w)
            elif run:
                sentences.append((run, weight))
                run = []
    lm = ngram.build(sentences, ORDER, background={w: p for w, p in (background or {}).items() if w in lexicon},
                     background_weight=BACKGROUND_WEIGHT)
    lexicon = {w: lexicon[w] for w in lm.vocabulary if w in lexicon}
    meta = {"version": FORMAT_VERSION, "written_forms": corpus.written_forms(), "casing": casing,
            "words": len(lexicon)}
    return lm.to_arpa(), dictionary_text(lexicon), meta


def _read(folder: Path, key: str) -> TopicModel | None:
    lm, dic, meta_path = (folder / f"{key}{ext}" for ext in (".lm", ".dic", ".json"))
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
        if meta.get("version") != FORMAT_VERSION or not lm.is_file() or not dic.is_file():
            return None
        return TopicModel(lm, dic, key, dict(meta["written_forms"]), dict(meta["casing"]), int(meta["words"]),
                          from_cache=True)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged entry is a miss: the model is built again


def _write(folder: Path, key: str, arpa: str, dictionary: str, meta: dict) -> TopicModel:
    folder.mkdir(parents=True, exist_ok=True)
    for ext, text in ((".lm", arpa), (".dic", dictionary), (".json", json.dumps(meta, ensure_ascii=False))):
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=ext)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, folder / f"{key}{ext}")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return TopicModel(folder / f"{key}.lm", folder / f"{key}.dic", key, meta["written_forms"], meta["casing"],
                      meta["words"], from_cache=False)
