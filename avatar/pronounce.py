"""Pronunciation lists: written forms said another way, with a character map back to what is written.

    +++                                      pronounce.toml (beside the script, or named in the
    [pronounce]                              config as [voice] pronounce = "file.toml"):
    UNCTAD = "unk tad"                           UNCTAD = "unk tad"
    "1+3+N" = "one plus three plus N"            eWeek = "e week"
    +++

Where entries come from; for a key given in more than one place the first wins (keys compared
without regard to case):
  1. the script's own `[pronounce]` table,
  2. `pronounce.toml` in the script's folder,
  3. the file given with `--pronounce FILE`, else the config's `[voice] pronounce`.

How a key matches the written text:
  - whole words only: a key is found only where the characters beside it are not letters or digits
    ("UNCTAD" is found in "UNCTAD's" and "UNCTAD-led", never in "UNCTADSTAT"). A key that starts or
    ends with a symbol ("C++", "U.N.") must stand as a whole token there: a space, the text's edge or
    punctuation beside it. Chinese and Japanese characters have no spaces between words, so a key's
    edge written in them matches anywhere.
  - case: a key with a capital letter matches only that exact spelling (`US` is not "us"); a key in
    lower case matches any case (`nice` also finds "Nice").
  - spaces in a key match any run of spaces; at one place the longest key wins; left to right.
  - replacements are rewritten in turn, so one entry may use another (`"e-CNY" = "e CNY"` with
    `CNY = "see en why"` says "e see en why"); an entry that leads back to its own key is an error.

The voice is asked to say the rewritten text; its word timings are mapped back through the
character map, so captions, subtitles and word highlighting keep the written words.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence

from avatar.errors import ScriptError

if TYPE_CHECKING:
    from avatar.tts.base import Speech

BESIDE_FILE = "pronounce.toml"
# A replacement, once other entries are applied to it, longer than this is almost surely a runaway
# (entries that double each other); a sentence is at most 600 characters.
MAX_SAID_CHARS = 1000
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 32  # entries used inside replacements, inside replacements...: deeper is a mistake
# Front matter keys: written after a [pronounce] line, TOML puts them into that table.
_META_KEYS = ("title", "speaker", "role", "voice", "rate", "language", "look", "background")
_OPENERS = "\"'“‘([{«"
_CLOSERS = "\"'”’)]}».,;:!?…"


@dataclass(frozen=True)
class Entry:
    """One written form and what is said for it, with where it was written (1-based line/column)."""

    written: str
    said: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    said_column: int | None = None

    @property
    def exact_case(self) -> bool:
        return any(ch.isupper() for ch in self.written)

    def error(self, message: str, *, at_said: bool = False) -> ScriptError:
        return ScriptError(message, path=self.path, line=self.line,
                           column=self.said_column if at_said else self.column)


@dataclass(frozen=True)
class Rewrite:
    """`written` text and the `said` text the voice gets; `spans` are the replaced pieces as
    (written_start, written_end, said_start, said_end), in order."""

    written: str
    said: str
    spans: tuple[tuple[int, int, int, int], ...] = ()

    def to_written(self, offset: int, *, end: bool = False) -> int:
        """Where a character offset of `said` falls in `written`; a start inside a replacement goes to
        the start of its written form, an end (exclusive) inside one to its end."""
        delta = 0
        for ws, we, ss, se in self.spans:
            if (offset <= ss) if end else (offset < ss):
                break
            if (offset <= se) if end else (offset < se):
                return we if end else ws
            delta = we - se
        return max(0, min(len(self.written), offset + delta))

    def speech_back(self, speech: "Speech") -> "Speech":
        """The voice's rendition of `said`, with its text and word timings on the written words
        (phonemes and audio stay: they are what is heard)."""
        if not self.spans:
            return speech
        words: list[Any] = []
        for w in speech.words:
            a = self.to_written(w.char_start)
            b = max(a, self.to_written(w.char_end, end=True))
            if words and a < words[-1].char_end:  # a replacement said as several words: one written word
                prev = words[-1]
                b = max(b, prev.char_end)
                words[-1] = replace(prev, text=self.written[prev.char_start:b], end_s=max(prev.end_s, w.end_s),
                                    char_end=b)
            else:
                words.append(replace(w, text=self.written[a:b], char_start=a, char_end=b))
        return replace(speech, text=self.written, words=tuple(words))


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF


def _is_wordish(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _pattern(written: str, exact_case: bool) -> str:
    body = r"\s+".join(re.escape(part) for part in written.split())
    if not exact_case:
        body = f"(?i:{body})"
    first, last = written[0], written[-1]
    if _is_cjk(first):
        left = ""
    elif _is_wordish(first):
        left = r"(?<!\w)"  # no letter, digit or underscore just before
    else:
        left = rf"(?<![^\s{re.escape(_OPENERS)}])"
    if _is_cjk(last):
        right = ""
    elif _is_wordish(last):
        right = r"(?!\w)"
    else:
        right = rf"(?![^\s{re.escape(_CLOSERS)}])"
    return left + body + right


def _fold(text: str) -> str:
    """A key's or the text's first two characters, for the bucket lookup: lower case, spaces as one."""
    return "".join(" " if ch.isspace() else ch.lower()[:1] for ch in text[:2])


class _Matcher:
    """Finds keys left to right, the longest at a place first: each place looks only at the keys that
    start with its two (or one) characters, so a list of thousands of entries stays fast."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        order = sorted(range(len(entries)), key=lambda i: (-len(entries[i].written), not entries[i].exact_case, i))
        self.patterns = [re.compile(_pattern(e.written, e.exact_case)) for e in entries]
        self.buckets: dict[str, list[int]] = {}
        for i in order:
            self.buckets.setdefault(_fold(entries[i].written), []).append(i)

    def find(self, text: str) -> Iterator[tuple[int, int, int]]:
        """(start, end, entry index) of each match, not overlapping."""
        pos, n = 0, len(text)
        get = self.buckets.get
        while pos < n:
            two = _fold(text[pos:pos + 2])
            for i in (*get(two, ()), *(get(two[:1], ()) if len(two) == 2 else ())):
                m = self.patterns[i].match(text, pos)
                if m:
                    yield pos, m.end(), i
                    pos = max(m.end(), pos + 1)
                    break
            else:
                pos += 1


