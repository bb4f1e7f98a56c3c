"""Graphs from edge lists, held as compressed sparse rows.

An edge list has one edge per line: ``u v`` or ``u v weight``, fields separated by
whitespace or by one ``delimiter`` character, ``#`` starting a comment (at the start of
a line or of a field); blank lines are skipped. Node names are any tokens; nodes are
numbered in the order they are first seen. Inputs are files (plain or compressed,
through smart_open), URLs, or ``-`` for stdin; several inputs make one graph.

The graph is held as CSR arrays: node ``v``'s out-neighbours are
``indices[indptr[v]:indptr[v + 1]]``, sorted, with their ``weights`` (None for an
unweighted graph). An undirected edge is stored in both directions. Self-loops are
dropped and repeated edges merged (the first one's weight kept), and both are counted
for the report: a walk that stays on its node or follows one edge twice as often
because it was listed twice is almost never what the file meant.

Parsing runs in Numba on raw bytes (``graph_kernels``); a malformed line stops the read
with a GraphError naming the input and the line number.
"""

import contextlib
import os
import sys
import zlib
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..errors import GraphError, InputError, UsageError, printable
from . import graph_kernels as kernels
from .atomic import atomic_output
from .tokenizer import EOS_ID, WordTable

STDIN = "-"
BLOCK_BYTES = 1 << 16  # raw bytes per read: few enough names that the hash table stays in cache
INITIAL_EDGES = 1 << 16
COMMENT = "#"
_NEWLINE = b"\n"
_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError)
_WHY = {
    kernels.BAD_FIELDS: "expected two node names and an optional weight ('u v' or "
                        "'u v weight'), got '{line}'",
    kernels.NO_WEIGHT: "no weight, and --weighted expects 'u v weight': got '{line}'",
    kernels.BAD_WEIGHT: "the weight is not a number: '{line}'",
    kernels.NONPOSITIVE_WEIGHT: "the weight is not a positive number that fits a float32: "
                                "'{line}'",
    kernels.EMPTY_NAME: "an empty node name (nothing between two delimiters): '{line}'",
    kernels.SPACE_IN_NAME: "a node name holds whitespace (names are tokens): '{line}'",
    kernels.LONG_NAME: f"a node name is longer than {kernels.MAX_NAME_BYTES} bytes: "
                       "'{line}'",
}


@dataclass(frozen=True)
class EdgeFormat:
    """How the lines of an edge list read: ``delimiter`` (None: whitespace), whether the
    third field is a weight that counts, whether an edge goes one way only."""

    delimiter: Optional[str] = None
    weighted: bool = False
    directed: bool = False

    def delimiter_byte(self):
        """The delimiter as the kernel takes it; a UsageError for one it cannot use."""
        if self.delimiter is None:
            return kernels.NO_DELIMITER
        raw = self.delimiter.encode("utf-8", "surrogateescape")
        if len(raw) != 1 or self.delimiter in (COMMENT, "\n"):
            raise UsageError(f"--delimiter must be one ASCII character other than '#' and "
                             f"a newline, got '{printable(self.delimiter)}'.")
        return raw[0]


@dataclass(frozen=True)
class Graph:
    """CSR arrays of a graph (see the module docstring) and its node names."""

    names: list
    indptr: np.ndarray  # int64, nodes + 1
    indices: np.ndarray  # int32, one per stored (directed) edge
    weights: Optional[np.ndarray]  # float32 per stored edge; None: unweighted
    directed: bool

    @property
    def nodes(self):
        return len(self.names)

    @property
    def stored_edges(self):
        """Edges as stored: an undirected edge counts twice."""
        return len(self.indices)

    @property
    def edges(self):
        return self.stored_edges if self.directed else self.stored_edges // 2

    def out_degrees(self):
        return np.diff(self.indptr)


