"""One training run as the command line asks for it: options, resume checks, signals,
log file and the JSON report around ``outputs.train_to_files``, which receives it as one
``run.Run``. Plain Python, no click."""

import contextlib
import dataclasses
import os
import time
from dataclasses import dataclass, field
from typing import Optional

from . import budget
from . import checkpoint as ckpt
from . import config as configuration
from . import distributed
from . import model_file
from . import walks
from ..io.atomic import check_writable
from ..io.outputs import PathPlan, WorkDirectory, check_paths
from ..errors import InputError, Interrupted, UsageError, W2vnsError
from .report import RunReport, describe_inputs
from ..logs import stderr_log
from ..signals import handle_signals, interrupted_message
from .outputs import train_to_files
from .run import Run, StopControl

STOP_SIGNALS = ("SIGINT", "SIGTERM")
MUST_BE_FILES = ("--save-model", "--save-fasttext", "--log-file")  # outputs that cannot be '-' (stdout)
# A model file read whole at the start and replaced atomically at the end: one file allowed.
CONTINUED_IN_PLACE = frozenset({("--init-from", "--save-model")})
# Options a resumed run may set to other values than its checkpoint's without --force.
RESUME_MAY_CHANGE = ("device", "context_weight")


@dataclass
class TrainRequest:
    corpus: list
    output: Optional[str]
    config_path: Optional[str] = None
    options: dict = field(default_factory=dict)
    save_context: Optional[str] = None
    save_vocab: Optional[str] = None
    read_vocab: Optional[str] = None
    checkpoint_dir: Optional[str] = None
    checkpoint_every: float = 10.0
    resume_dir: Optional[str] = None
    force: bool = False
    report_path: Optional[str] = None
    log_file: Optional[str] = None
    quiet: bool = False
    argv: Optional[list] = None
    save_model: Optional[str] = None
    save_fasttext: Optional[str] = None
    init_from: Optional[str] = None
    peer_timeout: float = distributed.DEFAULT_PEER_TIMEOUT  # under mpiexec
    graph: Optional[walks.GraphSource] = None  # the corpus is the walks over this graph
    started: Optional[float] = None  # time.perf_counter() at the command's start

    @classmethod
    def from_command_line(cls, corpus, given, argv):
        """The request of ``w2vns train``: ``given`` holds the command's values by name;
        those that are not the request's own are training options."""
        own = {name: given.pop(name) for name in list(given) if name in REQUEST_FIELDS}
        return cls(corpus=list(corpus), options=given, argv=argv, **own)


REQUEST_FIELDS = frozenset(f.name for f in dataclasses.fields(TrainRequest)) - {"options"}


@contextlib.contextmanager
def _logger(path, cluster=None, quiet=False):
    """A log callable writing to stderr (with ``quiet``, warnings alone) and, if given,
    appending every line to a file (under mpiexec, only the first process logs)."""
    if cluster is not None and not cluster.is_root:
        yield (lambda message: None), None
        return
    if path:
        check_writable(path, "--log-file")
    handle = open(path, "a", encoding="utf-8") if path else None

    def to_file(message):
        if handle is not None:
            handle.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")
            handle.flush()

    show = stderr_log(quiet)

    def log(message):
        show(message)
        to_file(message)

    try:
        yield log, (to_file if handle is not None else None)
    finally:
        if handle is not None:
            handle.close()


