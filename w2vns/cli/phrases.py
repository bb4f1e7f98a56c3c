"""The ``phrases`` command: click only, a thin layer over ``w2vns.io.phrases``."""

import click

from .options import W2vnsCommand, quiet_option
from .params import FINITE
from ..logs import stderr_log

EXIT_CODES_HELP = ("Exit codes: 0 success, 1 runtime failure (unreadable input, disk), "
                   "2 usage error (bad option, missing input, bad or colliding output path), "
                   "130/143 interrupted.")
STDOUT = "-"


@click.command(cls=W2vnsCommand, epilog=EXIT_CODES_HELP)
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the text here (add .gz to compress).  [default: stdout]")
@click.option("--min-count", type=int, default=5, show_default=True,
              help="Words and pairs seen fewer times are never joined.")
@click.option("--threshold", type=FINITE, default=100.0, show_default=True,
              help="Join a pair when its score is above this; higher means fewer phrases.")
@click.option("--delimiter", default="_", show_default=True,
              help="Put between the words of a phrase.")
@click.option("--passes", type=int, default=1, show_default=True,
              help="Each pass can join phrases found before: 2 passes find three-word "
                   "phrases.")
@click.option("--encoding", metavar="NAME", default=None,
              help="Encoding of the inputs (latin-1, cp1252, ...); the output is UTF-8.  "
                   "[default: UTF-8, or UTF-16/UTF-32 by a byte order mark]")
@click.option("--binary-ok", is_flag=True,
              help="Read inputs that do not look like text (control characters, or mostly "
                   "not UTF-8 without --encoding) instead of refusing them.")
@click.option("--prune-at", type=int, default=10_000_000, show_default=True,
              help="Distinct words, and distinct pairs, held while counting before the "
                   "rarest are pruned (bounds memory).")
@quiet_option
def phrases(corpus, output, min_count, threshold, delimiter, passes, encoding, binary_ok,
            prune_at, quiet):
    """Join frequent word pairs of CORPUS into one token: new york -> new_york.

    CORPUS: files, URLs or - for stdin. A pair a b is joined when
    (count(ab) - min_count) / (count(a) * count(b)) * total_words > threshold,
    as in the C tool's word2phrase, greedily from left to right. Tokens and sentences
    are those of 'w2vns train': pairs never cross a line. The output has one line
    per input line, words separated by one space; a file is written to a temporary
    file and renamed into place.

    \b
    Examples:
      w2vns phrases corpus.txt -o corpus-phrases.txt
      w2vns phrases corpus.txt --passes 2 --threshold 50 -o corpus-phrases.txt.gz
      zcat logs.gz | w2vns phrases - | w2vns train - -o vectors.bin
    """
    from ..io import phrases as phrasing
    from ..io.outputs import PathPlan, check_paths

    check_paths(PathPlan([("corpus", source) for source in corpus], [("-o", output)]))
    config = phrasing.PhrasesConfig(min_count=min_count, threshold=threshold,
                                    delimiter=delimiter, passes=passes, prune_at=prune_at,
                                    encoding=encoding, binary_ok=binary_ok)
    log = stderr_log(quiet)
    if output is None or output == STDOUT:
        with click.open_file(STDOUT, "wb") as stream:
            phrasing.run(corpus, config, stream=stream, log=log)
    else:
        phrasing.run(corpus, config, output=output, log=log)
