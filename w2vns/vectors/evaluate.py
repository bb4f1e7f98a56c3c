"""Intrinsic evaluation: analogy accuracy and word-similarity correlation.

The protocol is gensim's (``KeyedVectors.evaluate_word_analogies`` and
``evaluate_word_pairs``) so that numbers compare: words match case-insensitively
(upper-cased; of several case variants the first in the file wins); analogies search
only the first ``restrict`` words and skip questions with a word outside them; the
answer is the best of the top 5 that is not a question word; similarity pairs with
an unknown word are skipped and counted. A file with no usable line is a FormatError;
a file none of whose lines has its words in the vocabulary is a valid result (0 of N
scored) that ``nothing_scored`` describes.
"""

import math
import os
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from ..errors import FormatError, InputError
from .embeddings import SCORE_BUDGET, top_indices

DEFAULT_RESTRICT = 30000
ANALOGY_TOPN = 5  # candidates looked at, as gensim: the best one not among A, B, C wins
ANALOGY_WORDS = 4
SECTION_PREFIX = ": "
SYNTACTIC_PREFIX = "gram"  # Google analogy sections named gram* are syntactic
COMMENT_PREFIX = "#"
BUNDLED_ANALOGIES = "questions-words.txt"
BUNDLED_SIMILARITY = "wordsim353.tsv"


def bundled(name):
    """Path of an evaluation set shipped in w2vns/data."""
    return str(resources.files("w2vns").joinpath("data", name))


@dataclass
class Score:
    """Correct answers out of questions answered."""

    name: str
    correct: int = 0
    total: int = 0

    @property
    def accuracy(self):
        return self.correct / self.total if self.total else 0.0

    def add(self, other):
        self.correct += other.correct
        self.total += other.total

    def as_dict(self):
        return {"section": self.name, "correct": self.correct, "total": self.total,
                "accuracy": self.accuracy}


@dataclass
class AnalogyResult:
    path: str
    method: str
    restrict: int  # 0: the whole vocabulary
    sections: list = field(default_factory=list)
    questions: int = 0  # well-formed questions in the file
    oov: int = 0  # skipped: a word outside the (restricted) vocabulary
    malformed: int = 0  # lines that are neither a header nor four words

    def summary(self, name, keep=lambda section: True):
        score = Score(name)
        for section in self.sections:
            if keep(section):
                score.add(section)
        return score

    @property
    def semantic(self):
        return self.summary("semantic", lambda s: not s.name.startswith(SYNTACTIC_PREFIX))

    @property
    def syntactic(self):
        return self.summary("syntactic", lambda s: s.name.startswith(SYNTACTIC_PREFIX))

    @property
    def total(self):
        return self.summary("total")

    @property
    def oov_ratio(self):
        return self.oov / self.questions if self.questions else 0.0

    def nothing_scored(self, vectors):
        """Why no question was answered, or None when some were."""
        if self.total.total:
            return None
        scope = f"the first {self.restrict:,} words" if self.restrict else "the vocabulary"
        return (f"0 of the {self.questions:,} analogy question(s) in '{self.path}' have all "
                f"four words in {scope} of '{vectors}'")

    def as_dict(self):
        return {"file": self.path, "method": self.method, "restrict": self.restrict,
                "sections": [s.as_dict() for s in self.sections],
                "semantic": self.semantic.as_dict(), "syntactic": self.syntactic.as_dict(),
                "total": self.total.as_dict(), "questions": self.questions, "oov": self.oov,
                "oov_ratio": self.oov_ratio, "malformed": self.malformed}


@dataclass
class SimilarityResult:
    path: str
    pairs: int = 0  # pairs scored
    oov: int = 0  # skipped: a word outside the vocabulary
    malformed: int = 0
    spearman: float = None  # None: fewer than two pairs, or constant scores
    pearson: float = None

    @property
    def oov_ratio(self):
        seen = self.pairs + self.oov
        return self.oov / seen if seen else 0.0

    def nothing_scored(self, vectors):
        """Why no pair was scored, or None when some were."""
        if self.pairs:
            return None
        return (f"0 of the {self.oov:,} word pair(s) in '{self.path}' have both words in "
                f"'{vectors}'")

    def as_dict(self):
        return {"file": self.path, "pairs": self.pairs, "oov": self.oov,
                "oov_ratio": self.oov_ratio, "malformed": self.malformed,
                "spearman": self.spearman, "pearson": self.pearson}


# ------------------------------------------------------------------------------ files


def check_file(path):
    """Fail early, with a clear message, if an evaluation file is missing."""
    if "://" not in path and not os.path.isfile(path):
        raise InputError(f"evaluation file '{path}' not found. Check the path.")


def _lines(path):
    check_file(path)
    import smart_open

    with smart_open.open(path, "r", encoding="utf-8", errors="replace") as handle:
        yield from enumerate(handle, start=1)


