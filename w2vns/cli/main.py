"""The command line: click only, a thin layer over ``w2vns.train`` and friends.

Heavy modules (numpy, numba, smart_open) are imported inside commands so that
``w2vns --help`` starts fast.
"""

import sys
import time

import click

from . import ctool
from . import vectors as cli_vectors
from .estimate import render_table
from .options import W2vnsCommand, quiet_option
from .graph import graph_options, graph_source, walks as walks_command
from .params import FINITE, FiniteFloat
from .phrases import phrases as phrases_command
from ..errors import (EXIT_FAILURE, EXIT_SIGINT, EXIT_SIGTERM, EXIT_USAGE, Interrupted,
                      W2vnsError)
from ..io import ngram_defaults
from ..logs import stderr_log
from ..signals import handle_signals, interrupted_message, raise_interrupted
from ..training import budget, devices, objectives
from ..training import config as configuration
from ..training.launch import launched_rank

EXIT_CODES_HELP = ("Exit codes: 0 success, 1 runtime failure (bad data, divergence, disk), "
                   "2 usage error (bad option, missing input, bad or colliding output path), "
                   "130/143 interrupted (SIGINT/SIGTERM).")
DEFAULT_CHECKPOINT_MINUTES = 10.0
# What click (8.2 and later) raises for a bare `w2vns`; click 8.1 prints the help itself.
NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())
# Failures every process of a distributed run meets alike: only the first one reports them.
SHARED_EXITS = (EXIT_USAGE, EXIT_SIGINT, EXIT_SIGTERM)
DEFAULT_PEER_TIMEOUT = 30.0  # as training.distributed.DEFAULT_PEER_TIMEOUT (--help stays light)
PROCESS_STARTED = "process_started"  # the context's record of when the process started


class W2vnsGroup(click.Group):
    """Turns every failure into one ``Error: ...`` line on stderr and an exit code."""

    command_class = W2vnsCommand

    def main(self, args=None, prog_name=None, **extra):
        extra.pop("standalone_mode", None)
        try:
            with handle_signals(raise_interrupted):
                code = super().main(args=args, prog_name=prog_name, standalone_mode=False,
                                    **extra)
        except click.exceptions.Exit as done:
            code = done.exit_code
        except NO_ARGS_IS_HELP as bare:  # plain `w2vns`: its help, once
            click.echo(bare.ctx.get_help())
            code = 0
        except click.UsageError as exc:
            hint = f" See '{exc.ctx.command_path} --help'." if exc.ctx is not None else ""
            _fail(f"{exc.format_message()}{hint}", EXIT_USAGE)
        except W2vnsError as exc:
            _fail(str(exc), exc.exit_code)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except (KeyboardInterrupt, click.exceptions.Abort):
            _fail("interrupted (SIGINT); no output was written.", EXIT_SIGINT)
        except Interrupted as stop:
            _fail(interrupted_message(stop), stop.exit_code)
        except MemoryError:
            _fail("out of memory. Lower --dim, --max-vocab, --threads or --batch-words, or "
                  "free memory, and run again.", EXIT_FAILURE)
        sys.exit(code or 0)


def _started():
    """When the command started: the process's start when run as a program (``main``),
    else now (a --time-budget counts from then)."""
    obj = click.get_current_context().obj
    return obj[PROCESS_STARTED] if isinstance(obj, dict) and PROCESS_STARTED in obj \
        else time.perf_counter()


def _fail(message, code):
    if code not in SHARED_EXITS or not launched_rank():  # under mpiexec, the first one tells
        click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@click.group(name="w2vns", cls=W2vnsGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=EXIT_CODES_HELP)
@click.version_option(package_name="w2vns")
def cli():
    """w2vns: fast word2vec training (skip-gram and CBOW with negative sampling).

    \b
    Examples:
      w2vns train corpus.txt -o vectors.bin
      zcat corpus.gz | w2vns train - -o vectors.txt
      w2vns similar vectors.bin king queen
    """


