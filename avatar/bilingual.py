"""Bilingual subtitles: a speech's translation, kept in a parallel file beside it, paired with what is said.

The form a speechwriter keeps: `talk.md` is the speech as spoken and names its translation in its
front matter, `translation = "talk.en.md"` (relative to the speech's folder); `talk.en.md` holds the
translation paragraph for paragraph, in the same order (blank lines separate paragraphs; headings,
comments, directives and front matter are allowed there and ignored). The translation's language is
the tag before `.md` (else its front matter's `language`).

Each spoken sentence gets its share of its paragraph's translation (sentence for sentence when both
have as many), and each subtitle cue of a sentence the share of that sentence's translation shown
while the cue is, so every language's subtitle file has the very same cue timings.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from avatar.captions import Cue, Tokens, build_cue_groups, caption_text, layout_text
from avatar.output import write_atomic
from avatar.errors import ScriptError
from avatar.script import Script, decode_script_bytes, parse_script
from avatar.textseg import CLAUSE_END, SENTENCE_END, cells, cjk_share

_LANG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$", re.IGNORECASE)


@dataclass(frozen=True)
class Translation:
    """A speech's translation, shared out over its spoken sentences (one string per sentence)."""

    spoken_language: str
    language: str
    path: str
    sentences: tuple[str, ...]


def _name_parts(path: Path) -> tuple[str, str | None]:
    """("talk", "zh") for talk.zh.md, ("talk", None) for talk.md."""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    head, dot, tag = stem.rpartition(".")
    if dot and head and _LANG.match(tag):
        return head, tag.lower()
    return stem, None


def spoken_language(script: Script) -> str:
    """The speech's language: its front matter's (other than the default "en"), else "zh" for Chinese text."""
    if script.meta.language and script.meta.language.lower() != "en":
        return script.meta.language.lower()
    return "zh" if cjk_share(" ".join(s.text for s in script.sentences)) > 0.3 else "en"


def translation_path(script: Script) -> Path | None:
    """The file the script's front matter names as its translation (None if it names none)."""
    if not script.meta.translation:
        return None
    path = Path(script.meta.translation).expanduser()
    if not path.is_absolute():
        path = Path(script.base_dir) / path
    if not path.is_file():
        raise ScriptError(f"translation file not found: {path} (front matter 'translation' is relative "
                          "to the script's folder)", path=script.path)
    return path


def _paragraphs(script: Script) -> list[list[str]]:
    groups: dict[int, list[str]] = {}
    for s in script.sentences:
        groups.setdefault(s.paragraph, []).append(s.text)
    return list(groups.values())


def split_over(text: str, weights: Sequence[float]) -> list[str]:
    """`text` cut between words into len(weights) pieces about as long as the weights say, each cut
    moved to a nearby full stop or comma when there is one ("" for pieces with no words left)."""
    n = len(weights)
    if n <= 1:
        return [text.strip()] * n
    toks = Tokens(text)
    m = len(toks)
    if m == 0:
        return [""] * n
    weights = [max(0.0, w) for w in weights]
    if sum(weights) <= 0:
        weights = [1.0] * n
    total_w = sum(weights)
    total = toks.offset(m)
    share = total / n
    cuts = [0]
    acc = 0.0
    for k in range(1, n):
        acc += weights[k - 1]
        target = total * acc / total_w
        lo = cuts[-1]
        options = range(lo + 1, m) if lo + 1 < m else range(m, m + 1)

        def cost(i: int) -> float:
            bonus = share / 2 if toks.ends_with(i, SENTENCE_END) else share / 4 if toks.ends_with(i, CLAUSE_END) else 0
            return abs(toks.offset(i) - target) - bonus

        cuts.append(min(options, key=cost) if lo < m else m)
    cuts.append(m)
    return [toks.line(a, b)[0] if b > a else "" for a, b in zip(cuts, cuts[1:])]


