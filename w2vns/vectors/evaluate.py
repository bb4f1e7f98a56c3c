"""Intrinsic evaluation: analogy accuracy and word-similarity correlation.

The protocol is gensim's (``KeyedVectors.evaluate_word_analogies`` and
``evaluate_word_pairs``) so that numbers compare: words match case-insensitively
(upper-cased; of several case variants the first in the file wins); analogies search
only the first ``restrict`` words and skip questions with a word outside them; the
answer is the best of the top 5 that is not a question word; similarity pairs with
an unknown word are skipped and counted. A file with no usable line is a FormatError;
a file none of whose lines has its words in the vocabulary is a valid result (0 of N
scored) that ``nothing_scored`` describes.

A suite is the analogy set plus every word-similarity set, scored in one call
(``evaluate_suite``) and summed up in one row per set and kind (``SuiteResult.rows``): the
analogy set as its semantic sections, its syntactic (gram*) sections and all of them,
then one row per similarity set. A set is named by its file name without extensions and
without the ``EN-`` prefix (``EN-MEN-TR-3k.txt``: ``MEN-TR-3k``).
"""

import math
import os
import zlib
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from ..errors import FormatError, InputError, printable
from .embeddings import SCORE_BUDGET, top_indices

DEFAULT_RESTRICT = 30000
ANALOGY_TOPN = 5  # candidates looked at, as gensim: the best one not among A, B, C wins
# A similarity pair with an unknown word: skipped, or scored with its n-grams' vector.
OOV_SKIP, OOV_NGRAMS = "skip", "ngrams"
OOV_CHOICES = (OOV_SKIP, OOV_NGRAMS)
ANALOGY_WORDS = 4
SECTION_PREFIX = ": "
SYNTACTIC_PREFIX = "gram"  # Google analogy sections named gram* are syntactic
COMMENT_PREFIX = "#"
REASON_CHARS = 200  # a library's explanation quoted in a message is cut to this length
BUNDLED_ANALOGIES = "questions-words.txt"
BUNDLED_SIMILARITY = "wordsim353.tsv"
BUNDLED_SUITE = "word-sim"  # w2vns/data/word-sim: the similarity sets that may be shipped
SUITE_PATTERN = ".txt"  # a suite directory's sets: its files ending so
SET_PREFIX = "EN-"  # language prefix of the collected sets' file names, left out of names
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".zst", ".xz")
ANALOGY_KINDS = ("semantic", "syntactic", "all")
SIMILARITY_KIND = "similarity"


def bundled(name):
    """Path of an evaluation set shipped in w2vns/data."""
    return str(resources.files("w2vns").joinpath("data", name))


def set_name(path):
    """A set's name: its file name without compression suffix, extension and 'EN-'."""
    name = os.path.basename(path.rstrip("/"))
    for suffix in COMPRESSED_SUFFIXES:
        name = name.removesuffix(suffix)
    name = os.path.splitext(name)[0] or name
    return name.removeprefix(SET_PREFIX) or name


@dataclass
class Score:
    """Correct answers out of questions answered."""

    name: str
    correct: int = 0
    total: int = 0  # questions answered: all four words in the searched vocabulary
    questions: int = 0  # well-formed questions in the file

    @property
    def accuracy(self):
        return self.correct / self.total if self.total else 0.0

    def add(self, other):
        self.correct += other.correct
        self.total += other.total
        self.questions += other.questions

    def as_dict(self):
        return {"section": self.name, "correct": self.correct, "total": self.total,
                "accuracy": self.accuracy, "questions": self.questions}


@dataclass
class AnalogyResult:
    path: str
    method: str
    restrict: int  # 0: the whole vocabulary
    sections: list = field(default_factory=list)
    questions: int = 0  # well-formed questions in the file
    oov: int = 0  # skipped: a word outside the (restricted) vocabulary
    malformed: int = 0  # lines that are neither a header nor four words
    first_malformed: int = None  # line number of the first of them

    @property
    def name(self):
        return set_name(self.path)

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
        return {"name": self.name, "file": self.path, "method": self.method,
                "restrict": self.restrict, "sections": [s.as_dict() for s in self.sections],
                "semantic": self.semantic.as_dict(), "syntactic": self.syntactic.as_dict(),
                "total": self.total.as_dict(), "questions": self.questions, "oov": self.oov,
                "oov_ratio": self.oov_ratio, "malformed": self.malformed,
                "first_malformed": self.first_malformed}