def training_options(func):
    """The options that map one-to-one onto TrainConfig fields."""
    options = [
        click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     help="TOML file of defaults (see configs/); options given here win."),
        click.option("--model", type=click.Choice(["sg", "cbow"]), default=None,
                     help="Skip-gram or CBOW.  [default: sg]"),
        click.option("--dim", type=int, default=None, help="Vector size.  [default: 100]"),
        click.option("--window", type=int, default=None,
                     help="Max context words on each side (randomly shrunk).  [default: 5]"),
        click.option("--shrink-windows/--no-shrink-windows", default=None,
                     help="Shrink each window to a random 1..--window words a side (as the "
                          "C tool and gensim), or use every word within --window (items, "
                          "walks: a --window longer than the sequences spans them whole).  "
                          "[default: shrink]"),
        click.option("--negative", type=int, default=None,
                     help="Noise words per positive example.  [default: 5]"),
        click.option("--epochs", type=int, default=None,
                     help="Passes over the corpus; with --time-budget, at most this many.  "
                          "[default: 5; none with --time-budget]"),
        click.option("--alpha", type=FINITE, default=None,
                     help=f"Start learning rate.  [default: {configuration.SG_ALPHA:g} sg, "
                          f"{configuration.SG_SUBWORD_ALPHA:g} sg with --subwords, "
                          f"{configuration.CBOW_ALPHA:g} cbow]"),
        click.option("--min-alpha", type=FINITE, default=None,
                     help="Final learning rate.  [default: alpha x "
                          f"{configuration.min_alpha_ratio('sg'):g} sg, alpha x "
                          f"{configuration.min_alpha_ratio('cbow'):g} cbow, alpha x "
                          f"{configuration.min_alpha_ratio('sg', subwords=True):g} sg with "
                          "--subwords]"),
        click.option("--sample", type=FINITE, default=None,
                     help="Subsampling threshold for frequent words; 0 disables.  [default: 1e-3]"),
        click.option("--min-count", type=int, default=None,
                     help="Ignore words seen fewer times.  [default: 5]"),
        click.option("--max-vocab", type=int, default=None,
                     help="Keep only the N most frequent words."),
        click.option("--prune-at", type=int, default=None,
                     help="Distinct words held while counting before rare ones are pruned "
                          "(bounds memory).  [default: 10000000]"),
        click.option("--ns-exponent", type=FINITE, default=None,
                     help="Noise distribution count^x; 0 uniform, negative allowed.  [default: 0.75]"),
        click.option("--ns-strategy", type=click.Choice(objectives.NAMES), default=None,
                     help=objectives.strategy_help()),
        click.option("--ns-pool", type=int, default=None, help=objectives.pool_help()),
        click.option("--share-negatives/--no-share-negatives", default=None,
                     help="Skip-gram: one draw of negatives per centre word shared by its window, "
                          "or a fresh draw per (centre, context) pair.  [default: share]"),
        click.option("--hs/--no-hs", default=None,
                     help="Hierarchical softmax (Huffman tree); with --negative > 0 both losses "
                          "are summed.  [default: off]"),
        click.option("--cbow-mean/--cbow-sum", default=None,
                     help="CBOW: mean or sum of context vectors.  [default: mean]"),
        click.option("--cbow-grad", type=click.Choice(["mean", "sum"]), default=None,
                     help="CBOW: each context word takes the input's gradient divided by the "
                          "number of context words (mean), or the whole of it (sum, as the "
                          "C tool).  [default: sum with --cbow-mean, mean with --cbow-sum]"),
        click.option("--context-weight", type=FINITE, default=None,
                     help="Write each word's input vector plus this many times its context "
                          "(output) vector; 0 writes the input vectors alone, as the C tool "
                          "and gensim (on small corpora, better for rare words).  [default: "
                          f"{configuration.CONTEXT_WEIGHT['cbow']:g} cbow, "
                          f"{configuration.CONTEXT_WEIGHT['sg']:g} sg; 0 with --subwords or "
                          "--negative 0]"),
        click.option("--loss", type=click.Choice(objectives.LOSS_NAMES), default=None,
                     help=objectives.loss_help()),
        click.option("--threads", type=int, default=None,
                     help="Threads for training and for reading the corpus.  [default: all cores]"),
        click.option("--seed", type=int, default=None,
                     help="Random seed; with --threads 1 runs are reproducible.  [default: 1]"),
        click.option("--batch-words", type=int, default=None,
                     help="Words per thread per kernel call: a batch is threads x this many "
                          "words of the encoded corpus, cut at a sentence end; progress, "
                          "Ctrl-C and adaptive noise act between batches.  [default: 200000]"),
        click.option("--max-sentence-length", type=int, default=None,
                     help="Longer sentences are cut into chunks of this many words.  "
                          "[default: 10000]"),
        click.option("--encoding", metavar="NAME", default=None,
                     help="Encoding of the inputs (latin-1, cp1252, utf-16, ...); they are "
                          "decoded and re-encoded to UTF-8.  [default: UTF-8, invalid bytes "
                          "replaced by U+FFFD and counted; UTF-16/UTF-32 by a byte order "
                          "mark]"),
        click.option("--binary-ok", is_flag=True, default=None,
                     help="Read inputs that do not look like text (control characters, or "
                          "mostly not UTF-8 without --encoding) instead of refusing them."),
        click.option("--device", type=click.Choice(devices.NAMES), default=None,
                     help="Train on the CPU or on a CUDA GPU (needs pip install "
                          "'w2vns[cuda]').  [default: cpu]"),
        click.option("--sync-words", type=int, default=None, metavar="N",
                     help="Under mpiexec: add up the processes' changes to the model every N "
                          "words (all processes together).  [default: 500000]"),
        click.option("--format", "format", type=click.Choice(["text", "binary"]), default=None,
                     help="Output format.  [default: from the extension: .bin binary, "
                          ".txt/.vec text]"),
        click.option("--subwords/--no-subwords", default=None,
                     help="Subword vectors, as fastText: a word's input vector is the mean of "
                          "its own and its character n-grams' (--minn to --maxn characters, "
                          "with < > marking the word's ends; --bucket hashed rows); unknown "
                          "words get vectors from their n-grams.  [default: no]"),
        click.option("--minn", type=int, default=None, metavar="N",
                     help=f"With --subwords: the shortest n-gram, in characters.  "
                          f"[default: {ngram_defaults.DEFAULT_MINN}]"),
        click.option("--maxn", type=int, default=None, metavar="N",
                     help=f"With --subwords: the longest n-gram, in characters; 0 turns "
                          f"n-grams off.  [default: {ngram_defaults.DEFAULT_MAXN}]"),
        click.option("--bucket", type=int, default=None, metavar="N",
                     help=f"With --subwords: rows of the hashed n-gram matrix (fastText's "
                          f"hash: ids match fastText's).  "
                          f"[default: {ngram_defaults.DEFAULT_BUCKET}]"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("corpus", nargs=-1)
@click.option("-o", "--output", type=click.Path(),
              help="Vectors file (.bin, .txt, .vec; add .gz to compress).")
@training_options
@click.option("--save-context", type=click.Path(), help="Also write the context (output) vectors.")
@click.option("--save-vocab", type=click.Path(), help="Write 'word count' lines of the vocabulary.")
@click.option("--read-vocab", type=click.Path(),
              help="Use this vocabulary ('word count' lines) instead of counting.")
@click.option("--save-model", type=click.Path(dir_okay=False),
              help="Also write the whole model (vocabulary, counts, weights, options) in one "
                   "checked file, for --init-from.")
@click.option("--save-fasttext", type=click.Path(dir_okay=False),
              help="With --subwords: also write the model as fastText's .bin (the n-gram "
                   "vectors included), which fastText, gensim and w2vns's vectors commands "
                   "read.")
@click.option("--init-from", type=click.Path(dir_okay=False),
              help="Continue the model saved with --save-model on CORPUS: known words start "
                   "from their vectors, new words are added, counts are merged.")
@click.option("--checkpoint-dir", type=click.Path(file_okay=False),
              help="Keep the encoded corpus and periodic checkpoints here; Ctrl-C or SIGTERM "
                   "then saves one before stopping. Removed after success.")
@click.option("--checkpoint-every", type=FiniteFloat(low=0), default=None, metavar="MINUTES",
              help=f"Minutes between checkpoints.  [default: {DEFAULT_CHECKPOINT_MINUTES:g}]")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False),
              help="Continue the run checkpointed in this directory.")