@dataclass
class GraphStats:
    """What reading an edge list found, for the report."""

    lines: int = 0
    skipped: int = 0  # blank and comment lines
    edges_read: int = 0  # edge lines
    self_loops: int = 0  # dropped
    duplicates: int = 0  # merged into an earlier edge
    ignored_weights: int = 0  # third fields ignored without --weighted
    dead_ends: int = 0  # nodes without an out-edge (isolated ones included)
    isolated: int = 0  # nodes without any edge (their only edges were self-loops)
    sizes: dict = field(default_factory=dict)

    def add(self, tally):
        self.lines += int(tally[kernels.TALLY_LINES])
        self.skipped += int(tally[kernels.TALLY_SKIPPED])
        self.ignored_weights += int(tally[kernels.TALLY_IGNORED_WEIGHTS])

    def warnings(self):
        """Lines about what the graph's file held that was dropped, merged or ignored."""
        if self.self_loops:
            yield f"warning: {self.self_loops:,} self-loop(s) dropped"
        if self.duplicates:
            yield (f"warning: {self.duplicates:,} repeated edge(s) merged into their first "
                   "occurrence (and its weight)")
        if self.ignored_weights:
            yield (f"warning: the third field of {self.ignored_weights:,} line(s) was "
                   "ignored: pass --weighted to use it as the edge's weight")


def check_graph_sources(sources):
    """Fail fast, before any work, on graph inputs that cannot be read (usage errors)."""
    if not sources:
        raise InputError("no graph given. Pass one or more edge-list files, or - for stdin.")
    if sum(1 for s in sources if s == STDIN) > 1:
        raise InputError("stdin (-) can be given only once.")
    for source in sources:
        if source == STDIN or "://" in source:
            continue
        if not os.path.exists(source):
            raise InputError(f"graph file '{source}' not found. Check the path.")
        if os.path.isdir(source):
            raise InputError(f"graph '{source}' is a directory. Pass the edge-list files "
                             "inside it.")
        if not os.access(source, os.R_OK):
            raise InputError(f"graph file '{source}' is not readable. Check its permissions.")