def pair(script: Script, path: str | Path) -> Translation:
    """The translation at `path` shared out over `script`'s sentences, paragraph by paragraph."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScriptError(f"cannot read the translation ({exc.strerror or exc}); check the file",
                          path=str(path)) from exc
    other = parse_script(decode_script_bytes(data, str(path)), path=str(path), base_dir=str(path.parent))
    spoken, translated = _paragraphs(script), _paragraphs(other)
    if len(spoken) != len(translated):
        raise ScriptError(f"the translation has {len(translated)} paragraphs but the speech has "
                          f"{len(spoken)}; keep one translated paragraph per spoken paragraph, in the "
                          "same order, separated by blank lines", path=str(path))
    sentences: list[str] = []
    for said, trans in zip(spoken, translated):
        if len(said) == len(trans):
            sentences += trans
        else:
            weights = [float(cells(s)) for s in said]
            sentences += split_over(" ".join(trans) if cjk_share("".join(trans)) <= 0.3 else "".join(trans),
                                    weights)
    language = _name_parts(path)[1] or (other.meta.language if other.meta.language != "en" else "") or \
        ("zh" if cjk_share(" ".join(s.text for s in other.sentences)) > 0.3 else "en")
    own = spoken_language(script)
    if language == own:
        raise ScriptError(f"the translation's language '{language}' is the speech's own; name the file by "
                          f"its language, e.g. talk.en.md, or set language in the speech's front matter",
                          path=str(path))
    return Translation(own, language, str(path), tuple(sentences))


def translation_for(script: Script) -> Translation | None:
    """The translation the script names, paired with its sentences; None when it names none."""
    path = translation_path(script)
    return pair(script, path) if path else None


# --- on screen and in files -------------------------------------------------------------------

def _piece_cues(cues: Sequence[Cue], translation: str) -> list[Cue]:
    """The translation shared out over a sentence's cues by how long each is shown, same times."""
    pieces = split_over(translation, [c.end_s - c.start_s for c in cues])
    out = []
    for cue, piece in zip(cues, pieces):
        out.append(Cue(cue.start_s, cue.end_s, layout_text(piece)))
    # More cues than words to share: a cue with no piece keeps the one before it on screen.
    for k, cue in enumerate(out):
        if not cue.text:
            near = next((c.text for c in out[k - 1::-1] if c.text), "") if k else ""
            near = near or next((c.text for c in out[k:] if c.text), "")
            out[k] = Cue(cue.start_s, cue.end_s, near)
    return out


@functools.lru_cache(maxsize=64)
def _item_pieces(item) -> tuple[Cue, ...]:
    return tuple(_piece_cues([c for _, c in build_cue_groups([item])], item.translation))


def translation_at(item, t_s: float) -> str:
    """The part of a caption item's translation shown at `t_s` (its whole share after it ends)."""
    if not getattr(item, "translation", ""):
        return ""
    pieces = _item_pieces(item)
    shown = ""
    for cue in pieces:
        if cue.start_s <= t_s or not shown:
            shown = cue.text
    return shown


def bilingual_cues(items: Iterable) -> tuple[tuple[Cue, ...], tuple[Cue, ...]]:
    """(spoken cues, translated cues) for timeline caption items, with identical timings."""
    items = list(items)
    groups = build_cue_groups(items)
    by_item: dict[int, list[Cue]] = {}
    for index, cue in groups:
        by_item.setdefault(index, []).append(cue)
    translated: dict[int, list[Cue]] = {i: _piece_cues(cs, getattr(items[i], "translation", ""))
                                        for i, cs in by_item.items()}
    spoken_out, trans_out = [], []
    seen: dict[int, int] = {}
    for index, cue in groups:
        k = seen.get(index, 0)
        seen[index] = k + 1
        spoken_out.append(cue)
        trans_out.append(translated[index][k])
    return tuple(spoken_out), tuple(trans_out)


@dataclass(frozen=True)
class Sidecars:
    """The subtitle files a recording writes: TALK.srt/.vtt, or TALK.<lang>.srt/.vtt per language."""

    paths: tuple[Path, ...] = ()
    translated: frozenset[Path] = frozenset()  # the paths that hold the translation

    def write(self, items: Iterable) -> None:
        spoken, translated = bilingual_cues(items)
        for path in self.paths:
            write_atomic(path, caption_text(translated if path in self.translated else spoken, path))


def plan_sidecars(output: Path, script_path: str | None, *, enabled: bool = True) -> Sidecars:
    """Where a recording's subtitles go: one SRT and one VTT per language when the speech names a
    translation, else the video's name with .srt and .vtt."""
    if not enabled:
        return Sidecars()
    plain = (output.with_suffix(".srt"), output.with_suffix(".vtt"))
    if not script_path:
        return Sidecars(plain)
    from avatar.script import load_script

    translation = translation_for(load_script(script_path))  # a bad one is reported before recording
    if translation is None:
        return Sidecars(plain)
    own, other = translation.spoken_language, translation.language
    paths = tuple(output.with_suffix(f".{lang}{ext}") for lang in (own, other) for ext in (".srt", ".vtt"))
    return Sidecars(paths, frozenset(p for p in paths if p.name.endswith((f".{other}.srt", f".{other}.vtt"))))