@click.option("--force", is_flag=True,
              help="With --resume: continue even if the corpus or options changed.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Write a JSON report of the run here at the end, success or not.")
@click.option("--log-file", type=click.Path(dir_okay=False),
              help="Append log lines (progress every few seconds) to this file.")
@quiet_option
@click.option("--peer-timeout", type=FiniteFloat(low=0, low_open=True), default=None,
              metavar="SECONDS",
              help="Under mpiexec: stop with an error when another process has not answered "
                   f"for this long.  [default: {DEFAULT_PEER_TIMEOUT:g}]")
@click.option("--time-budget", metavar="DURATION", default=None,
              help="Train to a deadline: the whole run (reading, training, writing) ends "
                   "within DURATION (90s, 45m, 2h, 1h30m, or seconds) from the start. The "
                   "epochs that fit are planned from a short calibration; the learning rate "
                   "decays with the time left, reaching --min-alpha at the deadline, where "
                   "training stops (the last epoch partial). --epochs, if given, is then a "
                   "maximum. A resumed run continues with the time its checkpoint left.")
@click.option("--graph", multiple=True, metavar="GRAPH",
              help="Train node vectors on random walks over this graph (edge lists as "
                   "'w2vns walks' reads them) instead of a CORPUS. Repeatable.")
@graph_options
def train(corpus, **given):
    """Train word vectors on CORPUS: files, URLs, or - for stdin.

    Compressed inputs (.gz, .bz2, .zst) are read directly. A newline ends a
    sentence; context windows never cross one. With --threads 1 and a --seed,
    two runs give byte-identical files; more threads are not deterministic.

    With --graph instead of CORPUS, the corpus is the random walks over the graph
    (DeepWalk's, or node2vec's with --p and --q; see 'w2vns walks'), made by all
    threads as the reading pass takes them, with no text in between; node2vec's
    settings are the defaults: --dim 128, --window 10, --epochs 1, --min-count 1.
    Under mpiexec every process walks its share of the walks.

    \b
    Examples:
      w2vns train corpus.txt -o vectors.bin
      w2vns train a.txt.gz b.txt.bz2 -o vectors.txt --model cbow --dim 200
      zcat corpus.gz | w2vns train - -o vectors.txt
      w2vns train --config configs/text8-sg.toml corpus.txt -o v.bin
      w2vns train big.txt -o v.bin --checkpoint-dir ck --report run.json
      w2vns train big.txt -o v.bin --time-budget 45m
      w2vns train --resume ck
      w2vns train today.txt --init-from yesterday.model --save-model today.model -o v.bin
      w2vns train corpus.txt -o vectors.bin --device cuda
      mpiexec -n 4 w2vns train corpus.txt -o vectors.bin --threads 4
      w2vns train --graph edges.txt -o nodes.bin --p 0.25 --q 4
    """
    started = _started()
    import dataclasses

    from ..training.runner import TrainRequest, run_train

    given["started"] = started
    given["checkpoint_every"] = given["checkpoint_every"] or DEFAULT_CHECKPOINT_MINUTES
    given["peer_timeout"] = given["peer_timeout"] or DEFAULT_PEER_TIMEOUT
    graph = graph_source(given)
    request = TrainRequest.from_command_line(corpus, given, sys.argv[1:])
    run_train(dataclasses.replace(request, graph=graph) if graph is not None else request)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("corpus", nargs=-1)
