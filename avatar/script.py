"""Speech-script text (plain text or Markdown with optional TOML front matter) into ordered segments.

    +++
    title = "..."        speaker = "..."   role = "..."
    voice = "en-gb"      rate = 165        language = "en"
    look = "official"    background = "#102040" | "path/to/image.png"
    translation = "talk.en.md"   (bilingual subtitles, see avatar/bilingual.py)
    [pronounce]          UNCTAD = "unk tad"   (last: see avatar/pronounce.py)
    +++
    Paragraphs of sentences. [pause 1.5s] [pause 300ms] [slide images/chart.png] [slide off]
    [expression smile|neutral|serious|surprised]   **emphasis** lifts the brows.

Headings (`# ...`), rules (`---`) and HTML comments are not spoken; Markdown links read as their text.
"""

from __future__ import annotations

import bisect
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from avatar.errors import ScriptError
from avatar.face.state import EXPRESSIONS
from avatar.pronounce import NO_LEXICON, Lexicon, lexicon_from_front_matter
from avatar.tts.base import rate_problem

MAX_PAUSE_S = 60.0
# 2 MB of text is some 30 hours of speech: a bigger file is almost surely the wrong file (a log, a
# book, a data dump), so it is refused at once instead of being synthesised for days.
MAX_SCRIPT_BYTES = 2_000_000
# A "sentence" longer than this (a run-on line, text without full stops) is cut at a clause or word
# boundary, so speech, captions and parsing all stay bounded.
MAX_SENTENCE_CHARS = 600
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tga")
_FRONT_KEYS: dict[str, type | tuple[type, ...]] = {
    "title": str, "speaker": str, "role": str, "voice": str, "rate": int, "language": str,
    "look": str, "background": str, "face": str, "translation": str, "pronounce": dict,
}


@dataclass(frozen=True)
class ScriptMeta:
    title: str = ""
    speaker: str = ""
    role: str = ""
    voice: str = ""
    rate_wpm: int | None = None
    language: str = "en"
    look: str = ""
    background: str = ""
    face: str = ""          # portrait photo or mouth-sprite folder, relative to the script
    pronounce: Lexicon = NO_LEXICON  # what is said for written forms (captions keep the written)
    translation: str = ""  # a parallel file with the speech in another language (avatar.bilingual)


@dataclass(frozen=True)
class Sentence:
    """A sentence to speak. `marks` are (char_offset, directive) changes that happen mid-sentence;
    `emphasis` are (char_start, char_end) spans the speaker stresses."""

    text: str
    line: int
    paragraph: int
    marks: tuple[tuple[int, "Slide | Expression"], ...] = ()
    emphasis: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Pause:
    duration_s: float
    line: int


@dataclass(frozen=True)
class Slide:
    path: str | None  # absolute path, None hides the slide
    line: int


@dataclass(frozen=True)
class Expression:
    name: str
    line: int


Segment = Sentence | Pause | Slide | Expression


@dataclass(frozen=True)
class Script:
    meta: ScriptMeta
    segments: tuple[Segment, ...]
    path: str | None = None
    base_dir: str = "."

    @property
    def sentences(self) -> list[Sentence]:
        return [s for s in self.segments if isinstance(s, Sentence)]

    @property
    def spoken_text(self) -> str:
        """The whole speech as plain text, paragraphs separated by blank lines."""
        out: list[str] = []
        last_par = None
        for s in self.sentences:
            if last_par is not None and s.paragraph != last_par:
                out.append("\n\n")
            elif out:
                out.append(" ")
            out.append(s.text)
            last_par = s.paragraph
        return "".join(out)


# --- reading -------------------------------------------------------------------------------------

