"""Written numbers as spoken words ("2022" -> "twenty twenty two", "5G" -> "five g", "40%" -> "forty
percent") for the language model, and recognised words back to the written forms the answerer matches.

`spoken_words(text)` gives the words a visitor would say, each with the written token it came from, so
the language model learns the spoken forms and `WrittenForms` learns the way back from the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINAL_ENDS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                 "nine": "ninth", "twelve": "twelfth"}
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand"), (100, "hundred"))


def cardinal(n: int) -> list[str]:
    """12 -> ["twelve"], 2500 -> ["two", "thousand", "five", "hundred"] (no "and", as US speakers say)."""
    if n < 0:
        return ["minus", *cardinal(-n)]
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])
    for value, name in _SCALES:
        if n >= value:
            rest = n % value
            return cardinal(n // value) + [name] + (cardinal(rest) if rest else [])
    raise AssertionError("unreachable")


def year(n: int, *, thousands: bool = False) -> list[str]:
    """How a year is said: 2022 -> "twenty twenty two", 2005 -> "two thousand five", 1998 -> "nineteen
    ninety eight", 1905 -> "nineteen oh five"; with `thousands`, 2022 -> "two thousand and twenty two"
    (the other way people say this century's years)."""
    if thousands and 2010 <= n <= 2099:
        return ["two", "thousand", "and", *cardinal(n - 2000)]
    if 2000 <= n <= 2009:
        return cardinal(n)
    if 1100 <= n <= 2099 and n % 100 == 0:
        return cardinal(n // 100) + ["hundred"]
    if 1100 <= n <= 2099:
        head, tail = divmod(n, 100)
        return cardinal(head) + (["oh", _ONES[tail]] if tail < 10 else cardinal(tail))
    return cardinal(n)


def ordinal(n: int) -> list[str]:
    """4 -> ["fourth"], 21 -> ["twenty", "first"]."""
    words = cardinal(n)
    last = words[-1]
    if last in _ORDINAL_ENDS:
        words[-1] = _ORDINAL_ENDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return words


def _decimal(text: str) -> list[str]:
    whole, _, frac = text.partition(".")
    words = cardinal(int(whole))
    if frac:
        words += ["point"] + [_ONES[int(d)] for d in frac]
    return words


# One written token with a number in it: a percentage, an ordinal, a digit-letter code ("5G", "3D"),
# a decimal or a whole number with thousands separators.
_NUMBER = re.compile(r"(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?P<tail>%|st\b|nd\b|rd\b|th\b|[A-Za-z]+\b)?")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|\d+(?:\.\d+)?(?:%|[A-Za-z]+\b)?")


def is_year(token: str) -> bool:
    """A four-digit number read as a year (1100 to 2099)."""
    return token.isdigit() and len(token) == 4 and 1100 <= int(token) <= 2099


def say_number(token: str, *, thousands: bool = False) -> list[str] | None:
    """The spoken words for one written number token, or None if it is not one; `thousands` reads
    years from 2010 as "two thousand and ..."."""
    m = _NUMBER.fullmatch(token)
    if not m:
        return None
    num, tail = m.group("num").replace(",", ""), m.group("tail") or ""
    if tail == "%":
        return _decimal(num) + ["percent"]
    if tail.lower() in ("st", "nd", "rd", "th") and "." not in num:
        return ordinal(int(num))
    if "." in num:
        return _decimal(num) + [c.lower() for c in tail]
    n = int(num)
    if tail:  # "5G", "3D", "4K": the number, then the letters one by one
        return cardinal(n) + [c.lower() for c in tail] if len(tail) <= 2 else cardinal(n) + [tail.lower()]
    if 1100 <= n <= 2099 and "," not in m.group("num"):
        return year(n, thousands=thousands)
    return cardinal(n)


def spoken_tokens(text: str, *, thousands: bool = False) -> list[tuple[str, list[str]]]:
    """Each written token of a text with the words said for it: lower-case words, numbers said aloud,
    hyphens and punctuation dropped ("twenty-three" -> "twenty", "three"; "&" -> "and"); `thousands`
    as for `say_number`."""
    out: list[tuple[str, list[str]]] = []
    text = text.replace("’", "'").replace("&", " and ").replace("+", " plus ")
    for m in _WORD.finditer(text):
        token = m.group(0)
        said = say_number(token, thousands=thousands) if token[0].isdigit() else None
        out.append((token, [token.lower()] if said is None else said))
    return out


def spoken_words(text: str) -> list[str]:
    """The words a visitor would say for `text` (see `spoken_tokens`)."""
    return [w for _, words in spoken_tokens(text) for w in words]


_UNITS = {w: i for i, w in enumerate(_ONES)}
_TENS_VALUE = {w: 10 * i for i, w in enumerate(_TENS) if w != "_"}


def _parse_below_100(words: list[str], i: int) -> tuple[int, int] | None:
    """(value, words used) of a number under 100 starting at words[i]."""
    if i >= len(words):
        return None
    w = words[i]
    if w in _TENS_VALUE:
        if i + 1 < len(words) and words[i + 1] in _UNITS and 0 < _UNITS[words[i + 1]] < 10:
            return _TENS_VALUE[w] + _UNITS[words[i + 1]], 2
        return _TENS_VALUE[w], 1
    if w in _UNITS:
        return _UNITS[w], 1
    return None


def _parse_year(words: list[str], i: int) -> tuple[int, int] | None:
    """A spoken year from 2000 to 2099 at words[i]: "twenty twenty two", "two thousand (and) five"."""
    if words[i:i + 2] == ["two", "thousand"]:
        j = i + 2 + (1 if words[i + 2:i + 3] == ["and"] else 0)
        rest = _parse_below_100(words, j)
        if rest and rest[0] > 0:
            return 2000 + rest[0], j - i + rest[1]
        return None
    if words[i] == "twenty":
        rest = _parse_below_100(words, i + 1)
        if rest and rest[0] >= 10:  # "twenty ten" .. "twenty ninety nine"
            return 2000 + rest[0], 1 + rest[1]
    return None


@dataclass
class WrittenForms:
    """Spoken word sequences -> the written token, learned from the kiosk's text; a sequence that two
    different writings share ("one" from "1" and from "one") is left as words."""

    forms: dict[tuple[str, ...], str] = field(default_factory=dict)
    _clash: set[tuple[str, ...]] = field(default_factory=set)

    def learn(self, text: str) -> None:
        for token, said in spoken_tokens(text):
            # Single words ("one", "four") stay words: too common in ordinary speech to rewrite.
            if len(said) >= 2 and any(c.isdigit() for c in token):
                key = tuple(said)
                if self.forms.get(key, token) != token:
                    self._clash.add(key)
                self.forms[key] = token

    def table(self) -> dict[str, str]:
        """The unambiguous spoken -> written forms, as "twenty twenty two" -> "2022"."""
        return {" ".join(k): v for k, v in sorted(self.forms.items()) if k not in self._clash}


def to_written(words: list[str], forms: dict[str, str] | None = None) -> list[str]:
    """Recognised words with spoken numbers put back in writing: the kiosk text's own forms first
    ("five g" -> "5G"), then any year 2000-2099 and "N percent" -> "N%"; other numbers stay words."""
    by_words = {tuple(k.split()): v for k, v in (forms or {}).items()}
    longest = max((len(k) for k in by_words), default=0)
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 1, -1):
            hit = by_words.get(tuple(words[i:i + n]))
            if hit is not None:
                out.append(hit)
                i += n
                break
        else:
            got = _parse_year(words, i)
            if got is not None:
                out.append(str(got[0]))
                i += got[1]
                continue
            below = _parse_below_100(words, i)
            if below is not None and words[i + below[1]:i + below[1] + 1] == ["percent"]:
                out.append(f"{below[0]}%")
                i += below[1] + 1
                continue
            out.append(words[i])
            i += 1
    return out
