#!/usr/bin/env python
"""Time ``w2vns phrases`` against gensim's Phrases and the C tool's word2phrase.

All tools read the same text: the first ``--bytes`` of the corpus split into
1000-word lines (gensim needs lines; phrases never cross one in any tool), and each
runs in its own process with the same --min-count and --threshold and the word2phrase
score, (count(ab) - min_count) / (count(a) count(b)) * total_words (gensim through a
scoring function: its default multiplies by the vocabulary size instead). The table
gives wall seconds, peak RSS, the pairs joined, and the share of output lines that
are identical to w2vns's.

word2phrase is taken from $WORD2PHRASE or PATH; without it that row is skipped.

    python scripts/bench_phrases.py                      # first 20 MB of the standard corpus
    python scripts/bench_phrases.py --corpus my.txt.gz --bytes 0   # all of it
"""

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))
DEFAULT_CORPUS = os.path.join(SHARED, "corpora", "text8_like.txt.gz")
DEFAULT_BYTES = 20_000_000
LINE_WORDS = 1000
READ_BLOCK = 1 << 20
DELIMITER = "_"

GENSIM_PHRASES = """
import sys
from gensim.models.phrases import Phrases
from gensim.models.word2vec import LineSentence

def word2phrase_score(worda_count, wordb_count, bigram_count, len_vocab, min_count,
                      corpus_word_count):
    return (bigram_count - min_count) / (worda_count * wordb_count) * corpus_word_count

corpus, out, min_count, threshold = sys.argv[1:5]
model = Phrases(LineSentence(corpus), min_count=int(min_count), threshold=float(threshold),
                scoring=word2phrase_score)
with open(out, "w") as handle:
    for sentence in LineSentence(corpus):
        handle.write(" ".join(model[sentence]) + "\\n")
"""


def prepare(src, dst, limit_bytes):
    """The first ``limit_bytes`` of ``src`` (whole words), as LINE_WORDS-word lines."""
    opener = gzip.open if src.endswith(".gz") else open
    read, carry, pending, words_out = 0, "", [], 0
    with opener(src, "rt", encoding="utf-8", errors="replace") as fin, \
            open(dst, "w", encoding="utf-8") as fout:
        while not limit_bytes or read < limit_bytes:
            size = READ_BLOCK if not limit_bytes else min(READ_BLOCK, limit_bytes - read)
            block = fin.read(size)
            read += len(block)
            last = not block or (limit_bytes and read >= limit_bytes)
            words = (carry + block).split()
            carry = "" if last or not block or block[-1].isspace() or not words else words.pop()
            if last and limit_bytes and block and not block[-1].isspace() and words:
                words.pop()  # a word cut by the byte limit
            pending += words
            while len(pending) >= LINE_WORDS or (last and pending):
                line, pending = pending[:LINE_WORDS], pending[LINE_WORDS:]
                fout.write(" ".join(line) + "\n")
                words_out += len(line)
            if last:
                break
    return words_out


def timed(cmd):
    """(wall seconds, peak RSS bytes) of a command; exits on failure."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench_phrases: {cmd[0]} failed:\n{err}")
    return wall, usage.ru_maxrss * 1024


def joined_pairs(path):
    with open(path, encoding="utf-8", errors="replace") as handle:
        return sum(line.count(DELIMITER) for line in handle)


def same_lines(a, b):
    with open(a, encoding="utf-8", errors="replace") as fa, \
            open(b, encoding="utf-8", errors="replace") as fb:
        pairs = list(zip(fa, fb))
    return sum(x.split() == y.split() for x, y in pairs) / max(len(pairs), 1)


def word2phrase_binary():
    found = os.environ.get("WORD2PHRASE") or shutil.which("word2phrase")
    return found if found and os.access(found, os.X_OK) else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--bytes", type=int, default=DEFAULT_BYTES,
                        help="use only this many bytes of the corpus (0: all)")
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=100.0)
    parser.add_argument("--out", default="bench-out")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    text = os.path.join(args.out, "phrases-input.txt")
    words = prepare(args.corpus, text, args.bytes)
    print(f"input: {words:,} words in {LINE_WORDS}-word lines ({text})")
    options = ["--min-count", str(args.min_count), "--threshold", str(args.threshold)]
    python = sys.executable
    # warm the Numba cache on a tiny input, so compiling is not timed
    tiny = os.path.join(args.out, "phrases-tiny.txt")
    with open(tiny, "w") as handle:
        handle.write("a b c\n")
    timed([python, "-m", "w2vns", "phrases", tiny, "-o", tiny + ".out", "-q"])
    rows = []
    ours = os.path.join(args.out, "phrases-w2vns.txt")
    rows.append(("w2vns", *timed([python, "-m", "w2vns", "phrases", text, "-o", ours, "-q",
                                  *options]), ours))
    theirs = os.path.join(args.out, "phrases-gensim.txt")
    rows.append(("gensim", *timed([python, "-c", GENSIM_PHRASES, text, theirs,
                                   str(args.min_count), str(args.threshold)]), theirs))
    binary = word2phrase_binary()
    if binary:
        c_out = os.path.join(args.out, "phrases-word2phrase.txt")
        rows.append(("word2phrase", *timed([binary, "-train", text, "-output", c_out,
                                            "-min-count", str(args.min_count),
                                            "-threshold", str(args.threshold)]), c_out))
    else:
        print("word2phrase: skipped (not found on PATH nor in $WORD2PHRASE)")
    print("\n| tool | wall s | words/s | peak RSS | pairs joined | lines as w2vns |")
    print("|---|---|---|---|---|---|")
    for name, wall, rss, out in rows:
        print(f"| {name} | {wall:.1f} | {words / wall / 1e6:.2f}M | {rss / 2**20:.0f} MB | "
              f"{joined_pairs(out):,} | {same_lines(ours, out):.1%} |")


if __name__ == "__main__":
    main()