def load_script(path: str | Path) -> Script:
    """Read and parse a speech file; every problem is a ScriptError naming the line."""
    p = Path(path)
    if not p.exists():
        raise ScriptError(f"speech script not found: {p} (check the path)")
    if p.is_dir():
        raise ScriptError(f"{p} is a folder; give the path of a speech script file (.md or .txt)")
    try:
        with open(p, "rb") as fh:
            # One byte over the limit is enough to refuse a huge file (a video given by mistake)
            # without reading all of it into memory.
            data = fh.read(MAX_SCRIPT_BYTES + 1)
            if len(data) > MAX_SCRIPT_BYTES:
                size = max(len(data), os.fstat(fh.fileno()).st_size)  # a pipe has no size: what was read
                raise ScriptError(_too_big(size), path=str(p))
    except OSError as exc:
        raise ScriptError(f"cannot read {p}: {exc.strerror}") from exc
    return parse_script(decode_script_bytes(data, str(p)), path=str(p), base_dir=str(p.parent))


def _too_big(size_bytes: int) -> str:
    return (f"the file is {size_bytes / 1e6:.1f} MB; a speech script may be at most {MAX_SCRIPT_BYTES / 1e6:g} MB "
            "(about 30 hours of speech): is it the right file? Split a longer text into several scripts")


def decode_script_bytes(data: bytes, path: str | None = None) -> str:
    if len(data) > MAX_SCRIPT_BYTES:
        raise ScriptError(_too_big(len(data)), path=path)
    if b"\x00" in data[:4096]:
        raise ScriptError("this is a binary file, not a speech script; save the speech as UTF-8 text",
                          path=path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScriptError(f"byte 0x{data[exc.start]:02x} is not UTF-8; save the script as UTF-8",
                          path=path, line=line, column=col) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_script(text: str, *, path: str | None = None, base_dir: str = ".") -> Script:
    lines = text.split("\n")
    meta, body_start = _front_matter(lines, path)
    segments = _Body(lines, body_start, path, base_dir).parse()
    if not any(isinstance(s, Sentence) for s in segments):
        if not text.strip():
            raise ScriptError("the script is empty, nothing to say; write the speech as sentences of text",
                              path=path, line=1)
        raise ScriptError("the script has nothing to say (only directives, headings or comments); write "
                          "the speech as sentences of text", path=path, line=max(1, body_start + 1))
    return Script(meta, tuple(segments), path, base_dir)


def _front_matter(lines: list[str], path: str | None) -> tuple[ScriptMeta, int]:
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is not None and lines[first].strip() == "---" and _looks_like_yaml(lines, first):
        raise ScriptError("front matter must be TOML between '+++' lines (this looks like YAML between '---' "
                          "lines); write it as: +++, then title = \"My talk\" and the other keys, then +++",
                          path=path, line=first + 1)
    if first is None or lines[first].strip() != "+++":
        return ScriptMeta(), 0
    end = next((i for i in range(first + 1, len(lines)) if lines[i].strip() == "+++"), None)
    if end is None:
        raise ScriptError("front matter opened with '+++' is never closed; add a '+++' line after it",
                          path=path, line=first + 1)
    try:
        raw = tomllib.loads("\n".join(lines[first + 1:end]))
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        msg = re.sub(r"\s*\(at line.*\)$", "", str(exc))
        line = first + 1 + int(m.group(1)) if m else (end if "end of document" in str(exc) else first + 1)
        raise ScriptError(f"bad front matter: {msg}; it must be TOML such as title = \"My talk\"",
                          path=path, line=line, column=int(m.group(2)) if m else None) from exc
    values: dict[str, object] = {}
    for key, value in raw.items():
        line = next((first + 2 + i for i, ln in enumerate(lines[first + 1:end])
                     if ln.strip().startswith(key)), first + 1)
        if key not in _FRONT_KEYS:
            raise ScriptError(f"unknown front matter key '{key}'; known keys: {', '.join(_FRONT_KEYS)}",
                              path=path, line=line)
        if key == "pronounce":
            values[key] = lexicon_from_front_matter(value, lines[first + 1:end], first + 2, path)
            continue
        want = _FRONT_KEYS[key]
        if key == "rate" and isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, want) or isinstance(value, bool):
            kind = "a whole number" if want is int else "a quoted string"
            raise ScriptError(f"front matter '{key}' must be {kind}", path=path, line=line)
        problem = rate_problem(int(value)) if key == "rate" else None  # type: ignore[call-overload]
        if problem:
            raise ScriptError(f"rate {problem}", path=path, line=line)
        values["rate_wpm" if key == "rate" else key] = value
    return ScriptMeta(**values), end + 1  # type: ignore[arg-type]


