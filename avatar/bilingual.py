"""Bilingual subtitles: a speech's translation, kept in a parallel file beside it, paired with what is said.

The form a speechwriter keeps: `talk.md` is the speech as spoken; `talk.en.md` beside it is its
translation, paragraph for paragraph in the same order (blank lines separate paragraphs; headings,
comments, directives and front matter are allowed and ignored). A speech named `talk.zh.md` finds
`talk.en.md` too. The language is the tag before `.md`.

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

from avatar.captions import (_layout, _Tokens, Cue, build_cue_groups, caption_text, line_width,
                             write_text_atomic)
from avatar.errors import ScriptError
from avatar.script import Script, decode_script_bytes, parse_script
from avatar.textseg import CLAUSE_END, SENTENCE_END, cjk_share

SCRIPT_SUFFIXES = (".md", ".txt", ".markdown")
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
    """The speech's language: its file name's tag, else its front matter's, else "zh" for Chinese text."""
    if script.path:
        tag = _name_parts(Path(script.path))[1]
        if tag:
            return tag
    if script.meta.language and script.meta.language.lower() != "en":
        return script.meta.language.lower()
    return "zh" if cjk_share(" ".join(s.text for s in script.sentences)) > 0.3 else "en"


def find_translation(script_path: str | Path) -> Path | None:
    """The translation file beside a speech (`talk.en.md` beside `talk.md` or `talk.zh.md`), if any."""
    path = Path(script_path)
    stem, own = _name_parts(path)
    if not path.parent.is_dir():
        return None
    found = []
    for cand in sorted(path.parent.iterdir()):
        if cand.suffix.lower() not in SCRIPT_SUFFIXES or cand.name == path.name or not cand.is_file():
            continue
        cstem, tag = _name_parts(cand)
        if cstem == stem and tag and tag != own:
            found.append(cand)
    return found[0] if found else None


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
    toks = _Tokens(text)
    m = len(toks)
    if m == 0:
        return [""] * n
    total_w = sum(max(0.0, w) for w in weights) or float(n)
    total = toks.offset(m)
    share = total / n
    cuts = [0]
    acc = 0.0
    for k in range(1, n):
        acc += max(0.0, weights[k - 1]) if total_w else 1.0
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
            weights = [float(_Tokens(s).offset(len(_Tokens(s)))) for s in said]
            sentences += split_over(" ".join(trans) if cjk_share("".join(trans)) <= 0.3 else "".join(trans),
                                    weights)
    language = _name_parts(path)[1] or other.meta.language or "en"
    own = spoken_language(script)
    if language == own:
        raise ScriptError(f"the translation's language '{language}' is the speech's own; name it by "
                          f"its language, e.g. talk.en.md beside talk.md", path=str(path))
    return Translation(own, language, str(path), tuple(sentences))


def translation_for(script: Script) -> Translation | None:
    """The translation beside the script's file, paired; None when it has none."""
    if not script.path:
        return None
    found = find_translation(script.path)
    return pair(script, found) if found else None


# --- on screen and in files -------------------------------------------------------------------

def _piece_cues(cues: Sequence[Cue], translation: str) -> list[Cue]:
    """The translation shared out over a sentence's cues by how long each is shown, same times."""
    pieces = split_over(translation, [c.end_s - c.start_s for c in cues])
    out = []
    for cue, piece in zip(cues, pieces):
        toks = _Tokens(piece)
        body = _layout(toks, 0, len(toks), line_width(piece))[0] if len(toks) else ""
        out.append(Cue(cue.start_s, cue.end_s, body))
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
            write_text_atomic(path, caption_text(translated if path in self.translated else spoken, path))


def plan_sidecars(output: Path, script_path: str | None, *, enabled: bool = True) -> Sidecars:
    """Where a recording's subtitles go: one SRT and one VTT per language when the speech has a
    translation beside it, else the video's name with .srt and .vtt."""
    if not enabled:
        return Sidecars()
    plain = (output.with_suffix(".srt"), output.with_suffix(".vtt"))
    if not script_path:
        return Sidecars(plain)
    found = find_translation(script_path)
    if found is None:
        return Sidecars(plain)
    from avatar.script import load_script

    script = load_script(script_path)
    translation = pair(script, found)  # a bad translation is reported now, before any recording
    own, other = translation.spoken_language, translation.language
    paths = tuple(output.with_suffix(f".{lang}{ext}") for lang in (own, other) for ext in (".srt", ".vtt"))
    return Sidecars(paths, frozenset(p for p in paths if p.name.endswith((f".{other}.srt", f".{other}.vtt"))))