@training_options
@click.option("--words", type=int, default=None, metavar="N",
              help="Plan without a corpus: N corpus words (with --vocab).")
@click.option("--vocab", type=int, default=None, metavar="V",
              help="Plan without a corpus: a vocabulary of V words (with --words).")
@click.option("--zipf-exponent", type=FINITE, default=1.0, show_default=True,
              help="--words mode: word counts follow Zipf's law, count of rank r ~ r^-x.")
@click.option("--sentence-length", type=int, default=25, show_default=True,
              help="--words mode: words per sentence (every sentence this long).")
@click.option("--sample-bytes", type=int, default=None, metavar="N",
              help="Read only the first N bytes of each input and scale by the inputs' "
                   "sizes (faster, approximate).")
@click.option("--calibration-seconds", type=FiniteFloat(low=0, low_open=True), default=3.0,
              show_default=True,
              help="Length of the calibration training run that times this machine.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of a table.")
@quiet_option
def estimate(corpus, config_path, words, vocab, zipf_exponent, sentence_length, sample_bytes,
             calibration_seconds, as_json, quiet, **options):
    """What training on CORPUS will cost, before it starts: pairs, logistic terms,
    batches, memory, disk and time.

    Takes every option of train (same names, same defaults). Counts come from one
    reading pass over CORPUS (the tokenizer and vocabulary of train); time from a
    short real training run with the same options on the first words, extrapolated.
    Counts are totals over all epochs.

    \b
    Examples:
      w2vns estimate corpus.txt
      w2vns estimate big.txt.gz --model cbow --window 8 --epochs 10 --json
      w2vns estimate huge.txt --sample-bytes 100000000
      w2vns estimate --words 1000000000 --vocab 500000 --dim 300
    """
    import json

    from ..training.estimate import EstimateRequest, estimate as run_estimate

    cfg = configuration.build(config_path, **options)
    request = EstimateRequest(sources=list(corpus), sample_bytes=sample_bytes, words=words,
                              vocab=vocab, zipf_exponent=zipf_exponent,
                              sentence_words=sentence_length,
                              calibration_seconds=calibration_seconds)
    result = run_estimate(request, cfg, log=stderr_log(quiet))
    if as_json:
        click.echo(json.dumps(result.as_dict()))
    else:
        click.echo(render_table(result))


for _command in (*cli_vectors.COMMANDS, phrases_command, walks_command, *ctool.COMMANDS):
    cli.add_command(_command)


def main(args=None, **extra):
    """The w2vns program: the commands, knowing when the process started (a
    --time-budget counts from then)."""
    extra.setdefault("obj", {PROCESS_STARTED: time.perf_counter() - budget.process_age()})
    return cli.main(args=args, prog_name="w2vns", **extra)
