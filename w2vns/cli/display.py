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


SUITE_HEADER = ("set", "kind", "score", "used", "OOV")
SUITE_LEFT_COLUMNS = 2  # set and kind are left-aligned, the numbers right-aligned


def _percent(part, whole):
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def _score(value):
    return "-" if value is None else f"{value:.{TABLE_DECIMALS}f}"


def suite_table(rows):
    """The suite as aligned columns: set, kind, score, used/size and the OOV share."""
    cells = [SUITE_HEADER] + [
        (row.name, row.kind, _score(row.score), f"{row.used:,}/{row.size:,}",
         _percent(row.size - row.used, row.size)) for row in rows]
    widths = [max(display_width(line[i]) for line in cells) for i in range(len(SUITE_HEADER))]
    lines = []
    for line in cells:
        parts = [pad(text, width) if i < SUITE_LEFT_COLUMNS
                 else " " * (width - display_width(text)) + text
                 for i, (text, width) in enumerate(zip(line, widths))]
        lines.append(COLUMN_GAP.join(parts))
    return lines


def suite_legend(suite):
    """What the columns mean, then a note for each file with malformed lines."""
    score = "Spearman's rho"
    if suite.analogies:
        first = suite.analogies[0]
        scope = f"the first {first.restrict:,} words" if first.restrict else "every word"
        score = (f"analogy accuracy ({METHOD_NAMES[first.method]}, {scope} searched), "
                 f"else {score}")
    lines = [f"score: {score}",
             "used: questions or pairs scored / in the set; OOV: the share skipped for an "
             "unknown word"]
    for result in suite.results:
        if result.malformed:
            lines.append(f"note: ignored {result.malformed:,} malformed line(s) in "
                         f"'{result.path}', the first at line {result.first_malformed}")
    return lines


def evaluation_json(vectors, suite, graph=()):
    """The suite's results, then those of node classification and link prediction."""
    record = {"vectors": vectors, **suite.as_dict()}
    for key in ("node_classification", "links"):
        results = [r.as_dict() for r in graph if r.KEY == key]
        if results:
            record[key] = results
    return json.dumps(record, ensure_ascii=False, allow_nan=False)