@dataclass(frozen=True)
class Lexicon:
    """Entries in order of precedence; checked (no loops, no runaway replacements) when made."""

    entries: tuple[Entry, ...] = ()
    _said: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)
    _matcher: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.entries:
            return
        matcher = _Matcher(self.entries)
        object.__setattr__(self, "_matcher", matcher)
        object.__setattr__(self, "_said", _expand_all(self.entries, matcher))

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def over(self, lower: "Lexicon") -> "Lexicon":
        """This lexicon with the entries of `lower` whose key it does not have (in any case)."""
        if not lower:
            return self
        if not self:
            return lower
        mine = {e.written.casefold() for e in self.entries}
        return Lexicon(self.entries + tuple(e for e in lower.entries if e.written.casefold() not in mine))

    def rewrite(self, text: str) -> Rewrite:
        """What the voice is asked to say for `text`, with the map back to it."""
        if self._matcher is None:
            return Rewrite(text, text)
        out: list[str] = []
        spans: list[tuple[int, int, int, int]] = []
        pos = said_len = 0
        for start, end, i in self._matcher.find(text):
            said = self._said[i]
            out.append(text[pos:start])
            said_len += start - pos
            spans.append((start, end, said_len, said_len + len(said)))
            out.append(said)
            said_len += len(said)
            pos = end
        if not spans:
            return Rewrite(text, text)
        out.append(text[pos:])
        return Rewrite(text, "".join(out), tuple(spans))

    def say(self, text: str, synthesize: Callable[[str], "Speech"]) -> "Speech":
        """`synthesize` (any voice) speaking `text` as this lexicon says; the Speech keeps `text`."""
        rewrite = self.rewrite(text)
        return rewrite.speech_back(synthesize(rewrite.said))

    def speaking(self, speak: Callable[[str], "Speech"]) -> Callable[[str], "Speech"]:
        """A `speak(text)` function (the kiosk's) that speaks through this lexicon."""
        return lambda text: self.say(text, speak)


NO_LEXICON = Lexicon()


