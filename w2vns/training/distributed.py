"""Data-parallel training over MPI: who reads what, merged counts, combined models, and
when the models are synchronised (``Syncs``).

A run is distributed only when it was launched by ``mpiexec`` with more than one process
(the launcher's environment says so) and mpi4py can be imported; otherwise nothing here
imports mpi4py and training is the ordinary single-process one.

Every collective is non-blocking and waited on with a watch: a background thread trades
small heartbeats with every peer, so a process that dies or hangs is noticed within
``peer_timeout`` seconds and the others stop with an error instead of waiting forever.

MPI writes into a request's buffers until the request completes, whatever Python thinks
of them: a request is never dropped while pending. The heartbeat cancels its receives
before it ends (a beat sent after that stays unmatched), and a request that cannot be
completed, such as a collective abandoned by an error or a signal, is kept with its
buffers for the life of the process.
"""

import contextlib
import os
import pickle
import threading
import time

import numpy as np

from ..errors import EXIT_SIGNAL, Interrupted, UsageError, W2vnsError
from ..io.ranges import ByteRange, split, splittable
from . import checkpoint as ckpt
from .launch import launched_size

ROOT = 0
DEFAULT_PEER_TIMEOUT = 30.0  # seconds a peer may stay silent before the run stops
BEAT_SECONDS = 0.5  # heartbeat period
POLL_SECONDS = 0.001  # sleep between tests of a pending collective
BEAT_TAG = 7
CHUNK_ITEMS = 1 << 26  # elements per allreduce (MPI counts are 32-bit)
WIDE_ENCODINGS = ("utf-16", "utf-32")  # codec names of encodings a byte range may cut apart
STATUS_STOP, STATUS_SAVE, STATUS_WORDS, STATUS_FIELDS = 0, 1, 2, 3


class PeerLost(W2vnsError):
    """Another process of the run died or stopped answering."""


def connect(peer_timeout=DEFAULT_PEER_TIMEOUT):
    """A Cluster when launched by mpiexec with several processes, else None."""
    size = launched_size()
    if size <= 1:
        return None
    try:
        import mpi4py

        mpi4py.rc.finalize = False  # finalized after a clean end only (see Cluster.close)
        from mpi4py import MPI
    except ImportError:
        raise UsageError(f"launched by mpiexec with {size} processes, but mpi4py is not "
                         "installed. Install it with: pip install 'w2vns[mpi]'.") from None
    return Cluster(MPI, peer_timeout)