@dataclass
class SimilarityResult:
    path: str
    pairs: int = 0  # pairs scored
    oov: int = 0  # skipped: a word outside the vocabulary
    malformed: int = 0
    first_malformed: int = None  # line number of the first malformed line
    spearman: float = None  # None: fewer than two pairs, or constant scores
    pearson: float = None
    built: int = 0  # pairs scored with a word's vector built from its n-grams (--oov ngrams)

    @property
    def name(self):
        return set_name(self.path)

    @property
    def size(self):
        """Well-formed pairs in the file."""
        return self.pairs + self.oov

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
        return {"name": self.name, "file": self.path, "pairs": self.pairs, "oov": self.oov,
                "oov_ratio": self.oov_ratio, "malformed": self.malformed, "built": self.built,
                "first_malformed": self.first_malformed, "spearman": self.spearman,
                "pearson": self.pearson}


# ------------------------------------------------------------------------------ files


def check_file(path):
    """Fail early, with a clear message, if an evaluation file is missing."""
    if "://" not in path and not os.path.isfile(path):
        raise InputError(f"evaluation file '{path}' not found. Check the path.")


def numbered_lines(path):
    """(line number, line) of a text file, plain or compressed; FormatError if it cannot be
    read to the end (damaged compressed data, a read error)."""
    check_file(path)
    import smart_open

    try:
        with smart_open.open(path, "r", encoding="utf-8", errors="replace") as handle:
            yield from enumerate(handle, start=1)
    except (OSError, EOFError, zlib.error) as exc:
        reason = printable(str(exc), REASON_CHARS)
        raise FormatError(f"cannot read evaluation file '{path}': {reason}. The file may be "
                          "truncated or corrupt.") from None


def read_analogies(path):
    """[(section, [(a, b, c, d), ...]), ...] and the line numbers of malformed lines."""
    sections, malformed = [], []
    for line_no, line in numbered_lines(path):
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
            malformed.append(line_no)
            continue
        sections[-1][1].append(tuple(words))
    if not any(questions for _, questions in sections):
        raise FormatError(f"'{path}' holds no analogy question{_ignored(malformed)}: expected "
                          "': section' lines, each followed by questions of four words "
                          "'A B C D' (as 'athens greece baghdad iraq').")
    return sections, malformed


def _ignored(malformed):
    return f" ({len(malformed):,} line(s) of another form)" if malformed else ""


def _first(lines):
    return lines[0] if lines else None


def read_pairs(path):
    """[(word1, word2, score), ...] from tab- (or space-) separated lines; '#' comments;
    and the line numbers of malformed lines. A score that is not a finite number makes
    its line malformed."""
    pairs, malformed = [], []
    for line_no, line in numbered_lines(path):
        if line.startswith(COMMENT_PREFIX) or not line.strip():
            continue
        pair = _pair(line)
        if pair is None:
            malformed.append(line_no)
        else:
            pairs.append(pair)
    if not pairs:
        raise FormatError(f"'{path}' holds no word pair{_ignored(malformed)}: expected lines "
                          "'word1<TAB>word2<TAB>score' with a number as score, '#' starting "
                          "a comment.")
    return pairs, malformed


def _pair(line):
    """(word1, word2, score) of a line, or None if it is not one."""
    fields = line.rstrip("\r\n").split("\t")
    if len(fields) != 3:
        fields = line.split()
    try:
        a, b, score = fields
        score = float(score)
    except ValueError:
        return None
    return (a, b, score) if math.isfinite(score) and a.strip() and b.strip() else None


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
    result = AnalogyResult(path, method, restrict or 0, malformed=len(malformed),
                           first_malformed=_first(malformed))
    asked, owners = [], []
    for name, questions in sections:
        result.sections.append(Score(name, questions=len(questions)))
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


def evaluate_similarity(kv, path, oov=OOV_SKIP):
    """Spearman and Pearson correlation of cosine similarity with human scores. A pair
    with an unknown word is skipped, or with ``oov`` "ngrams" (a subword model) scored
    with the word's vector built from its n-grams."""
    pairs, malformed = read_pairs(path)
    known = uppercase_index(kv.words)
    result = SimilarityResult(path, malformed=len(malformed), first_malformed=_first(malformed))
    gold, model = [], []
    unit = kv.unit
    build = oov == OOV_NGRAMS and kv.subwords is not None
    for a, b, score in pairs:
        va, vb = (_unit_of(w, known, unit, kv, build) for w in (a, b))
        if va is not None and vb is not None:
            gold.append(score)
            model.append(float(va @ vb))
            result.built += not (a.upper() in known and b.upper() in known)
        else:
            result.oov += 1
    result.pairs = len(gold)
    result.spearman = spearman(gold, model)
    result.pearson = pearson(gold, model)
    return result


def _unit_of(word, known, unit, kv, build):
    """The unit vector of ``word`` (matched case-insensitively), built from its n-grams
    when unknown and ``build``; None when it has none (a zero built vector stays zero)."""
    row = known.get(word.upper())
    if row is not None:
        return unit[row]
    vector = kv.built_vector(word) if build else None
    if vector is None:
        return None
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


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