def run_train(request):
    """Run one training as asked; always writes the report (if asked) before returning.

    Under mpiexec with several processes, each one trains its share and the first one
    alone logs and writes the outputs, checkpoints and report. A path that collides with
    another is refused before anything is read, logged or reported."""
    check_paths(path_plan(request))
    cluster = distributed.connect(request.peer_timeout)
    if cluster is not None and not cluster.is_root:
        request = dataclasses.replace(request, report_path=None, log_file=None, quiet=True)
    elif request.resume_dir and not request.report_path:  # the report of the run it completes
        request = dataclasses.replace(
            request, report_path=ckpt.recorded_outputs(request.resume_dir).get("report"))
    report = RunReport(request.report_path, request.argv) if request.report_path else None
    clean = False
    try:
        if report is not None:
            check_writable(request.report_path, "--report")
        with _logger(request.log_file, cluster, request.quiet) as (log, log_file):
            _run(request, report, log, log_file, cluster)
        clean = True
    except Interrupted as stop:
        _finish(report, "interrupted", stop.exit_code, interrupted_message(stop))
        raise
    except W2vnsError as exc:
        _finish(report, "failed", exc.exit_code, str(exc))
        raise
    except Exception as exc:
        _finish(report, "failed", 1, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if cluster is not None:
            cluster.close(clean)
    _finish(report, "ok", 0)


def path_plan(request):
    """Every path the run reads and writes; a resumed run's inputs and outputs are those
    its checkpoint records, unless given again."""
    recorded = ckpt.recorded_meta(request.resume_dir) if request.resume_dir else {}
    saved = recorded.get("outputs", {})
    corpus = list(request.corpus) + [item[0] for item in recorded.get("fingerprint", [])
                                     if item[1] is not None]  # local files of the first run
    graph = request.graph.sources if request.graph is not None else []
    hold = request.graph.hold_out if request.graph is not None else None
    inputs = [("corpus", source) for source in corpus] + [
        ("--config", request.config_path), ("--read-vocab", request.read_vocab),
        ("--init-from", request.init_from)] + [("--graph", source) for source in graph]
    outputs = [("-o", request.output or saved.get("output")),
               ("--save-context", request.save_context or saved.get("save_context")),
               ("--save-vocab", request.save_vocab),
               ("--save-model", request.save_model or saved.get("save_model")),
               ("--save-fasttext", request.save_fasttext or saved.get("save_fasttext")),
               ("--report", request.report_path), ("--log-file", request.log_file),
               ("--hold-out-file", hold.path if hold is not None else None)]
    directories = [WorkDirectory(label, path, ckpt.OWN_FILES) for label, path in
                   (("--checkpoint-dir", request.checkpoint_dir),
                    ("--resume", request.resume_dir)) if path]
    return PathPlan(inputs, outputs, directories, stdout_refused=MUST_BE_FILES,
                    may_replace=CONTINUED_IN_PLACE)


def _finish(report, status, code, error=None):
    if report is None:
        return
    report.finish(status, code, error)
    with contextlib.suppress(W2vnsError, OSError):
        report.write()


def _run(request, report, log, log_file, cluster=None):
    checkpoint = saved = None
    save_model, save_fasttext = request.save_model, request.save_fasttext
    if request.resume_dir:
        if request.init_from:
            raise UsageError("--init-from starts a new run; --resume continues the checkpointed "
                             "one (which already holds the model it started from).")
        if request.graph is not None:
            raise UsageError("--graph starts a new run; --resume continues the checkpointed "
                             "one (which already holds its walks).")
        checkpoint, cfg, sources, output, save_context = _prepare_resume(request, log)
        recorded = checkpoint.meta.get("outputs", {})
        save_model = save_model or recorded.get("save_model")
        save_fasttext = save_fasttext or recorded.get("save_fasttext")
    else:
        cfg, saved, sources = _prepare_fresh(request, log, cluster)
        output, save_context = request.output, request.save_context
    if report is not None:
        report.set(options=dataclasses.asdict(cfg), device=cfg.device,
                   corpus=describe_inputs(request.graph.sources if request.graph is not None
                                          else sources),
                   checkpoint_dir=request.resume_dir or request.checkpoint_dir,
                   init_from=request.init_from)
    run = Run(sources, cfg, output=output, save_context=save_context,
              save_vocab=request.save_vocab, save_model=save_model,
              save_fasttext=save_fasttext,
              read_vocab=request.read_vocab, init_from=saved,
              checkpoint_dir=request.checkpoint_dir, checkpoint_every=request.checkpoint_every,
              resume_from=checkpoint, stop=StopControl(), log=log, log_file=log_file,
              quiet=request.quiet, report=report, cluster=cluster,
              started=time.perf_counter() if request.started is None else request.started)
    with handle_signals(run.stop.request, STOP_SIGNALS):
        train_to_files(run)


def _prepare_fresh(request, log, cluster):
    """(options, the saved model continued or None, sources) of a new run: its corpus, or
    the walks over its graph (with node2vec's defaults)."""
    graph = request.graph
    if graph is not None and request.corpus:
        raise UsageError("give a CORPUS or --graph GRAPH, not both: the walks over the graph "
                         "are the corpus.")
    if not request.corpus and graph is None:
        raise UsageError("no corpus given. Pass one or more files, URLs, or - for stdin.")
    if not request.output:
        raise UsageError("no output given. Pass -o vectors.bin (or .txt, .vec).")
    options = (request.options if graph is None
               else walks.graph_defaults(request.options, request.config_path))
    cfg, saved = configure(request.config_path, options, request.init_from, request.read_vocab)
    if graph is None:
        return cfg, saved, request.corpus
    return cfg, saved, walks.graph_sequences(graph, cfg, cluster, log)


def configure(config_path, options, init_from=None, read_vocab=None):
    """The run's resolved options and, with ``init_from``, the saved model it continues
    (whose dim, model and objective are used unless given)."""
    if not init_from:
        return configuration.build(config_path, **options), None
    if read_vocab:
        raise UsageError("--init-from and --read-vocab cannot be combined: the vocabulary "
                         "of a continued run is the saved one merged with the corpus's.")
    saved = model_file.load(init_from)
    given = set(configuration.load_toml(config_path)) if config_path else set()
    given |= {k for k, v in options.items() if v is not None}
    cfg = configuration.build(config_path, **model_file.inherit(options, saved, given))
    model_file.check_compatible(saved, cfg)
    return cfg, saved


def _prepare_resume(request, log):
    """Load the newest good checkpoint and check the request against it."""
    checkpoint = ckpt.load_latest(request.resume_dir, warn=log)
    meta = checkpoint.meta
    stored = configuration.TrainConfig(**meta["config"])
    # Settings a resumed run may change: checkpoints hold host arrays, so a run may continue
    # on the other device; the context weight says how the vectors are written, not how
    # they are trained.
    changed = {name: request.options.get(name) for name in RESUME_MAY_CHANGE
               if request.options.get(name) not in (None, getattr(stored, name))}
    if changed:
        stored = dataclasses.replace(stored, **changed)
        stored.validate()
        meta["config"] = dataclasses.asdict(stored)
    problems = _differences(request, stored, meta)
    if problems and not request.force:
        raise UsageError(f"cannot resume from '{request.resume_dir}': {problems[0]}. "
                         "Use --force to resume anyway.")
    for problem in problems:
        log(f"warning: {problem}; resuming anyway (--force)")
    outputs = meta.get("outputs", {})
    output = request.output or outputs.get("output")
    if not output:
        raise InputError(f"checkpoint in '{request.resume_dir}' names no output. Pass -o.")
    save_context = request.save_context or outputs.get("save_context")
    return checkpoint, stored, meta["sources"], output, save_context


def _differences(request, stored, meta):
    given = dict(configuration.load_toml(request.config_path)) if request.config_path else {}
    given.update({k: v for k, v in request.options.items() if v is not None})
    problems = []
    for name, value in sorted(given.items()):
        if name == "time_budget":  # "45m" as the option gives it, seconds as stored
            value = budget.parse_duration(value)
        if getattr(stored, name) != value:
            problems.append(f"--{name.replace('_', '-')} is {value} but the checkpoint has "
                            f"{getattr(stored, name)}")
    if request.corpus and [_key(s) for s in request.corpus] != [_key(s) for s in meta["sources"]]:
        problems.append(f"the corpus differs from the checkpoint's ({', '.join(meta['sources'])})")
    now = ckpt.fingerprint(meta["sources"])
    for before, after in zip(meta["fingerprint"], now):
        if before != after:
            problems.append(f"corpus '{before[0]}' changed or disappeared since the checkpoint")
    return problems


def _key(source):
    return source if source == "-" or "://" in source else os.path.abspath(source)