def _expand_all(entries: Sequence[Entry], matcher: _Matcher) -> tuple[str, ...]:
    """Each entry's replacement with the other entries applied to it; a loop or a runaway is an error."""
    done: dict[int, str] = {}

    def expand(i: int, chain: tuple[int, ...]) -> str:
        if i in done:
            return done[i]
        if i in chain:
            loop = chain[chain.index(i):]
            first = entries[loop[0]]
            if len(loop) == 1:
                raise first.error(f"'{first.written}' is said as \"{first.said}\", which holds "
                                  f"'{first.written}' again, so it would be replaced forever; write the "
                                  "replacement without its own key (e.g. in lower case, or spelled apart)",
                                  at_said=True)
            path = " -> ".join(entries[k].written for k in loop + (i,))
            raise first.error(f"'{first.written}' leads back to itself ({path}); a replacement is read "
                              "again for other keys, so one of these must not hold the next key", at_said=True)
        if len(chain) >= MAX_DEPTH:
            e = entries[chain[0]]
            raise e.error(f"'{e.written}' leads through more than {MAX_DEPTH} other entries; "
                          "write what is said more directly", at_said=True)
        said = entries[i].said
        out: list[str] = []
        pos = 0
        for start, end, k in matcher.find(said):
            out += [said[pos:start], expand(k, chain + (i,))]
            pos = end
        out.append(said[pos:])
        text = "".join(out)
        if len(text) > MAX_SAID_CHARS:
            e = entries[i]
            raise e.error(f"'{e.written}' grows to {len(text)} characters once the other entries are "
                          f"applied to its replacement; keep what is said under {MAX_SAID_CHARS}", at_said=True)
        done[i] = text
        return text

    return tuple(expand(i, ()) for i in range(len(entries)))


# --- reading -------------------------------------------------------------------------------------

def _key_forms(key: str) -> list[str]:
    forms = [re.escape(json.dumps(key, ensure_ascii=False)), re.escape(f"'{key}'")]
    if re.fullmatch(r"[A-Za-z0-9_-]+", key):
        forms.insert(0, rf"(?<![\w\"'.-]){re.escape(key)}")
    return forms


def _locate(lines: Sequence[str], key: str, section: str | None) -> tuple[int, int, int]:
    """(line index, key column, value column), 0-based index and 1-based columns, of `key = ...` in
    TOML `lines`, looked for first inside `[section]`; (-1, 1, 1) when not found."""
    forms = "|".join(_key_forms(key))
    pat = re.compile(rf"(?:{forms})\s*(?:=\s*|\.)")
    header = re.compile(r"^\s*\[\s*([^\]]*?)\s*\]")
    ranges: list[range] = []
    if section is not None:
        start = next((i for i, ln in enumerate(lines) if (m := header.match(ln)) and m.group(1) == section), None)
        if start is not None:
            stop = next((i for i in range(start + 1, len(lines)) if header.match(lines[i])), len(lines))
            ranges.append(range(start + 1, stop))
    ranges.append(range(len(lines)))
    for rng in ranges:
        for i in rng:
            m = pat.search(lines[i])
            if m:
                return i, m.start() + 1, m.end() + 1
    return -1, 1, 1


_KEY_LINE = re.compile(r"""^(\s*)([A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')\s*=\s*""")


def _key_index(lines: Sequence[str]) -> dict[str, tuple[int, int, int]]:
    """Where each plain `key = value` line's key is, like `_locate`, in one pass (first line wins)."""
    index: dict[str, tuple[int, int, int]] = {}
    for i, line in enumerate(lines):
        m = _KEY_LINE.match(line)
        if not m:
            continue
        raw = m.group(2)
        try:
            key = json.loads(raw) if raw.startswith('"') else raw.strip("'")
        except ValueError:
            continue
        index.setdefault(key, (i, len(m.group(1)) + 1, m.end() + 1))
    return index


