"""The kiosk's own language model: spoken numbers and back, Witten-Bell probabilities that sum to one,
the ARPA text PocketSphinx reads, pronunciations for names and acronyms, and the content-hash cache."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from avatar.kiosk.grounding import FaqEntry, Grounding, Passage, Persona
from avatar.listen import ngram
from avatar.listen.corpus import Corpus, corpus_from_grounding
from avatar.listen.lexicon import build_lexicon, dictionary_text, espeak_to_arpabet, spelled
from avatar.listen.numbers import WrittenForms, cardinal, spoken_words, to_written, year
from avatar.listen.topic_lm import build_files, topic_model

# --- numbers ----------------------------------------------------------------------------------------


def test_numbers_are_spoken_as_visitors_say_them() -> None:
    assert spoken_words("In 2022, 5G reached 40% of the 1,500 firms.") == (
        "in twenty twenty two five g reached forty percent of the one thousand five hundred firms".split())
    assert spoken_words("the 4th conference, 2005 and 1998") == (
        "the fourth conference two thousand five and nineteen ninety eight".split())
    assert spoken_words("a 1+3+N framework; twenty-three") == "a one plus three plus n framework twenty three".split()
    assert cardinal(2_300_045) == "two million three hundred thousand forty five".split()


def test_recognised_words_turn_back_into_what_the_notes_write() -> None:
    """The kiosk's own written forms come back ("five g" -> "5G"); years and percentages always do;
    a lone small number stays a word ("one" is far too common to rewrite)."""
    forms = WrittenForms()
    forms.learn("Beijing had 5G everywhere by 2022; 40% of firms use it. There is 1 plan.")
    table = forms.table()
    assert table == {"five g": "5G", "forty percent": "40%", "twenty twenty two": "2022"}
    heard = "and in twenty twenty two how many use five g is it forty percent or one plan".split()
    assert to_written(heard, table) == "and in 2022 how many use 5G is it 40% or one plan".split()
    assert to_written("two thousand and twenty three".split()) == ["2023"]
    assert to_written("seventy five percent".split()) == ["75%"]


def test_a_spoken_form_written_two_ways_is_left_as_words() -> None:
    forms = WrittenForms()
    forms.learn("2.5 million and 2.50 dollars")
    assert "two point five" in forms.table()
    forms.learn("2.5 versus 2.50")
    assert forms.table()["two point five"] == "2.5"
    forms.learn("a 5G network, a 5g phone")
    assert "five g" not in forms.table()


@given(st.integers(2010, 2099), st.booleans())
def test_every_year_of_this_century_makes_the_round_trip(n: int, thousands: bool) -> None:
    assert to_written(year(n, thousands=thousands)) == [str(n)]


@given(st.integers(1, 99))
def test_every_whole_percentage_makes_the_round_trip(n: int) -> None:
    assert to_written(spoken_words(f"{n}%")) == [f"{n}%"]


# --- the n-gram model -------------------------------------------------------------------------------

SENTENCES = [("what is the plan".split(), 1.0), ("what is beijing".split(), 2.0),
             ("the plan is good".split(), 1.0), ("who leads the plan".split(), 0.5)]


def _sums(model: ngram.ArpaModel, histories) -> list[float]:
    vocab = [w for w in model.vocabulary if w != ngram.BOS]
    return [sum(10 ** model.log10_prob(w, h) for w in vocab) for h in histories]


def test_every_history_s_distribution_sums_to_one() -> None:
    model = ngram.ArpaModel(ngram.build(SENTENCES, 3, extra_words=["zebra"]).to_arpa())
    vocab = [w for w in model.vocabulary if w != ngram.BOS]
    histories = [()] + [(a,) for a in vocab + [ngram.BOS]] + [(a, b) for a in vocab + [ngram.BOS] for b in vocab]
    for total in _sums(model, histories):
        assert total == pytest.approx(1.0, abs=1e-4)


def test_witten_bell_values_by_hand() -> None:
    """After "is" the model saw "the" once, "beijing" twice and "good" once: c(h) = 4, T(h) = 3, so an
    unseen word keeps 3/7 of its unigram probability and a seen one gets (c + 3 p(w)) / 7."""
    lm = ngram.build(SENTENCES, 2)
    model = ngram.ArpaModel(lm.to_arpa())
    p_uni = {w: 10 ** model.log10_prob(w) for w in model.vocabulary if w != ngram.BOS}
    assert 10 ** model.log10_prob("beijing", ["is"]) == pytest.approx((2 + 3 * p_uni["beijing"]) / 7, rel=1e-5)
    assert 10 ** model.log10_prob("leads", ["is"]) == pytest.approx(3 / 7 * p_uni["leads"], rel=1e-5)
    # Unigrams, counts weighted by sentence: N = 5 + 2 * 4 + 5 + 0.5 * 5 = 20.5 tokens (</s> included),
    # T = V = 9 words, so p(w) = (c(w) + 1) / 29.5; "plan" counts 1 + 1 + 0.5.
    assert p_uni["plan"] == pytest.approx((2.5 + 1) / 29.5, rel=1e-5)


def test_background_words_join_the_unigrams_and_keep_them_normalised() -> None:
    model = ngram.ArpaModel(ngram.build(SENTENCES, 3, background={"exactly": 0.5, "the": 0.5},
                                        background_weight=0.1).to_arpa())
    assert "exactly" in model.vocabulary
    assert _sums(model, [(), ("is",), ("what", "is"), ("exactly",)]) == pytest.approx([1.0] * 4, abs=1e-4)


words = st.sampled_from("a b c d e f".split())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.lists(words, min_size=1, max_size=6), st.floats(0.25, 3.0)), min_size=1, max_size=6),
       st.integers(1, 3))
def test_any_corpus_gives_normalised_distributions(sentences, order: int) -> None:
    model = ngram.ArpaModel(ngram.build(sentences, order).to_arpa())
    vocab = [w for w in model.vocabulary if w != ngram.BOS]
    histories = [()] + [(a,) for a in vocab + [ngram.BOS]] + [(ngram.BOS, b) for b in vocab] + [
        (a, b) for a in vocab for b in vocab]
    for total in _sums(model, histories):
        assert total == pytest.approx(1.0, abs=1e-4)


def test_pocketsphinx_reads_the_arpa_text_with_the_same_probabilities(tmp_path: Path) -> None:
    pocketsphinx = pytest.importorskip("pocketsphinx")
    path = tmp_path / "small.lm"
    path.write_text(ngram.build(SENTENCES, 3).to_arpa(), "utf-8")
    mine = ngram.ArpaModel(path.read_text("utf-8"))
    logmath = pocketsphinx.LogMath(1.0001)
    theirs = pocketsphinx.NGramModel(pocketsphinx.Config(), logmath, str(path))
    for history, word in ((("what",), "is"), (("what", "is"), "the"), (("plan", "is"), "beijing"),
                          (("good",), "who")):
        # NGramModel.prob takes the words newest first.
        ln = logmath.log_to_ln(theirs.prob([word, *reversed(history)]))
        assert ln / math.log(10) == pytest.approx(mine.log10_prob(word, history), abs=1e-3)


# --- pronunciations ---------------------------------------------------------------------------------


def test_names_come_from_espeak_and_acronyms_are_also_spelled() -> None:
    lexicon = build_lexicon(["zhongguancun", "unctad", "beijing", "plan"], acronyms=["unctad"], names=["beijing"])
    assert lexicon["zhongguancun"][0].split()[:2] == ["ZH", "AA"]
    assert spelled("unctad") in lexicon["unctad"]
    assert len(lexicon["beijing"]) >= 2                       # the dictionary's and espeak-ng's
    assert lexicon["plan"] == ["P L AE N"]
    text = dictionary_text(lexicon)
    assert "unctad(2) " in text and text.endswith("\n")


def test_espeak_mnemonics_become_arpabet() -> None:
    assert espeak_to_arpabet(["dZ", "'0", "N", "t#", "@L", "e@", "aI3"]) == (
        "JH AA NG T AH L EH R AY ER".split())


# --- the kiosk's model and its cache ----------------------------------------------------------------


def _grounding(answer: str = "The conference is in Beijing in 2024.") -> Grounding:
    notes = (Passage("Zhongguancun is a science park in Beijing. 5G covers 40% of it.", "park.md", "Zhongguancun"),)
    faq = (FaqEntry(("when is the conference", "where is the conference"), answer),)
    return Grounding(Persona(language="en"), "Welcome to UNCTAD eWeek in Geneva.", "", notes, faq)


def test_the_corpus_holds_notes_faq_speech_and_question_phrasings() -> None:
    corpus = corpus_from_grounding(_grounding())
    texts = [t for t, _ in corpus.sentences]
    assert "when is the conference" in texts and "Welcome to UNCTAD eWeek in Geneva." in texts
    assert "tell me about Zhongguancun" in texts and "who leads" in texts
    forms = {"five g": "5G", "forty percent": "40%", "twenty twenty four": "2024"}
    assert corpus.written_forms().items() >= forms.items()
    assert corpus.casing()["unctad"] == "UNCTAD" and corpus.casing()["zhongguancun"] == "Zhongguancun"
    # Years are heard both ways.
    assert any(words[-5:] == "two thousand and twenty four".split() for words, _ in corpus.spoken())


def test_chinese_text_stays_out_of_the_english_model() -> None:
    g = _grounding()
    g = Grounding(g.persona, g.speech_text, "", g.passages + (Passage("北京是首都。", "zh.md"),), g.faq)
    assert not any("北京" in t for t, _ in corpus_from_grounding(g).sentences)


def test_model_files_hold_every_word_with_a_pronunciation() -> None:
    arpa, dictionary, meta = build_files(Corpus((("Zhongguancun has 5G", 1.0), ("what is AI", 1.0))))
    lm_words = set(ngram.ArpaModel(arpa).vocabulary) - {ngram.BOS, ngram.EOS}
    dict_words = {line.split()[0].split("(")[0] for line in dictionary.splitlines()}
    assert lm_words == dict_words == {"zhongguancun", "has", "five", "g", "what", "is", "ai"}
    assert meta["written_forms"] == {"five g": "5G"}


def test_the_model_is_built_once_and_then_read_from_the_cache(tmp_path: Path) -> None:
    builds: list[Corpus] = []
    first = topic_model(_grounding(), cache_dir=tmp_path, on_build=builds.append)
    again = topic_model(_grounding(), cache_dir=tmp_path, on_build=builds.append)
    assert len(builds) == 1 and not first.from_cache and again.from_cache
    assert again.lm_path == first.lm_path and again.written_forms == first.written_forms
    assert not list(tmp_path.glob(".tmp-*"))                     # nothing half-written is left
    changed = topic_model(_grounding("It is in Beijing."), cache_dir=tmp_path, on_build=builds.append)
    assert len(builds) == 2 and changed.key != first.key


def test_a_damaged_cache_entry_is_built_again(tmp_path: Path) -> None:
    builds: list[Corpus] = []
    first = topic_model(_grounding(), cache_dir=tmp_path, on_build=builds.append)
    first.lm_path.with_suffix(".json").write_text("{not json", "utf-8")
    again = topic_model(_grounding(), cache_dir=tmp_path, on_build=builds.append)
    assert len(builds) == 2 and not again.from_cache and again.lm_path.read_text("utf-8").startswith("\n\\data\\")