def _reason(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextlib.contextmanager
def _open(source):
    if source == STDIN:
        yield sys.stdin.buffer
        return
    import smart_open

    try:
        handle = smart_open.open(source, "rb")
    except Exception as exc:  # smart_open raises many types for unreachable inputs
        raise GraphError(f"cannot open graph '{source}': {_reason(exc)}. Check the path or "
                         "URL.") from None
    with handle:
        yield handle


def _blocks(handle, source, stats):
    """Byte blocks of an input, each ending at a line end (the last one as the input ends)."""
    carry = b""
    try:
        while True:
            block = handle.read(BLOCK_BYTES)
            if not block:
                break
            stats.sizes[source] = stats.sizes.get(source, 0) + len(block)
            cut = block.rfind(_NEWLINE)
            if cut < 0:
                carry += block
                continue
            yield carry + block[:cut + 1]
            carry = block[cut + 1:]
    except _READ_ERRORS as exc:
        raise GraphError(f"cannot read graph '{source}': {_reason(exc)}. The file may be "
                         "truncated or corrupt.") from None
    if carry:
        yield carry


class _EdgeReader:
    """Edges of one or more inputs: provisional node ids (a WordTable's) and weights."""

    def __init__(self, edge_format):
        self.format = edge_format
        self.delimiter = edge_format.delimiter_byte()
        self.names = WordTable()
        self.sources = np.empty(INITIAL_EDGES, dtype=np.int32)
        self.targets = np.empty(INITIAL_EDGES, dtype=np.int32)
        self.weights = np.empty(INITIAL_EDGES if edge_format.weighted else 0, dtype=np.float64)
        self.count = 0
        self.stats = GraphStats()

    def read(self, source):
        tally = np.zeros(kernels.N_TALLIES, dtype=np.int64)
        with _open(source) as handle:
            for block in _blocks(handle, source, self.stats):
                self._parse(np.frombuffer(block, dtype=np.uint8), source, tally)
        self.stats.add(tally)

    def _parse(self, block, source, tally):
        names = self.names
        before = names.reserve(len(block) // 2 + 1, len(block))
        table = (names.slots, names.hashes, names.offsets, names.lengths, names.arena,
                 names.state)
        position = np.array([0, self.count], dtype=np.int64)
        while True:
            out = (self.sources, self.targets, self.weights)
            status = kernels.parse_edges(block, self.delimiter, self.format.weighted, table,
                                         out, tally, position)
            if status != kernels.NO_ROOM:
                break
            self._grow()
        names.live += names.ids_assigned - before
        self.count = int(position[1])
        if status != kernels.OK:
            raise _malformed(source, block, int(position[0]), int(tally[kernels.TALLY_LINES]),
                             status)

    def _grow(self):
        size = 2 * len(self.sources)
        for name in ("sources", "targets") + (("weights",) if self.format.weighted else ()):
            old = getattr(self, name)
            grown = np.empty(size, dtype=old.dtype)
            grown[:len(old)] = old
            setattr(self, name, grown)

    def node_names(self):
        """(names of the nodes, node id of every provisional id): names in first-seen
        order; names whose bytes differ but decode alike (invalid UTF-8) are one node."""
        assigned = self.names.ids_assigned
        decoded = self.names.decoded(np.arange(EOS_ID + 1, assigned))
        node_of = np.full(assigned, -1, dtype=np.int32)
        first = {}
        for pid, name in enumerate(decoded, start=EOS_ID + 1):
            node_of[pid] = first.setdefault(name, len(first))
        return list(first), node_of


def _malformed(source, block, start, lines_before, status):
    end = block[start:].tobytes().find(_NEWLINE)
    line = block[start:start + end if end >= 0 else len(block)].tobytes().rstrip(b"\r")
    why = _WHY[status].format(line=printable(line))
    return GraphError(f"graph '{source}' line {lines_before + 1}: {why}. Fix or remove the "
                      "line ('#' starts a comment).")


def read_graph(sources, edge_format=EdgeFormat()):
    """The Graph of ``sources`` (checked by ``check_graph_sources``) and its GraphStats."""
    reader = _EdgeReader(edge_format)
    for source in sources:
        reader.read(source)
    stats = reader.stats
    stats.edges_read = reader.count
    if reader.count == 0:
        names = ", ".join(f"'{s}'" for s in sources)
        raise GraphError(f"graph {names} holds no edge: expected lines 'u v' or 'u v weight' "
                         "('#' starts a comment).")
    names, node_of = reader.node_names()
    tails = node_of[reader.sources[:reader.count]]
    heads = node_of[reader.targets[:reader.count]]
    weights = reader.weights[:reader.count] if edge_format.weighted else None
    graph = build_csr(names, tails, heads, weights, edge_format.directed, stats)
    return graph, stats


def build_csr(names, sources, targets, weights, directed, stats=None):
    """A Graph from edge arrays (node ids); self-loops dropped, repeated edges merged (the
    first kept), both counted in ``stats`` (a GraphStats) with the dead ends."""
    stats = stats if stats is not None else GraphStats()
    n = len(names)
    loops = sources == targets
    stats.self_loops = int(np.count_nonzero(loops))
    keep = ~loops
    sources, targets = sources[keep].astype(np.int64), targets[keep].astype(np.int64)
    weights = weights[keep] if weights is not None else None
    low, high = (sources, targets) if directed else (np.minimum(sources, targets),
                                                     np.maximum(sources, targets))
    key = low * n + high
    order = np.argsort(key, kind="stable")
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    unique = order[first]
    stats.duplicates = len(order) - len(unique)
    sources, targets = sources[unique], targets[unique]
    weights = weights[unique] if weights is not None else None
    if not directed:
        sources, targets = np.concatenate([sources, targets]), np.concatenate([targets, sources])
        weights = np.concatenate([weights, weights]) if weights is not None else None
    order = np.argsort(sources * n + targets, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(sources, minlength=n), out=indptr[1:])
    graph = Graph(list(names), indptr, targets[order].astype(np.int32),
                  weights[order].astype(np.float32) if weights is not None else None, directed)
    _count_ends(graph, stats)
    return graph


def _count_ends(graph, stats):
    out_degree = graph.out_degrees()
    stats.dead_ends = int(np.count_nonzero(out_degree == 0))
    touched = out_degree > 0
    touched[graph.indices] = True
    stats.isolated = int(np.count_nonzero(~touched))


class NameBytes:
    """Node names as UTF-8 bytes in one arena, to write walks as text in Numba."""

    def __init__(self, names):
        encoded = [name.encode("utf-8") for name in names]
        self.lengths = np.array([len(b) for b in encoded], dtype=np.int64)
        self.offsets = np.zeros(len(encoded), dtype=np.int64)
        np.cumsum(self.lengths[:-1], out=self.offsets[1:])
        self.arena = np.frombuffer(b"".join(encoded), dtype=np.uint8)

    def text(self, walks):
        """The lines of ``walks`` (node ids, a negative id after each walk), as bytes."""
        size = int(self.lengths[walks[walks >= 0]].sum()) + len(walks)
        out = np.empty(size, dtype=np.uint8)
        written = kernels.format_walks(walks, self.arena, self.offsets, self.lengths, out)
        return out[:written].tobytes()


# ------------------------------------------------------------------------- held-out edges

HOLD_OUT_SALT = 0x401D  # the seeds of a hold-out's draws, apart from the walks'
NON_EDGE_ROUNDS = 64  # rounds of drawing non-edges before settling for fewer


@dataclass(frozen=True)
class HeldOut:
    """Edges taken out of a graph, and as many pairs that are not edges of it, (k, 2)
    arrays of node ids (for a directed graph, (tail, head))."""

    edges: np.ndarray
    non_edges: np.ndarray
    wanted: int  # edges asked for: more than ``len(edges)`` when too few could be taken


def _edge_list(graph):
    """(tails, heads, weights) of every edge once: an undirected one as (low, high)."""
    tails = np.repeat(np.arange(graph.nodes, dtype=np.int64), graph.out_degrees())
    heads = graph.indices.astype(np.int64)
    keep = slice(None) if graph.directed else tails < heads
    weights = graph.weights[keep] if graph.weights is not None else None
    return tails[keep], heads[keep], weights


def hold_out(graph, fraction, seed):
    """(the graph without a ``fraction`` of its edges, a HeldOut): edges drawn at random
    among those whose two ends keep another edge, so that every node still has one."""
    tails, heads, weights = _edge_list(graph)
    rng = np.random.default_rng([seed, HOLD_OUT_SALT])
    degrees = np.bincount(np.concatenate([tails, heads]), minlength=graph.nodes)
    wanted = int(round(fraction * len(tails)))
    held = np.zeros(len(tails), dtype=bool)
    kernels.pick_held_out(rng.permutation(len(tails)), tails, heads, degrees, wanted, held)
    rest = build_csr(graph.names, tails[~held], heads[~held],
                     weights[~held] if weights is not None else None, graph.directed)
    edges = np.stack([tails[held], heads[held]], axis=1)
    return rest, HeldOut(edges, _non_edges(graph, tails, heads, len(edges), rng), wanted)


def _non_edges(graph, tails, heads, count, rng):
    """``count`` distinct node pairs (u != v) that are not edges of ``graph``, drawn
    uniformly (fewer if the graph has too few)."""
    n = graph.nodes
    known = np.sort(tails * n + heads)
    found = np.zeros(0, dtype=np.int64)
    for _ in range(NON_EDGE_ROUNDS):
        if len(found) >= count:
            break
        u, v = rng.integers(0, n, size=(2, 2 * (count - len(found)) + 1))
        if not graph.directed:
            u, v = np.minimum(u, v), np.maximum(u, v)
        keys = (u * n + v)[u != v]
        at = np.minimum(np.searchsorted(known, keys), max(len(known) - 1, 0))
        keys = keys[known[at] != keys] if len(known) else keys
        found = np.concatenate([found, keys[~np.isin(keys, found)]])
        found = found[np.sort(np.unique(found, return_index=True)[1])]
    found = found[:count]
    return np.stack([found // n, found % n], axis=1)


def write_links(path, names, held):
    """The held-out edges as 'u v 1' lines, then the non-edges as 'u v 0' lines."""
    with atomic_output(path, "w") as handle:
        for pairs, label in ((held.edges, 1), (held.non_edges, 0)):
            for u, v in pairs.tolist():
                handle.write(f"{names[u]} {names[v]} {label}\n")