class Cluster:
    """The processes of one run: rank, size, watched collectives and the heartbeat."""

    def __init__(self, mpi, peer_timeout):
        self.mpi = mpi
        world = mpi.COMM_WORLD
        self.comm = world.Dup()
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.peer_timeout = peer_timeout
        self.syncs = 0
        self.comm_seconds = 0.0
        self.lost = None  # (rank, seconds silent) once a peer is lost
        self._stopping = threading.Event()
        self._pending = []  # requests given up on while pending, with their buffers
        self._beat = self._beat_comm = None
        if mpi.Query_thread() == mpi.THREAD_MULTIPLE:
            self._beat_comm = world.Dup()
            self._beat = threading.Thread(target=self._heartbeat, args=(self._beat_comm,),
                                          daemon=True, name="w2vns-heartbeat")
            self._beat.start()

    @property
    def is_root(self):
        return self.rank == ROOT

    # --- failure detection -------------------------------------------------------------

    def _heartbeat(self, comm):
        comm.Set_errhandler(self.mpi.ERRORS_RETURN)
        peers = [r for r in range(self.size) if r != self.rank]
        token = np.zeros(1, dtype=np.uint8)
        inbox = {p: np.zeros(1, dtype=np.uint8) for p in peers}
        receives = {p: comm.Irecv(inbox[p], source=p, tag=BEAT_TAG) for p in peers}
        sends = {}
        seen = {p: time.monotonic() for p in peers}
        try:
            while not self._stopping.wait(BEAT_SECONDS):
                now = time.monotonic()
                for p in peers:
                    if p not in sends or sends[p].Test():
                        sends[p] = comm.Isend(token, dest=p, tag=BEAT_TAG)
                    while receives[p].Test():
                        seen[p] = now
                        receives[p] = comm.Irecv(inbox[p], source=p, tag=BEAT_TAG)
                    silent = now - seen[p]
                    if silent > self.peer_timeout and self.lost is None:
                        self.lost = (p, silent)
        except self.mpi.Exception:
            self.lost = self.lost or (-1, 0.0)
        finally:
            self._settle(list(receives.values()), list(sends.values()))

    def _settle(self, receives, sends):
        """Complete the heartbeat's last requests before its buffers go: the receives are
        cancelled, the sends (one byte, sent at once) get ``BEAT_SECONDS`` to finish; any
        request still pending then, or failing, is kept with its buffers."""
        for request in receives:
            with contextlib.suppress(self.mpi.Exception):
                request.Cancel()
        pending = receives + sends
        deadline = time.monotonic() + BEAT_SECONDS
        while pending and time.monotonic() < deadline:
            pending = [r for r in pending if not self._test_or_keep(r)]
            time.sleep(POLL_SECONDS)
        self._pending.extend(pending)

    def _test_or_keep(self, request):
        """True once ``request`` has completed; one that fails is kept, pending for good."""
        try:
            return request.Test()
        except self.mpi.Exception:
            self._pending.append(request)
            return True

    def check(self):
        """Raise PeerLost if a peer was found dead or silent."""
        if self.lost is not None:
            peer, silent = self.lost
            who = f"process {peer}" if peer >= 0 else "another process"
            raise PeerLost(f"{who} of {self.size} stopped answering (silent for {silent:.0f}s, "
                           f"--peer-timeout {self.peer_timeout:g}); stopping process "
                           f"{self.rank}. No output was written; the last checkpoint, if "
                           "any, is intact: continue with --resume and the same number of "
                           "processes.")

    def _wait(self, request, *buffers):
        """Wait for ``request`` while watching the peers. ``buffers``: the arrays it reads
        or writes (mpi4py's request does not keep those of every collective), kept with it
        if it is given up on."""
        started = time.perf_counter()
        deadline = time.monotonic() + self.peer_timeout
        try:
            while not request.Test():
                self.check()
                if self._beat is None and time.monotonic() > deadline:
                    self.lost = (-1, self.peer_timeout)
                    self.check()
                time.sleep(POLL_SECONDS)
        except BaseException:  # a lost peer, a signal: MPI may still use the buffers
            self._pending.append((request, buffers))
            raise
        self.comm_seconds += time.perf_counter() - started

    def close(self, clean):
        """Stop the heartbeat; finalize MPI only after a clean end (a lost peer would hang it)."""
        if not clean:
            self._stopping.set()
            return
        self.barrier()  # the first process may still be writing the outputs
        self.stop_heartbeat()
        self.mpi.Finalize()

    def stop_heartbeat(self):
        """End the heartbeat and wait until its requests are settled."""
        self._stopping.set()
        if self._beat is not None:
            self._beat.join()

    # --- collectives ---------------------------------------------------------------------

    def barrier(self):
        self._wait(self.comm.Ibarrier())

    def allreduce(self, array, op="sum"):
        """In-place allreduce of a contiguous numpy array (sum or max)."""
        flat = array.reshape(-1)
        mpi_op = self.mpi.SUM if op == "sum" else self.mpi.MAX
        for start in range(0, len(flat), CHUNK_ITEMS):
            self._wait(self.comm.Iallreduce(self.mpi.IN_PLACE, flat[start:start + CHUNK_ITEMS],
                                            op=mpi_op), array)
        return array

    def allgather(self, value):
        """Every rank's ``value`` (any picklable object), in rank order.

        The pickles travel padded to the longest one, in equal blocks: with blocks of
        different sizes mpi4py copies the sizes and offsets into arrays that its request
        does not keep, while MPI may read them until the request completes."""
        payload = np.frombuffer(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), np.uint8)
        sizes = np.zeros(self.size, dtype=np.int64)
        sizes[self.rank] = len(payload)
        self.allreduce(sizes)
        block = np.zeros(int(sizes.max()), dtype=np.uint8)
        block[:len(payload)] = payload
        out = np.empty((self.size, len(block)), dtype=np.uint8)
        self._wait(self.comm.Iallgather(block, out), block, out)
        return [pickle.loads(out[r, :n].tobytes()) for r, n in enumerate(sizes.tolist())]

    def status(self, stop, save, words):
        """Agree on stop and save requests (any rank) and sum the words done."""
        flags = np.zeros(STATUS_FIELDS, dtype=np.int64)
        flags[STATUS_STOP], flags[STATUS_SAVE] = int(stop), int(save)
        flags[STATUS_WORDS] = words
        anyone = self.allreduce(flags[:STATUS_WORDS].copy(), op="max")
        total = self.allreduce(flags[STATUS_WORDS:].copy())
        return bool(anyone[STATUS_STOP]), bool(anyone[STATUS_SAVE]), int(total[0])

    def combine(self, matrices, bases):
        """Add up every rank's changes since the last combination: each float32 matrix
        becomes its ``base`` plus the sum over ranks of (matrix - base), and so the new base."""
        for matrix, base in zip(matrices, bases):
            if matrix is None or matrix.size == 0:
                continue
            self.allreduce(matrix)
            matrix -= np.float32(self.size - 1) * base
            base[...] = matrix
        self.syncs += 1