def _entries(table: Mapping[str, Any], lines: Sequence[str], first_line: int, path: str | None,
             section: str | None, in_front_matter: bool = False) -> Lexicon:
    """Check every entry of a parsed TOML table; `first_line` is the file line of `lines[0]`."""
    entries: list[Entry] = []
    seen: dict[str, Entry] = {}
    header = next((i for i, ln in enumerate(lines) if section and ln.strip() == f"[{section}]"), 0)
    # The table's own lines come first: the same key may also stand before [section] (e.g. title).
    index = _key_index(lines[header:])
    for key, value in table.items():
        found = index.get(key)
        idx, col, vcol = (found[0] + header, found[1], found[2]) if found else _locate(lines, key, section)
        line = first_line + (idx if idx >= 0 else header)
        where = Entry(key, "", path, line, col if idx >= 0 else None, vcol if idx >= 0 else None)
        written = " ".join(key.split())
        if not written:
            raise where.error("an empty key is never found in the text; remove it or write the word to respell")
        if in_front_matter and key in _META_KEYS and isinstance(value, (str, int)):
            raise where.error(f"'{key}' comes after [pronounce], so TOML reads it as a pronunciation; move "
                              "[pronounce] to the end of the front matter (to respell the word itself, "
                              f"use {BESIDE_FILE})")
        if isinstance(value, dict):
            raise where.error(f"'{key}' is a table, not a replacement; a key with dots, spaces or symbols "
                              "needs quotes, e.g. \"U.N.\" = \"you en\"")
        if not isinstance(value, str):
            shown = json.dumps(value) if isinstance(value, (int, float, bool)) else type(value).__name__
            raise where.error(f"'{key}' = {shown}: what is said must be a quoted string, e.g. "
                              f"{_key_text(key)} = \"...\"", at_said=True)
        said = " ".join(value.split())
        if not said:
            raise where.error(f"what is said for '{key}' is empty; write how to say it, or remove the entry",
                              at_said=True)
        if written in seen:
            other = seen[written]
            raise where.error(f"'{written}' is given twice (also at line {other.line}); keep one")
        entry = Entry(written, said, path, where.line, where.column, where.said_column)
        seen[written] = entry
        entries.append(entry)
    return Lexicon(tuple(entries))


def _key_text(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def lexicon_from_front_matter(value: object, lines: Sequence[str], first_line: int,
                              path: str | None) -> Lexicon:
    """The `[pronounce]` table of a script's front matter; `lines` are the TOML lines between the
    `+++` lines and `first_line` the file line of the first of them."""
    if not isinstance(value, dict):
        idx, col, _ = _locate(lines, "pronounce", None)
        raise ScriptError("pronounce must be a table: a line [pronounce] at the end of the front matter, "
                          "then entries like UNCTAD = \"unk tad\"", path=path,
                          line=first_line + max(idx, 0), column=col if idx >= 0 else None)
    return _entries(value, lines, first_line, path, "pronounce", in_front_matter=True)


def load_lexicon(path: str | Path) -> Lexicon:
    """A pronunciation file: TOML entries `written = "said"`, with or without a [pronounce] line."""
    p = Path(path)
    if not p.is_file():
        raise ScriptError(f"pronunciation file not found: {p} (check the path)")
    try:
        data = p.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as exc:
        raise ScriptError(f"cannot read pronunciation file {p}: {exc.strerror}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise ScriptError(f"{p} is over {MAX_FILE_BYTES // 1_000_000} MB; a pronunciation list is a short "
                          "TOML file: is it the right file?")
    try:
        text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScriptError("not UTF-8 text; save the pronunciation list as UTF-8", path=str(p), line=line) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        msg = re.sub(r"\s*\(at line.*\)$", "", str(exc))
        raise ScriptError(f"bad pronunciation list: {msg}; write entries like UNCTAD = \"unk tad\" and "
                          "quote keys with symbols: \"1+3+N\" = \"one plus three plus N\"", path=str(p),
                          line=int(m.group(1)) if m else None, column=int(m.group(2)) if m else None) from exc
    lines = text.split("\n")
    if list(raw) == ["pronounce"] and isinstance(raw["pronounce"], dict):
        return _entries(raw["pronounce"], lines, 1, str(p), "pronounce")
    return _entries(raw, lines, 1, str(p), None)


def script_lexicon(script_lexicon: Lexicon, script_path: str | None, extra: str | Path | None) -> Lexicon:
    """The three sources merged: the script's table over the file beside it over `extra`."""
    merged = script_lexicon
    if script_path:
        beside = Path(script_path).parent / BESIDE_FILE
        if beside.is_file():
            merged = merged.over(load_lexicon(beside))
    if extra:
        merged = merged.over(load_lexicon(extra))
    return merged


def with_pronunciation(script: Any, extra: str | Path | None = None, *, beside: bool = True) -> Any:
    """`script` whose `meta.pronounce` holds every source (see the module docstring); `beside=False`
    skips the folder's pronounce.toml (for text that is not a file of its own)."""
    merged = script_lexicon(script.meta.pronounce, script.path if beside else None, extra)
    if merged is script.meta.pronounce:
        return script
    return replace(script, meta=replace(script.meta, pronounce=merged))