_YAML_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:(\s|$)")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(\s*\1){2,}\s*$")


def _looks_like_yaml(lines: list[str], first: int) -> bool:
    """A '---' line, then `key: value` lines, then another '---': front matter in YAML's style."""
    end = next((i for i in range(first + 1, len(lines)) if lines[i].strip() == "---"), None)
    inside = [ln for ln in lines[first + 1:end] if ln.strip()] if end is not None else []
    return bool(inside) and _YAML_KEY.match(inside[0].strip()) is not None


_DIRECTIVE = re.compile(r"\[([^\[\]\n]*)\](?!\()")
_LINK = re.compile(r"\[([^\[\]\n]*)\]\(([^()\n]*)\)")
_PAUSE_VALUE = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|ms)?$")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9À-ÖØ-Þ\u4e00-\u9fff])"
                           # Chinese ends a sentence at 。！？ (and a closing quote after one), no space needed
                           r"|(?:(?<=[。！？])|(?<=[。！？][”’」』）]))\s*(?=[^\s”’」』）。！？])")
_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|No|vs|etc|e\.g|i\.e|Jan|Feb|Mar|Apr|Jun|Jul|Aug|"
                     r"Sep|Sept|Oct|Nov|Dec|U\.S|U\.N)\.)$")
# The emphasised words may not hold * or _ themselves: that keeps the search linear on text with
# many unmatched markers (nested ***x*** is found in a second pass).
_EMPH = re.compile(r"(\*\*|__|\*|_)(?=\S)([^*_]+?)(?<=\S)\1")
_CLAUSE_END = re.compile(r"[,;:]\s|\s[–—-]\s|[，；：、。！？]")
# Leading bytes of the image formats pygame reads; TGA has no signature and is let through.
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


def _looks_like_image(path: Path) -> bool:
    """True if the file starts like an image (a text file renamed .png is caught here, not on stage)."""
    if path.suffix.lower() == ".tga":
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def _split_long(sentence: str, limit: int = MAX_SENTENCE_CHARS) -> list[str]:
    """A too-long sentence as pieces of at most `limit` characters, cut after a clause where one is near."""
    pieces: list[str] = []
    while len(sentence) > limit:
        window = sentence[:limit]
        cut = max((m.end() for m in _CLAUSE_END.finditer(window)), default=0)
        if cut < limit // 3:
            cut = window.rfind(" ")
        if cut < limit // 3:
            cut = limit  # no space at all (a long run of CJK text or a pasted blob): cut hard
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    pieces.append(sentence)
    return pieces