# ------------------------------------------------------------------------------ suite


def bundled_similarity():
    """The similarity sets shipped with w2vns: WordSim-353, then those in data/word-sim."""
    return [bundled(BUNDLED_SIMILARITY)] + _set_files(bundled(BUNDLED_SUITE))


def _set_files(directory):
    """The regular files of ``directory`` whose names end in .txt, in set-name order."""
    names = sorted((n for n in os.listdir(directory) if n.endswith(SUITE_PATTERN)),
                   key=lambda n: (set_name(n), n))
    return [p for p in (os.path.join(directory, n) for n in names) if os.path.isfile(p)]


def suite_directory(directory, label="--suite-dir"):
    """The word-similarity sets of a directory given by the user (``label`` names the
    option): every *.txt file in it, in set-name order; at least one."""
    if not os.path.isdir(directory):
        state = "not a directory" if os.path.exists(directory) else "not found"
        raise InputError(f"{label} '{directory}' is {state}. Give the directory that holds "
                         "the word-similarity sets, one *.txt file each.")
    try:
        files = _set_files(directory)
    except OSError as exc:
        raise InputError(f"cannot list {label} '{directory}': {exc.strerror}.") from None
    if not files:
        raise InputError(f"{label} '{directory}' holds no *.txt file. Give the directory that "
                         "holds the word-similarity sets, one *.txt file each "
                         "('word1<TAB>word2<TAB>score' lines).")
    return files


def suite_files(analogies=(), similarity=(), suite_dir=None, label="--suite-dir"):
    """The analogy and similarity files of a suite: those given or, with none given, the
    bundled sets; then every set in ``suite_dir``, which replaces a bundled set of the
    same name."""
    analogies, similarity = list(analogies), list(similarity)
    from_bundle = not analogies and not similarity
    if from_bundle:
        analogies, similarity = [bundled(BUNDLED_ANALOGIES)], bundled_similarity()
    if suite_dir is not None:
        extra = suite_directory(suite_dir, label)
        if from_bundle:
            replaced = {set_name(path) for path in extra}
            similarity = [path for path in similarity if set_name(path) not in replaced]
        similarity += extra
    return analogies, similarity


@dataclass(frozen=True)
class SuiteRow:
    """One line of a suite's summary: a set, what was measured, and its coverage."""

    name: str
    kind: str  # semantic, syntactic, all (analogies) or similarity
    score: float  # accuracy or Spearman correlation; None when nothing was scored
    used: int  # questions answered or pairs scored
    size: int  # well-formed questions or pairs in the set
    file: str

    @property
    def oov_ratio(self):
        """Share of the set skipped for a word outside the (searched) vocabulary."""
        return (self.size - self.used) / self.size if self.size else 0.0

    def as_dict(self):
        return {"set": self.name, "kind": self.kind, "score": self.score, "used": self.used,
                "size": self.size, "oov_ratio": self.oov_ratio, "file": self.file}


def analogy_rows(result):
    """Semantic sections, syntactic (gram*) sections, and all of them."""
    rows = []
    for kind, score in zip(ANALOGY_KINDS, (result.semantic, result.syntactic, result.total)):
        accuracy = score.accuracy if score.total else None
        rows.append(SuiteRow(result.name, kind, accuracy, score.total, score.questions,
                             result.path))
    return rows


def similarity_row(result):
    return SuiteRow(result.name, SIMILARITY_KIND, result.spearman, result.pairs, result.size,
                    result.path)


@dataclass
class SuiteResult:
    """Every analogy and similarity result of one set of vectors."""

    analogies: list = field(default_factory=list)
    similarities: list = field(default_factory=list)

    @property
    def rows(self):
        """Analogy rows first (semantic, syntactic, all), then one row per similarity set."""
        rows = [row for result in self.analogies for row in analogy_rows(result)]
        return rows + [similarity_row(result) for result in self.similarities]

    @property
    def results(self):
        return [*self.analogies, *self.similarities]

    def as_dict(self):
        return {"rows": [row.as_dict() for row in self.rows],
                "analogies": [result.as_dict() for result in self.analogies],
                "similarity": [result.as_dict() for result in self.similarities]}


def evaluate_suite(kv, analogy_files, similarity_files, restrict=DEFAULT_RESTRICT,
                   method="add", oov=OOV_SKIP):
    """Score ``kv`` on every analogy and similarity file (all are checked to exist first);
    ``oov``: see ``evaluate_similarity``."""
    for path in (*analogy_files, *similarity_files):
        check_file(path)
    return SuiteResult([evaluate_analogies(kv, p, restrict, method) for p in analogy_files],
                       [evaluate_similarity(kv, p, oov) for p in similarity_files])
