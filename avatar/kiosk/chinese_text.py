"""Chinese text for retrieval: words by jieba (no spaces to split on), stop words, sentence ends."""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from avatar.language import is_han

# Function words and question words that say nothing about the topic ("what", "is", "of", "please"...).
STOP_WORDS = frozenset("""
的 了 是 在 和 与 及 或 也 都 就 还 又 很 吗 呢 吧 啊 呀 哦 嘛 么 着 过 被 把 给 让 从 向 对 为 以 于 其 之
这 那 这个 那个 这些 那些 哪 哪个 哪些 哪里 什么 怎么 怎样 怎么样 如何 为什么 多少 几 谁 吗 呢
我 你 您 他 她 它 我们 你们 他们 她们 它们 咱们 请 请问 一下 告诉 介绍 讲讲 说说 知道 想 能 能够 可以 会
有 没有 时候 个 一 一个 些 一些 吧 么 嗯 好 呗 地 得 所 而 并 但 但是 因为 所以 如果 关于 有关 方面
""".split())
# Conversational fillers only: for matching canned questions, where "who" and "what" matter.
FILLER = frozenset("请 请问 一下 吗 呢 吧 啊 呀 哦 嘛 的 了 您好 你好啊".split()) - {"你好"}
_SENTENCE_END = re.compile(r"(?:(?<=[。！？!?；…])(?![”’」』）)])|(?<=[。！？!?；…][”’」』）)]))")
_REFERS_BACK = re.compile(r"^(?:这|那|该|它|其|此|他们|她们|它们|同时|此外|另外|因此|所以)")

_jieba: Any = None
_lock = threading.Lock()


def _segmenter() -> Any:
    """jieba, imported and its dictionary loaded on first use (about half a second, once)."""
    global _jieba
    with _lock:
        if _jieba is None:
            try:
                import jieba
            except ImportError:  # a broken install: jieba is a dependency of the package
                from avatar.errors import UsageError

                raise UsageError("Chinese text needs jieba; pip install jieba") from None
            jieba.setLogLevel(logging.WARNING)  # it announces its dictionary on stderr otherwise
            jieba.initialize()
            _jieba = jieba
        return _jieba


def warm_up() -> None:
    """Load the dictionary now (a kiosk does it at start-up, not during a visitor's first question)."""
    _segmenter()


def has_han(text: str) -> bool:
    return any(is_han(ch) for ch in text)


def words(text: str) -> list[str]:
    """jieba's words of `text` (Chinese runs and whatever sits between them), spaces dropped."""
    return [w for w in _segmenter().lcut(text) if w.strip()]


def search_words(text: str) -> list[str]:
    """Words for a search index: jieba's search mode adds the parts of long words ("第四届" also
    gives "第四", "四届"), so a question may use a shorter or longer word than the note."""
    out = []
    for w in _segmenter().lcut_for_search(text):
        w = w.strip().lower()
        if w and w not in STOP_WORDS and any(ch.isalnum() for ch in w):
            out.append(w)
    return out


def faq_words(text: str) -> set[str]:
    """Words of a short question with only its fillers dropped (keeps "谁", "什么": they tell the FAQs apart)."""
    return {w.lower() for w in words(text) if w not in FILLER and any(ch.isalnum() for ch in w)}


def split_sentences(text: str) -> list[str]:
    """Sentences, cut after 。！？； (and any closing quote)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def refers_back(sentence: str) -> bool:
    """Starts with "this", "it", "they", "also"...: it needs the sentence before it."""
    return bool(_REFERS_BACK.match(sentence))
