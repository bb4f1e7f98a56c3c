"""Formatting of query answers and evaluation results: aligned tables for a terminal,
TSV for pipes, JSON lines for programs. The JSON is standard: a NaN or infinity, which
JSON cannot hold, raises instead of being written (the scores are finite by construction)."""

import json
import unicodedata

TSV_DECIMALS = 6
TABLE_DECIMALS = 4
COLUMN_GAP = "  "
METHOD_NAMES = {"add": "3CosAdd", "mul": "3CosMul"}


def display_width(text):
    """Terminal columns: East Asian wide characters take two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def pad(text, width):
    return text + " " * max(0, width - display_width(text))


def tsv_lines(query):
    """query<TAB>word<TAB>score, one line per result."""
    return [f"{query.text}\t{word}\t{score:.{TSV_DECIMALS}f}" for word, score in query.results]


def json_line(query, score_key):
    """One JSON object per query: its results, or why there are none."""
    record = {"query": query.text,
              "results": [{"word": word, score_key: score} for word, score in query.results]}
    if query.unknown:
        record["unknown"] = query.unknown
    if query.problem:
        record["error"] = query.problem
    return json.dumps(record, ensure_ascii=False, allow_nan=False)


def table_lines(query, score_name):
    """The query on a header line, then rank, word and score in aligned columns."""
    ranks = [str(rank) for rank in range(1, len(query.results) + 1)]
    words = [word for word, _ in query.results]
    scores = [f"{score:.{TABLE_DECIMALS}f}" for _, score in query.results]
    rank_width = max(map(len, ranks), default=1)
    word_width = max(map(display_width, words), default=0)
    left = max(rank_width + len(COLUMN_GAP) + word_width, display_width(query.text))
    score_width = max([len(score_name)] + [len(s) for s in scores])
    lines = [pad(query.text, left) + COLUMN_GAP + score_name.rjust(score_width)]
    for rank, word, score in zip(ranks, words, scores):
        cell = rank.rjust(rank_width) + COLUMN_GAP + word
        lines.append(pad(cell, left) + COLUMN_GAP + score.rjust(score_width))
    return lines


def _percent(part, whole):
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def analogy_report(result):
    """Lines: accuracy per section, then semantic, syntactic, total and the skipped count."""
    scope = f"the first {result.restrict:,} words" if result.restrict else "the vocabulary"
    lines = [f"analogies: {result.path} ({METHOD_NAMES[result.method]}, {scope})"]
    rows = result.sections + [None, result.semantic, result.syntactic, result.total]
    width = max([len("section")] + [len(s.name) for s in rows if s is not None])
    lines.append(f"  {'section':<{width}}  {'correct':>7}  {'total':>6}  {'accuracy':>8}")
    for score in rows:
        if score is None:
            lines.append("  " + "-" * (width + 27))
            continue
        lines.append(f"  {score.name:<{width}}  {score.correct:>7,}  {score.total:>6,}  "
                     f"{_percent(score.correct, score.total):>8}")
    lines.append(f"  skipped {result.oov:,} of {result.questions:,} questions "
                 f"({_percent(result.oov, result.questions)}): a word outside {scope}")
    if result.malformed:
        lines.append(f"  ignored {result.malformed:,} malformed line(s)")
    return lines


def _correlation(value):
    return "-" if value is None else f"{value:.4f}"


def similarity_report(result):
    """Lines: pairs scored and skipped, Spearman and Pearson correlation."""
    seen = result.pairs + result.oov
    lines = [f"similarity: {result.path}",
             f"  pairs {result.pairs:,} of {seen:,}, skipped {result.oov:,} "
             f"({_percent(result.oov, seen)}) with an unknown word",
             f"  Spearman {_correlation(result.spearman)}  Pearson {_correlation(result.pearson)}"]
    if result.malformed:
        lines.append(f"  ignored {result.malformed:,} malformed line(s)")
    return lines


def evaluation_json(vectors, analogies, similarities):
    return json.dumps({"vectors": vectors, "analogies": [r.as_dict() for r in analogies],
                       "similarity": [r.as_dict() for r in similarities]},
                      ensure_ascii=False, allow_nan=False)
