"""Similarity and analogy queries as the command line takes them: parsed from arguments or
stdin lines, answered in batches, unknown words reported per query instead of failing.

Plain Python, no click; the embeddings come from ``w2vns.vectors``.
"""

from dataclasses import dataclass, field
from typing import Optional

from ..errors import printable

ANALOGY_WORDS = 3
INTERACTIVE_BATCH = 1  # a terminal gets each answer as soon as its line is typed
PIPE_BATCH = 256  # piped queries are scored together (one matrix product per batch)


@dataclass
class Query:
    text: str  # as given, e.g. "king queen" (several words: their mean)
    words: list
    line: Optional[int] = None  # stdin line number; None for arguments
    unknown: list = field(default_factory=list)
    problem: Optional[str] = None  # a malformed query
    results: list = field(default_factory=list)  # [(word, score)]
    built: list = field(default_factory=list)  # unknown words given vectors from n-grams

    def notes(self):
        """The stderr lines naming the words whose vectors were built from n-grams."""
        where = f"line {self.line}: " if self.line is not None else ""
        return [f"{where}'{printable(word)}' is not in the vocabulary: its vector is built "
                "from its character n-grams" for word in self.built]

    @property
    def failed(self):
        return bool(self.unknown or self.problem)

    def message(self):
        """The stderr line for a query that could not be answered."""
        where = f"line {self.line}: " if self.line is not None else ""
        if self.problem:
            return where + self.problem
        noun = "word" if len(self.unknown) == 1 else "words"
        context = f" (in '{printable(self.text)}')" if len(self.words) > 1 else ""
        return f"{where}unknown {noun}: {', '.join(map(printable, self.unknown))}{context}"


def similar_query(text, line=None):
    return Query(text, text.split(), line)


def analogy_query(text, line=None):
    query = Query(text, text.split(), line)
    if len(query.words) != ANALOGY_WORDS:
        query.problem = (f"expected three words 'A B C', got {len(query.words)}: "
                         f"'{printable(text.strip())}'")
    return query


def from_arguments(arguments, make):
    """One batch of queries, one per argument."""
    return [[make(text) for text in arguments]]


def from_lines(lines, make, batch_size):
    """Batches of queries from lines (blank lines skipped), numbered from 1."""
    batch = []
    for line_no, text in enumerate(lines, start=1):
        if text.strip():
            batch.append(make(text.strip(), line_no))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _resolve(kv, queries, method):
    """The answerable queries and their row ids; unknown words, or a query vector of zero
    (no direction: 'similar' and 3CosAdd), are noted on the others."""
    ready, ids = [], []
    for query in queries:
        if query.problem:
            continue
        query.built = kv.build(query.words)
        query.unknown = kv.missing(query.words)
        if query.unknown:
            continue
        rows = [kv.index(w) for w in query.words]
        if method != "mul" and not kv.query_vector(rows, method).any():
            query.problem = (f"the query vector of '{printable(query.text)}' is zero (a zero "
                             "word vector, or words that cancel out): it has no neighbours")
            continue
        ready.append(query)
        ids.append(rows)
    return ready, ids


def answer_similar(kv, queries, topn):
    ready, ids = _resolve(kv, queries, "similar")
    for query, results in zip(ready, kv.similar_batch(ids, topn)):
        query.results = results
    return queries


def answer_analogy(kv, queries, topn, method):
    ready, ids = _resolve(kv, queries, method)
    for query, results in zip(ready, kv.analogy_batch(ids, topn, method)):
        query.results = results
    return queries