def _strip_emphasis(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Text without Markdown emphasis markers, and the (start, end) spans they marked, in one pass per level."""
    spans: list[tuple[int, int]] = []
    for _ in range(3):  # nesting deeper than ***bold italic*** is not something people write
        matches = list(_EMPH.finditer(text))
        if not matches:
            break
        out: list[str] = []
        moved: list[tuple[int, int, int, int]] = []  # (match start, match end, marker length, removed before)
        pos = removed = 0
        new: list[tuple[int, int]] = []
        for m in matches:
            mark, inner = len(m.group(1)), m.group(2)
            out += [text[pos:m.start()], inner]
            new.append((m.start() - removed, m.start() - removed + len(inner)))
            moved.append((m.start(), m.end(), mark, removed))
            removed += 2 * mark
            pos = m.end()
        out.append(text[pos:])
        text = "".join(out)
        starts = [m[0] for m in moved]
        spans = [(_shifted(a, starts, moved), _shifted(b, starts, moved)) for a, b in spans] + new
    return text, sorted(set(spans))


def _shifted(offset: int, starts: list[int], moved: list[tuple[int, int, int, int]]) -> int:
    """Where `offset` lands once the markers of `moved` (which start at `starts`) are taken out."""
    i = bisect.bisect_right(starts, offset) - 1
    if i < 0:
        return offset
    start, end, mark, removed = moved[i]
    if offset >= end:
        return offset - removed - 2 * mark
    return offset - removed - min(mark, offset - start)


class _Body:
    """One pass over the body lines, keeping line/column for every error."""

    def __init__(self, lines: list[str], start: int, path: str | None, base_dir: str) -> None:
        self.lines, self.start, self.path, self.base_dir = lines, start, path, base_dir
        self.segments: list[Segment] = []
        self.paragraph = 0
        # the sentence being built: text pieces, marks, emphasis, line of its first word
        self.buf: list[str] = []
        self.marks: list[tuple[int, Slide | Expression]] = []
        self.emph: list[tuple[int, int]] = []
        self.buf_line = 0

    def err(self, msg: str, line: int, col: int | None = None) -> ScriptError:
        return ScriptError(msg, path=self.path, line=line, column=col)

    def parse(self) -> list[Segment]:
        in_comment = False
        for idx in range(self.start, len(self.lines)):
            lineno = idx + 1
            raw = self.lines[idx]
            stripped = raw.strip()
            if in_comment:
                in_comment = "-->" not in raw
                continue
            if stripped.startswith("<!--"):
                in_comment = "-->" not in stripped[4:]
                continue
            if not stripped or _THEMATIC_BREAK.match(raw):   # a rule (---, ***) ends a paragraph too
                self.flush_sentence_tail()
                self.paragraph += 1
                continue
            if stripped.startswith("#"):  # a heading organises the script; it is not spoken
                continue
            self.line(raw, lineno)
        self.flush_sentence_tail()
        return self.segments

    def line(self, raw: str, lineno: int) -> None:
        # Markdown list bullets and quote markers are layout, not words.
        body = re.sub(r"^\s*(?:[-*+]\s+|\d+[.)]\s+|>\s?)", lambda m: " " * len(m.group(0)), raw)
        body = _LINK.sub(lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))), body)
        pos = 0
        for m in _DIRECTIVE.finditer(body):
            self.text(body[pos:m.start()], lineno)
            self.directive(m.group(1), lineno, m.start() + 1)
            pos = m.end()
        rest = body[pos:]
        stray = next((i for i, ch in enumerate(rest) if ch in "[]"), None)
        if stray is not None:
            raise self.err(f"unmatched '{rest[stray]}'; directives look like [pause 1s], "
                           "[slide file.png] or [expression smile]", lineno, pos + stray + 1)
        self.text(rest, lineno)

    def text(self, chunk: str, lineno: int) -> None:
        chunk = " ".join(chunk.split())
        if not chunk:
            return
        if not self.buf:
            self.buf_line = lineno
        self.buf.append(chunk)
        joined = " ".join(self.buf)
        parts = self._split_sentences(joined)
        if len(parts) == 1:
            return
        pos = 0
        for sentence in parts[:-1]:
            start = joined.index(sentence, pos)
            pos = start + len(sentence)
            self.emit_sentence(sentence, start)
        rest = parts[-1]
        rest_start = joined.index(rest, pos) if rest else len(joined)
        self.marks = [(o - rest_start, c) for o, c in self.marks]
        self.buf = [rest] if rest else []
        self.buf_line = lineno

    @staticmethod
    def _split_sentences(text: str) -> list[str]:
        out: list[str] = []
        start = 0
        for m in _SENTENCE_END.finditer(text):
            # Only the sentence's tail can hold an abbreviation; looking at the whole sentence would
            # make a line of many "Dr." quadratic.
            candidate = text[max(start, m.start() - 24):m.start()].rstrip("\"'”’)")
            if _ABBREV.search(candidate):
                continue
            out.extend(_split_long(text[start:m.start()].strip()))
            start = m.end()
        out.extend(_split_long(text[start:].strip()))
        return out

    def directive(self, inner: str, lineno: int, col: int) -> None:
        words = inner.strip().split(None, 1)
        name = words[0].lower() if words else ""
        arg = words[1].strip() if len(words) > 1 else ""
        if name == "pause":
            self.flush_sentence_tail()
            self.segments.append(Pause(self._pause_value(arg, lineno, col), lineno))
        elif name == "slide":
            self.mark(Slide(self._slide_path(arg, lineno, col), lineno))
        elif name == "expression":
            if arg.lower() not in EXPRESSIONS:
                raise self.err(f"unknown expression '{arg}'; use one of: {', '.join(EXPRESSIONS)}",
                               lineno, col)
            self.mark(Expression(arg.lower(), lineno))
        else:
            raise self.err(f"unknown directive '[{inner.strip()}]'; use [pause 1s], [slide file.png] "
                           "or [expression smile|neutral|serious|surprised]", lineno, col)

    def _pause_value(self, arg: str, lineno: int, col: int) -> float:
        if not arg:
            return 1.0
        m = _PAUSE_VALUE.match(arg.strip().lower())
        if not m:
            raise self.err(f"bad pause '{arg}'; write it like [pause 1.5s] or [pause 300ms]", lineno, col)
        value = float(m.group(1)) / (1000.0 if m.group(2) == "ms" else 1.0)
        if value > MAX_PAUSE_S:
            raise self.err(f"pause of {value:g} s is too long; use at most {MAX_PAUSE_S:g} s", lineno, col)
        return value

    def _slide_path(self, arg: str, lineno: int, col: int) -> str | None:
        if arg.lower() in ("off", "none", "hide", "-"):
            return None
        if not arg:
            raise self.err("[slide] needs an image path, e.g. [slide images/chart.png] or [slide off]",
                           lineno, col)
        p = Path(arg.strip("\"'"))
        if not p.is_absolute():
            p = Path(self.base_dir) / p
        if not p.is_file():
            raise self.err(f"slide image not found: {p} (paths are relative to the script's folder)",
                           lineno, col)
        if p.suffix.lower() not in IMAGE_SUFFIXES or not _looks_like_image(p):
            raise self.err(f"slide {p.name} is not an image; use PNG or JPEG", lineno, col)
        return str(p.resolve())

    def mark(self, change: Slide | Expression) -> None:
        if self.buf:
            # offset where the next word will start in the joined buffer
            self.marks.append((len(" ".join(self.buf)) + 1, change))
        else:
            self.segments.append(change)

    def emit_sentence(self, text: str, start: int = 0) -> None:
        """Emit `text`, which begins at `start` in the buffer; marks inside it go with it, marks
        just before it become segments of their own, marks after it stay for what follows."""
        end = start + len(text)
        before = [c for o, c in self.marks if o <= start]
        inside = [(o - start, c) for o, c in self.marks if start < o <= end]
        self.marks = [(o, c) for o, c in self.marks if o > end]
        self.segments.extend(before)
        # strip Markdown emphasis markers, remembering where the stressed words are
        plain, emphasis = _strip_emphasis(text)
        if not re.search(r"\w", plain):
            self.segments.extend(c for _, c in inside)
            return
        marks = tuple((min(o, len(plain)), c) for o, c in inside if o < len(text))
        self.segments.append(Sentence(plain, self.buf_line, self.paragraph, marks, tuple(emphasis)))
        # a change written right after the sentence's last word happens when the sentence ends
        self.segments.extend(c for o, c in inside if o >= len(text))

    def marks_out(self) -> None:
        self.segments.extend(ch for _, ch in self.marks)
        self.marks = []

    def flush_sentence_tail(self) -> None:
        if self.buf:
            text = " ".join(self.buf)
            self.buf = []
            if text.strip():
                self.emit_sentence(text)
        self.marks_out()