class Syncs:
    """When and how the processes of a distributed run synchronise their models.

    The run is cut into ``points`` intervals of about ``--sync-words`` words over all
    processes; each process syncs when its own share reaches the next interval, so all
    take part in the same number of syncs whatever the sizes of their shares. At a sync
    the changes every process made since the previous one are added up (an allreduce).
    Stop requests and checkpoint times are agreed on at each sync.

    ``state`` is the epoch loop's (its model, RNG states, position and summary); ``saver``
    a ``checkpoint.Saver``, or None when the run writes no checkpoints."""

    def __init__(self, cluster, config, state, total):
        self.cluster, self.state, self.total = cluster, state, total
        self.points = sync_points(state.summary.corpus_words, config.epochs, config.sync_words)
        self.epochs = config.epochs
        self.done = state.position.syncs
        self.bases = None  # the model as of the last combination

    def start(self):
        self.bases = [np.array(m) for m in self.state.model]

    def cap(self, batch_items, cache_items):
        """Batches no longer than one interval, so a batch crosses at most one sync."""
        per_interval = cache_items * self.epochs // self.points
        return max(1, min(batch_items, per_interval))

    def _reached(self):
        return min(self.state.position.done * self.points // self.total, self.points)

    def run(self, stop, save_due, saver):
        """Sync as many times as this process's progress asks; True if it saved."""
        saved = False
        while self.done < self._reached():
            saved |= self._once(stop, save_due, saver)
        return saved

    def finish(self, stop, saver):
        """The syncs still due at the end (the last one makes the final model)."""
        while self.done < self.points:
            self._once(stop, False, saver)

    def _once(self, stop, save_due, saver):
        cluster, position = self.cluster, self.state.position
        stopping, saving, _ = cluster.status(stop.requested is not None, save_due, position.done)
        cluster.combine(self.state.model, self.bases)
        self.done += 1
        position.syncs = self.done
        if (stopping or saving) and saver:
            self._save(saver)
        if stopping:
            interrupted = Interrupted(stop.requested or "SIGTERM",
                                      EXIT_SIGNAL[stop.requested or "SIGTERM"])
            interrupted.checkpoint_dir = saver.directory if saver else None
            interrupted.processes = cluster.size
            raise interrupted
        return saving

    def _save(self, saver):
        """The first process writes the synchronised model with every process's position."""
        shared = self.cluster.allgather(dict(position=self.state.position.to_meta(),
                                             states=self.state.states,
                                             cache=saver.meta["cache"]))
        if not self.cluster.is_root:
            return
        meta = dict(saver.meta, shared=[dict(position=s["position"], cache=s["cache"])
                                        for s in shared])
        saver.save(meta, np.concatenate([s["states"] for s in shared]))


def rank_state(checkpoint, cluster):
    """This process's position, RNG states and id cache description in a checkpoint."""
    meta = checkpoint.meta
    ranks = meta.get("ranks", 1)
    size = cluster.size if cluster else 1
    if ranks != size:
        directory = os.path.dirname(checkpoint.path)
        raise UsageError(f"the checkpoint in '{directory}' was written by {ranks} process(es) "
                         f"and this run has {size}. Resume it "
                         + (f"with: mpiexec -n {ranks} w2vns train --resume {directory}"
                            if ranks > 1 else f"without mpiexec: w2vns train --resume {directory}"))
    if cluster is None:
        return checkpoint.position, checkpoint.rng, meta["cache"]
    shared = meta["shared"][cluster.rank]
    states = checkpoint.rng.reshape(cluster.size, -1)[cluster.rank].copy()
    return ckpt.Position.from_meta(shared["position"]), states, shared["cache"]


def sync_points(global_words, epochs, sync_words):
    """How many times the models are synchronised over the run (the last one at its end)."""
    return max(1, -(-global_words * epochs // max(sync_words, 1)))


def shares(sources, rank, size, readings=None):
    """The inputs this rank reads: whole files when there are at least as many as
    processes (balanced by size), else byte ranges of each plain file that is not read
    as UTF-16 or UTF-32 (``readings``: a corpus.Readings, how the inputs are read)."""
    if any(s == "-" for s in sources):
        raise UsageError("stdin (-) cannot be shared between processes under mpiexec. "
                         "Pass files.")
    if len(sources) >= size:
        return _files_by_size(sources, size)[rank]
    unsplittable = [s for s in sources if not splittable(s)]
    if unsplittable:
        raise UsageError(f"corpus '{unsplittable[0]}' is compressed or remote and cannot be "
                         f"split between {size} processes: decompress it, or pass at least "
                         f"{size} files (each process reads whole files).")
    wide = [s for s in sources if readings is not None and _wide(readings.of(s))]
    if wide:
        raise UsageError(f"corpus '{wide[0]}' is read as {readings.of(wide[0]).encoding} and "
                         f"cannot be split between {size} processes at bytes: convert it to "
                         f"UTF-8, or pass at least {size} files (each process reads whole "
                         "files).")
    mine = []
    for source in sources:
        parts = split(source, size)
        if rank < len(parts):
            mine.append(parts[rank])
    return mine or [ByteRange(sources[0], 0, 0)]


def _wide(reading):
    """Whether an input read this way has characters of several bytes that a whitespace
    byte can start or end (UTF-16, UTF-32)."""
    return (reading is not None and reading.encoding is not None
            and reading.encoding.startswith(WIDE_ENCODINGS))


def _size_of(source):
    try:
        return os.path.getsize(source)
    except OSError:  # URLs: unknown, counted as equal
        return 0


def _files_by_size(sources, size):
    """Largest first to the least loaded rank; each rank keeps the given order."""
    loads = [0] * size
    assigned = [[] for _ in range(size)]
    order = sorted(range(len(sources)), key=lambda i: (-_size_of(sources[i]), i))
    for i in order:
        target = min(range(size), key=lambda r: (loads[r], r))
        loads[target] += _size_of(sources[i]) or 1
        assigned[target].append(i)
    return [[sources[i] for i in sorted(part)] for part in assigned]


def merge_counts(cluster, words, counts):
    """All ranks' (word, count) pairs merged: words in rank order, then first-seen order;
    the same lists on every rank."""
    merged = {}
    for rank_words, rank_counts in cluster.allgather((list(words), np.asarray(counts,
                                                                              np.int64))):
        for word, count in zip(rank_words, rank_counts.tolist()):
            merged[word] = merged.get(word, 0) + count
    return list(merged), np.fromiter(merged.values(), dtype=np.int64, count=len(merged))