def read_analogies(path):
    """[(section, [(a, b, c, d), ...]), ...] and the count of malformed lines."""
    sections, malformed = [], 0
    for line_no, line in _lines(path):
        if line.startswith(SECTION_PREFIX):
            sections.append((line.lstrip(SECTION_PREFIX).strip(), []))
            continue
        words = line.split()
        if not words:
            continue
        if not sections:
            raise FormatError(f"'{path}' line {line_no}: a question before the first "
                              "': section' header.")
        if len(words) != ANALOGY_WORDS:
            malformed += 1
            continue
        sections[-1][1].append(tuple(words))
    if not any(questions for _, questions in sections):
        raise FormatError(f"'{path}' holds no analogy question{_ignored(malformed)}: expected "
                          "': section' lines, each followed by questions of four words "
                          "'A B C D' (as 'athens greece baghdad iraq').")
    return sections, malformed


def _ignored(malformed):
    return f" ({malformed:,} line(s) of another form)" if malformed else ""


def read_pairs(path):
    """[(word1, word2, score), ...] from tab- (or space-) separated lines; '#' comments.
    A score that is not a finite number makes its line malformed."""
    pairs, malformed = [], 0
    for _, line in _lines(path):
        if line.startswith(COMMENT_PREFIX) or not line.strip():
            continue
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) != 3:
            fields = line.split()
        try:
            a, b, score = fields
            score = float(score)
        except ValueError:
            malformed += 1
            continue
        if math.isfinite(score) and a.strip() and b.strip():
            pairs.append((a, b, score))
        else:
            malformed += 1
    if not pairs:
        raise FormatError(f"'{path}' holds no word pair{_ignored(malformed)}: expected lines "
                          "'word1<TAB>word2<TAB>score' with a number as score, '#' starting "
                          "a comment.")
    return pairs, malformed


# -------------------------------------------------------------------------- analogies


def uppercase_index(words):
    """UPPER-CASED word -> row of its first case variant."""
    index = {}
    for i, word in enumerate(words):
        index.setdefault(word.upper(), i)
    return index


def evaluate_analogies(kv, path, restrict=DEFAULT_RESTRICT, method="add"):
    """Accuracy per section of an analogy file (': section' headers, 'a b c d' lines)."""
    sections, malformed = read_analogies(path)
    limit = restrict or None
    upper = [w.upper() for w in kv.words[:limit]]
    known = uppercase_index(upper)
    result = AnalogyResult(path, method, restrict or 0, malformed=malformed)
    asked, owners = [], []
    for name, questions in sections:
        result.sections.append(Score(name))
        for question in questions:
            result.questions += 1
            question = tuple(w.upper() for w in question)
            if all(w in known for w in question):
                asked.append(question)
                owners.append(result.sections[-1])
            else:
                result.oov += 1
    _tally(owners, _answer(kv, asked, known, upper, limit, method))
    return result


def _tally(owners, verdicts):
    for owner, correct in zip(owners, verdicts):
        owner.total += 1
        owner.correct += int(correct)


def _answer(kv, questions, known, upper, limit, method):
    """For each (A, B, C, D), is D the best candidate that is not A, B or C?"""
    rows = len(upper)
    batch = max(1, SCORE_BUDGET // max(rows, 1))
    for start in range(0, len(questions), batch):
        chunk = questions[start:start + batch]
        triples = np.array([[known[w] for w in q[:3]] for q in chunk], dtype=np.int64)
        scores = kv.analogy_scores(triples, method, limit)
        for question, ids, row in zip(chunk, triples, scores):
            yield _predict(row, ids, question[:3], upper) == question[3]


def _predict(scores, ids, asked, upper):
    """gensim's rule: of the top 5 (question rows excluded), the first whose upper-cased
    word is not a question word; failing that, the last one looked at."""
    predicted = None
    for i in top_indices(scores, ids.tolist(), ANALOGY_TOPN):
        predicted = upper[i]
        if predicted not in asked:
            break
    return predicted


# ------------------------------------------------------------------------- similarity


def evaluate_similarity(kv, path):
    """Spearman and Pearson correlation of cosine similarity with human scores."""
    pairs, malformed = read_pairs(path)
    known = uppercase_index(kv.words)
    result = SimilarityResult(path, malformed=malformed)
    gold, model = [], []
    unit = kv.unit
    for a, b, score in pairs:
        a, b = a.upper(), b.upper()
        if a in known and b in known:
            gold.append(score)
            model.append(float(unit[known[a]] @ unit[known[b]]))
        else:
            result.oov += 1
    result.pairs = len(gold)
    result.spearman = spearman(gold, model)
    result.pearson = pearson(gold, model)
    return result


def average_ranks(values):
    """Ranks 1..n, ties sharing their average rank (as scipy.stats.rankdata)."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(values)]
    group = np.repeat(np.arange(len(starts)), ends - starts)
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = ((starts + ends + 1) / 2.0)[group]
    return ranks


def pearson(x, y):
    """Pearson correlation; None with fewer than two points, a constant side, or values so
    large that it cannot be computed in float64 (never NaN)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) < 2:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        x, y = x - x.mean(), y - y.mean()
        denominator = np.sqrt((x @ x) * (y @ y))
        if not 0 < denominator < np.inf:  # constant, or scores too large to square
            return None
        value = float(x @ y / denominator)
    return value if math.isfinite(value) else None


def spearman(x, y):
    """Spearman rank correlation: Pearson of the average ranks."""
    if len(x) < 2:
        return None
    return pearson(average_ranks(x), average_ranks(y))
