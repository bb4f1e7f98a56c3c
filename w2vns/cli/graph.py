"""The ``walks`` command and the graph options it shares with ``train --graph``: click
only, a thin layer over ``w2vns.training.walks``."""

import click

from .options import W2vnsCommand, quiet_option
from .params import FiniteFloat

EXIT_CODES_HELP = ("Exit codes: 0 success, 1 runtime failure (malformed or unreadable graph, "
                   "disk), 2 usage error (bad option, missing input, bad or colliding output "
                   "path), 130/143 interrupted.")
POSITIVE = FiniteFloat(low=0, low_open=True)
SAMPLERS = ("auto", "rejection", "precomputed")  # as training.walks.SAMPLERS (--help stays light)
WALK_FIELDS = ("walks_per_node", "walk_length", "p", "q", "sampler")
GRAPH_FIELDS = ("directed", "weighted", "delimiter")
HOLD_OUT_FIELDS = ("hold_out", "hold_out_file")


def graph_options(func):
    """How the edge list reads, and the walks over it."""
    options = [
        click.option("--directed", is_flag=True, default=None,
                     help="An edge 'u v' goes from u to v only.  [default: both ways]"),
        click.option("--weighted", is_flag=True, default=None,
                     help="Lines are 'u v weight': a walk takes an edge with probability "
                          "proportional to its weight.  [default: the third field ignored]"),
        click.option("--delimiter", metavar="CHAR", default=None,
                     help="Fields are separated by this character (and the spaces around "
                          "it).  [default: whitespace]"),
        click.option("--walks-per-node", type=click.IntRange(min=1), default=None,
                     help="Walks started from every node.  [default: 10]"),
        click.option("--walk-length", type=click.IntRange(min=1), default=None,
                     help="Nodes per walk (fewer when it reaches a node without out-edges).  "
                          "[default: 80]"),
        click.option("--p", "p", type=POSITIVE, default=None,
                     help="node2vec's return parameter: going back to the previous node "
                          "weighs 1/p.  [default: 1]"),
        click.option("--q", "q", type=POSITIVE, default=None,
                     help="node2vec's in-out parameter: moving away from the previous node "
                          "weighs 1/q (q > 1 stays near it, q < 1 explores).  [default: 1]"),
        click.option("--sampler", type=click.Choice(SAMPLERS), default=None,
                     help="node2vec steps: precomputed alias tables per edge (one draw a "
                          "step, memory for the sum over edges of the head's degree), "
                          "rejection sampling (memory of the graph), or auto: precomputed "
                          "when the tables are small and rejection would be slow.  "
                          "[default: auto]"),
        click.option("--hold-out", type=POSITIVE, default=None, metavar="FRACTION",
                     help="Take this fraction of the edges out of the graph first (every "
                          "node keeps one), for link prediction; needs --hold-out-file."),
        click.option("--hold-out-file", type=click.Path(dir_okay=False), default=None,
                     metavar="FILE",
                     help="Write the held-out edges ('u v 1') and as many non-edges "
                          "('u v 0') here, for 'w2vns evaluate --links'."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def split_given(given):
    """(EdgeFormat, WalkOptions fields, HoldOut or None) from a command's values: the
    graph and walk options are taken out of ``given``."""
    from ..errors import UsageError
    from ..io.graph import EdgeFormat
    from ..training.walks import HoldOut

    edge_format = EdgeFormat(**{k: v for k in GRAPH_FIELDS if (v := given.pop(k)) is not None})
    walk = {k: v for k in WALK_FIELDS if (v := given.pop(k)) is not None}
    fraction, path = given.pop("hold_out"), given.pop("hold_out_file")
    if (fraction is None) != (path is None):
        raise UsageError("--hold-out FRACTION and --hold-out-file FILE go together: the "
                         "held-out edges are written to the file.")
    hold = HoldOut(fraction, path).validate() if fraction is not None else None
    return edge_format, walk, hold


def graph_source(given):
    """The GraphSource of ``train --graph`` (None without --graph), its options taken out
    of ``given``; a usage error for a walk option without --graph."""
    from ..errors import UsageError
    from ..training.walks import GraphSource

    graph = given.pop("graph")
    named = [k for k in (*GRAPH_FIELDS, *WALK_FIELDS, *HOLD_OUT_FIELDS) if given[k] is not None]
    edge_format, walk, hold = split_given(given)
    if graph:
        return GraphSource(list(graph), edge_format, walk, hold)
    if named:
        option = "--" + named[0].replace("_", "-")
        raise UsageError(f"{option} is an option of --graph: give --graph GRAPH, or drop "
                         f"{option}.")
    return None


@click.command(cls=W2vnsCommand, epilog=EXIT_CODES_HELP)
@click.argument("graph", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the walks here (add .gz to compress).  [default: stdout]")
@graph_options
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
              help="Random seed: the same seed gives the same walks, whatever --threads.")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="Threads that walk.  [default: all cores]")
@quiet_option
def walks(graph, output, seed, threads, quiet, **given):
    """Random walks over the graph in GRAPH, one walk per line of node names.

    GRAPH: edge lists, files (plain or compressed), URLs or - for stdin: one edge per
    line, 'u v' or 'u v weight', '#' starting a comment; node names are any tokens.
    Self-loops are dropped and repeated edges merged (both reported). With the
    defaults p = q = 1 the walks are DeepWalk's (uniform, or by weight with
    --weighted); other p and q give node2vec's second-order walks. Every node starts
    --walks-per-node walks, one per round, each round in its own random order; the
    walks are made by all threads in blocks and written as they come.

    \b
    Examples:
      w2vns walks edges.txt -o walks.txt
      w2vns walks edges.csv.gz --delimiter , --weighted --p 0.25 --q 4 -o walks.txt.gz
      w2vns walks edges.txt --hold-out 0.1 --hold-out-file links.txt -o walks.txt
      w2vns walks edges.txt | w2vns train - -o nodes.bin --min-count 1 --window 10
    """
    from ..io.graph import check_graph_sources
    from ..io.outputs import PathPlan, check_paths
    from ..logs import stderr_log
    from ..training import walks as walking
    from ..training.config import available_cores

    edge_format, walk, hold = split_given(given)
    options = walking.WalkOptions(seed=seed, threads=threads or available_cores(), **walk)
    options.validate()
    check_paths(PathPlan([("GRAPH", source) for source in graph],
                         [("-o", output or walking.STDOUT),
                          ("--hold-out-file", hold.path if hold else None)]))
    check_graph_sources(graph)
    log = stderr_log(quiet)
    loaded = walking.load_graph(graph, edge_format, log)
    if hold is not None:
        loaded = walking.apply_hold_out(loaded, hold, seed, log)
    walking.write_walks(walking.Walker(loaded, options), output or walking.STDOUT, log)
