"""Training on a CUDA GPU (--device cuda).

The device tests run on a GPU where there is one (numba-cuda installed and a GPU found:
``scripts/device_check.sh``), else in a subprocess under Numba's CUDA simulator
(NUMBA_ENABLE_CUDASIM=1, read when numba is imported, so never in this process). The
simulator runs every thread in Python: corpora are tiny and vectors short.
"""

import functools
import itertools
import json
import operator
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from numba import config as numba_config
from numba import cuda

from references import logistic_gradient, random_matrices, reference_sgns, sigmoid
from stopping import StopAfter
from w2vns.cli.main import cli
from w2vns.errors import Interrupted
from w2vns.io import synthetic
from w2vns.kernels.bundles import Model, Noise
from w2vns.training import checkpoint as ckpt
from w2vns.training import config, objectives
from w2vns.training.devices import cuda as device
from w2vns.training.devices.base import Batch, Tables
from w2vns.training import vocab
from w2vns.training.loop import kernel_time, train, with_upcoming
from w2vns.training.outputs import train_to_files
from w2vns.training.run import Run
from w2vns.vectors.embeddings import Embeddings

CORPUS_SENTENCES = 200  # sentences of the shared corpus fixture (conftest.py)
SIMULATED = bool(numba_config.ENABLE_CUDASIM)
GPU = not SIMULATED and device.package_installed() and device.gpu_found()
simulator = pytest.mark.skipif(not SIMULATED, reason="calls device functions from Python: "
                                                     "under the simulator, in a subprocess")
on_device = pytest.mark.skipif(not (SIMULATED or GPU), reason="runs on a GPU, or under the "
                                                              "simulator in a subprocess")
host = pytest.mark.skipif(SIMULATED, reason="checks the host without the simulator")

ALPHA = np.float32(0.05)
SENTENCES = 300  # the synthetic corpus, without its filler words (see learning_setup)
NEIGHBOUR_BAR = 0.8  # share of planted words whose nearest planted word is planted
QUIET = dict(log=lambda _: None, bar=False)


# ---------------------------------------------------------------- host side
@host
@pytest.mark.skipif(GPU, reason="the device tests run on the GPU itself")
def test_device_tests_pass_under_the_simulator():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                             "-W", "ignore::RuntimeWarning",  # xorshift wraps around on purpose
                             __file__], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "skipped" in result.stdout  # the host tests skip


@host
def test_cuda_without_numba_cuda_is_one_error_line(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(device, "package_installed", lambda: False)
    out, ck = tmp_path / "v.bin", tmp_path / "ck"
    result = CliRunner().invoke(cli, ["train", corpus, "-o", str(out), "--device", "cuda",
                                      "--checkpoint-dir", str(ck)])
    assert result.exit_code == 1
    assert result.output == ("Error: --device cuda needs the numba-cuda package: "
                             "pip install 'w2vns[cuda]', or use --device cpu.\n")
    assert not out.exists() and not ck.exists()


@host
def test_cuda_without_a_gpu_is_one_error_line(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(device, "package_installed", lambda: True)
    monkeypatch.setattr(device, "gpu_found", lambda: False)
    out = tmp_path / "v.bin"
    result = CliRunner().invoke(cli, ["train", corpus, "-o", str(out), "--device", "cuda"])
    assert result.exit_code == 1
    assert result.output == ("Error: --device cuda: no CUDA GPU found (check the driver with "
                             "nvidia-smi), or use --device cpu.\n")
    assert not out.exists()


@host
@pytest.mark.parametrize("args, message", [
    (["--dim", "2000"], "--dim 2000 is not supported with --device cuda (at most 1024)."),
    (["--negative", "65"], "--negative 65 is not supported with --device cuda (at most 64)."),
    (["--hs"], "--hs is not supported with --device cuda: use negative sampling, or --device cpu."),
    (["--ns-strategy", "hard"], "--ns-strategy hard is not supported with --device cuda "
                                "(use unigram or uniform, or --device cpu)."),
    (["--device", "tpu"], None),
])
def test_options_the_device_path_lacks_are_usage_errors(corpus, tmp_path, args, message):
    out = tmp_path / "v.bin"
    result = CliRunner().invoke(cli, ["train", corpus, "-o", str(out), "--device", "cuda", *args])
    assert result.exit_code == 2
    if message:
        assert result.output == f"Error: {message}\n"
    else:
        assert result.output.startswith("Error: Invalid value for '--device'")
    assert not out.exists()


def test_units_cut_long_sentences_and_skip_eos():
    eos = -1
    batch = np.array([1, 2, 3, 4, 5, eos, 6, eos, 7, 8, 9, eos], dtype=np.int32)
    starts, ends = device.units(batch, 2)
    assert list(zip(starts, ends)) == [(0, 2), (2, 4), (4, 5), (6, 7), (8, 10), (10, 11)]


def test_the_loop_hands_a_reading_ahead_device_each_batch_with_the_next():
    ids = [np.array([1, -1], np.int32), np.array([2, 3, -1], np.int32), np.array([-1], np.int32)]
    batches = [(a, end) for a, end in zip(ids, np.cumsum([len(a) for a in ids]) + 10)]
    ahead = list(with_upcoming(iter(batches), True))
    assert [(b.start, b.end) for b, _ in ahead] == [(10, 12), (12, 15), (15, 16)]
    assert [u and (u.start, u.end) for _, u in ahead] == [(12, 15), (15, 16), None]
    assert all(b.ids is a for (b, _), a in zip(ahead, ids))
    plain = list(with_upcoming(iter(batches), False))
    assert [(b.start, b.end) for b, _ in plain] == [(10, 12), (12, 15), (15, 16)]
    assert all(u is None for _, u in plain)
    assert list(with_upcoming(iter([]), True)) == []


@pytest.mark.parametrize("seconds, line", [
    (None, "kernel time: n/a (the kernels were not timed on this device)"),
    (0.0, "kernel time: n/a (the kernels were not timed on this device)"),
    (2.5, "kernel time: 2.50s, 4.00M words/s in the kernels alone"),
])
def test_the_kernel_time_line(seconds, line):
    from w2vns.training.counters import Counts
    from w2vns.training.run import Summary

    summary = Summary(counts=Counts(words=10_000_000), kernel_seconds=seconds)
    assert kernel_time(summary) == line


def test_lanes_on_a_gpu_divide_a_warp(monkeypatch):
    monkeypatch.setattr(device, "simulated", lambda: False)
    for lanes in (1, 2, 4, 8, 16, 32):
        assert device.lanes_of(device.Tuning(lanes=lanes), 32) == lanes
    assert device.lanes_of(device.Tuning(), 32) == 32
    for lanes in (0, 3, 12, 64):
        with pytest.raises(ValueError):
            device.lanes_of(device.Tuning(lanes=lanes), 32)


def test_worker_states_are_derived_from_the_checkpointed_ones():
    states = np.array([5, 7], dtype=np.uint64)
    many = device.worker_states(states, 6)
    assert len(set(many.tolist())) == 6 and (many > 0).all()
    np.testing.assert_array_equal(device.worker_states(states, 6), many)  # deterministic
    np.testing.assert_array_equal(device.worker_states(many, 2), many[:2])


# ---------------------------------------------------------------- NumPy references
def reference_block(syn0, syn1, contexts, targets, alpha):
    """The device's order for a block of context rows sharing ``targets`` (the centre word
    first): each target in turn meets every context row as the previous targets left it;
    its row gains the sum of the block's gradients, each context row its own, at once."""
    labels = [1.0] + [0.0] * (len(targets) - 1)
    for t, label in zip(targets, labels):
        w = syn1[t].copy()
        h = syn0[contexts]
        g = logistic_gradient(h @ w, label) * alpha
        syn1[t] += g @ h
        syn0[contexts] += np.outer(g, w)


def reference_sg(sent, syn0, syn1, noise_of_block, alpha, share=True):
    """Skip-gram with window 1 in float64: the centre's two context words form one block
    with shared negatives, else each is a block with its own draw."""
    ref0, ref1 = syn0.astype(np.float64), syn1.astype(np.float64)
    block = 0
    for i in range(len(sent)):
        contexts = [sent[j] for j in (i - 1, i + 1) if 0 <= j < len(sent)]
        for part in ([contexts] if share else [[c] for c in contexts]):
            reference_block(ref0, ref1, part, [sent[i], *noise_of_block[block]], alpha)
            block += 1
    return ref0, ref1


def reference_cbow(sent, syn0, syn1, noise, alpha, mean):
    ref0, ref1 = syn0.astype(np.float64), syn1.astype(np.float64)
    for i in range(len(sent)):
        ctx = [sent[j] for j in (i - 1, i + 1) if 0 <= j < len(sent)]
        h = ref0[ctx].sum(axis=0)
        if mean:
            h = h / len(ctx)
        e, ref1, _ = reference_sgns(h, [sent[i], *noise], ref1, alpha)
        for c in ctx:
            ref0[c] += e if mean else e / len(ctx)
    return ref0, ref1


# ---------------------------------------------------------------- device side
ROWS = 12
DIM = 40  # with 32 lanes: the 2-column class, lanes 0-7 own two columns, the others one
# Widths of several classes: with 32 lanes 1, 2 (the last lanes idle) and 4 columns a lane.
WIDTHS = [8, DIM, 100]


@pytest.fixture(params=WIDTHS)
def matrices(request):
    return random_matrices(ROWS, request.param)


def noise_table(words):
    """An alias table drawing only ``words``, uniformly."""
    weights = np.zeros(ROWS)
    weights[list(words)] = 1.0
    return vocab.alias_table(weights)


def device_run(sent, syn0, syn1, noise_words, *, model="sg", negative=1, mean=True,
               share=True, lanes=1, seed=7):
    """Train one sentence (window 1, no subsampling) through the device kernel.

    Returns the new matrices, the logistic terms and the positive pairs counted."""
    dim = syn0.shape[1]
    cfg = config.build(None, model=model, dim=dim, window=1, negative=negative, sample=0,
                       cbow_mean=mean, share_negatives=share, threads=1, device="cuda")
    got = Model(syn0.copy(), syn1.copy(), np.zeros((1, dim), np.float32))
    noise = Noise(*noise_table(noise_words), np.zeros(0, np.float32), np.zeros(0, np.float32),
                  np.zeros(0, np.float32))
    tables = Tables(noise, objectives.tree_for(np.ones(ROWS), cfg), np.ones(ROWS, np.float32))
    trainer = device.CudaDevice(cfg, got, tables, np.array([seed], np.uint64), lambda _: None,
                                device.Tuning(lanes=lanes, workers=1))
    ids = np.array([*sent, -1], dtype=np.int32)
    counted = trainer.train(Batch(ids, 0, len(ids)), objectives.params_for(cfg, 0), ALPHA, ALPHA)
    trainer.copy_back()
    return got.syn0, got.syn1neg, counted.logistic_terms, counted.positive_pairs


@simulator
def test_a_worker_mask_holds_its_own_lanes_of_the_warp():
    from w2vns.kernels import cuda as K

    for lanes in (1, 2, 4, 8, 16):
        masks = [int(K.worker_mask(t, lanes)) for t in range(0, 2 * K.WARP, lanes)]
        for t, mask in zip(range(0, 2 * K.WARP, lanes), masks):
            assert bin(mask).count("1") == lanes
            assert mask >> (t % K.WARP) & 1  # its first lane
        per_warp = masks[:K.WARP // lanes]  # the warp's workers split it, none overlaps
        assert functools.reduce(operator.or_, per_warp) == K.FULL_MASK
        assert sum(bin(m).count("1") for m in per_warp) == K.WARP
    assert int(K.worker_mask(5, 32)) == int(K.worker_mask(40, 64)) == K.FULL_MASK


@simulator
def test_only_learnt_terms_stop_on_the_device():
    """Beyond the clip on the side of its label a term adds no gradient; on the wrong side,
    or within the clip, one flows (as on the CPU)."""
    from w2vns.kernels import cuda as K

    for f, label in [(6.5, 1), (50.0, 1), (-6.5, 0), (-50.0, 0)]:
        sig, loss = K.sigmoid_and_loss(np.float32(f), label)
        assert sig == label and logistic_gradient(f, label) == 0.0
        assert loss == pytest.approx(-np.log(sigmoid(6.0)), rel=1e-3)
    for f, label in [(6.5, 0), (-6.5, 1), (5.9, 1), (-5.9, 0)]:
        sig, _ = K.sigmoid_and_loss(np.float32(f), label)
        assert sig == pytest.approx(sigmoid(f), abs=1e-6) and 0.0 < sig < 1.0


@on_device
@pytest.mark.parametrize("lanes", [1, 32])
@pytest.mark.parametrize("share", [True, False])
def test_skipgram_unit_matches_numpy(matrices, lanes, share):
    """A single noise word: both ways of drawing negatives give the same targets."""
    syn0, syn1 = matrices
    sent = [4, 9, 2, 4]
    got0, got1, terms, pairs = device_run(sent, syn0, syn1, [11], lanes=lanes, share=share)
    ref0, ref1 = reference_sg(sent, syn0, syn1, [[11]] * 6, float(ALPHA), share)
    assert (terms, pairs) == (12, 6)
    np.testing.assert_allclose(got0, ref0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-5)


@on_device
@pytest.mark.parametrize("mean", [True, False])
@pytest.mark.parametrize("lanes", [1, 32])
def test_cbow_unit_matches_numpy(matrices, mean, lanes):
    syn0, syn1 = matrices
    sent = [4, 9, 2, 6]
    got0, got1, terms, pairs = device_run(sent, syn0, syn1, [11], model="cbow", mean=mean,
                                          lanes=lanes)
    ref0, ref1 = reference_cbow(sent, syn0, syn1, [11], float(ALPHA), mean)
    assert (terms, pairs) == (8, 6)
    np.testing.assert_allclose(got0, ref0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-5)


def _matching_draws(got0, got1, sent, syn0, syn1, noise_words, share):
    """The noise word of each block of a 3-word unit (3 shared, 4 per pair) that
    reproduces the result."""
    found = []
    for draws in itertools.product(noise_words, repeat=3 if share else 4):
        ref0, ref1 = reference_sg(sent, syn0, syn1, [[w] for w in draws], float(ALPHA), share)
        if np.allclose(got0, ref0, rtol=1e-4, atol=1e-5) and np.allclose(got1, ref1, rtol=1e-4,
                                                                         atol=1e-5):
            found.append(draws)
    assert len(found) == 1
    return found[0]


@on_device
def test_shared_negatives_are_drawn_per_centre_and_fresh_ones_per_pair(matrices):
    """Two equally likely noise words: the middle centre's two pairs share theirs only
    when negatives are shared."""
    syn0, syn1 = matrices
    sent, noise_words = [3, 5, 8], (10, 11)
    middle_pairs_differ = []
    for share in (True, False):
        for seed in range(1, 9):
            got0, got1, _, _ = device_run(sent, syn0, syn1, noise_words, share=share, seed=seed)
            draws = _matching_draws(got0, got1, sent, syn0, syn1, noise_words, share)
            if not share:
                middle_pairs_differ.append(draws[1] != draws[2])  # pairs of centre 1
    assert any(middle_pairs_differ)


@pytest.fixture(scope="module")
def learning_setup(tmp_path_factory):
    """The synthetic corpus with a vocabulary of its planted and context words only."""
    root = tmp_path_factory.mktemp("synthetic")
    path, words_path = root / "corpus.txt", root / "vocab.txt"
    synthetic.write(str(path), sentences=SENTENCES)
    grammar = synthetic.Grammar()
    words = [w for w, _ in grammar.topics]
    for pools in (grammar.class_contexts, grammar.role_markers, grammar.pair_topics):
        words += [w for pool in pools.values() for w in pool]
    words_path.write_text("".join(f"{w} 1\n" for w in words))
    return str(path), str(words_path)


def neighbour_score(kv):
    planted = synthetic.planted_neighbours()
    words = list(planted)
    sub = Embeddings(words, np.stack([kv[w] for w in words]))
    return float(np.mean([sub.most_similar(w, topn=1)[0][0] in near
                          for w, near in planted.items()]))


def learning_options(model):
    epochs, alpha = (5, 0.2) if model == "sg" else (8, 0.3)
    return dict(model=model, epochs=epochs, alpha=alpha, dim=8, window=2, negative=2, sample=0,
                min_count=1, threads=1, seed=1, device="cuda")


@on_device
@pytest.mark.parametrize("model", ["sg", "cbow"])
def test_planted_neighbours_are_learned_on_the_device(learning_setup, model):
    corpus_path, words_path = learning_setup
    cfg = config.build(None, **learning_options(model))
    trained = train(Run([corpus_path], cfg, read_vocab=words_path, **QUIET))
    assert neighbour_score(Embeddings(trained.vocab.words, trained.vectors)) >= NEIGHBOUR_BAR
    losses = trained.summary.epoch_loss
    assert losses[-1] < losses[0]


@on_device
def test_untrained_vectors_fail_the_same_bar(learning_setup):
    corpus_path, words_path = learning_setup
    cfg = config.build(None, **dict(learning_options("sg"), epochs=1, alpha=1e-6,
                                    min_alpha=1e-7))
    trained = train(Run([corpus_path], cfg, read_vocab=words_path, **QUIET))
    assert neighbour_score(Embeddings(trained.vocab.words, trained.vectors)) < 0.5


def _interrupted_run(corpus, words, out, ck, options, batches, tuning=None):
    cfg = config.build(None, **options)
    with pytest.raises(Interrupted):
        train_to_files(Run([corpus], cfg, str(out), checkpoint_dir=str(ck), read_vocab=words,
                           stop=StopAfter(batches), device_tuning=tuning, **QUIET))
    saved = ckpt.load_latest(str(ck), warn=print)
    total = saved.meta["cache"]["words"] * cfg.epochs
    assert 0 < saved.position.done < total
    return saved, total


def _resume_on(device_name, ck, out, report):
    result = CliRunner().invoke(cli, ["train", "--resume", str(ck), "--device", device_name,
                                      "--report", str(report), "-q"])
    assert result.exit_code == 0, result.output
    assert out.exists() and os.listdir(ck) == []
    return json.loads(report.read_text())


@on_device
def test_a_cpu_checkpoint_resumes_on_the_device(learning_setup, tmp_path):
    corpus_path, words_path = learning_setup
    out, ck = tmp_path / "v.bin", tmp_path / "ck"
    options = dict(learning_options("sg"), device="cpu", batch_words=300, epochs=2)
    saved, total = _interrupted_run(corpus_path, words_path, out, ck, options, 3)
    report = _resume_on("cuda", ck, out, tmp_path / "run.json")
    assert report["device"] == "cuda" and report["options"]["device"] == "cuda"
    assert report["words_trained"] == total - saved.position.done
    assert report["epochs_done"] == 2


@on_device
def test_a_device_checkpoint_resumes_on_the_cpu(learning_setup, tmp_path):
    corpus_path, words_path = learning_setup
    out, ck = tmp_path / "v.bin", tmp_path / "ck"
    options = dict(learning_options("sg"), epochs=1)
    tuning = device.Tuning(chunk_words=300)  # several chunks per epoch
    saved, total = _interrupted_run(corpus_path, words_path, out, ck, options, 2, tuning)
    assert saved.model.syn0.any() and saved.model.syn1neg.any()  # the device's vectors, copied back
    report = _resume_on("cpu", ck, out, tmp_path / "run.json")
    assert report["device"] == "cpu"
    assert report["words_trained"] == total - saved.position.done


# ---------------------------------------------------------------- streaming
STREAM_CHUNK = 150  # ids a chunk: the shared corpus in over a dozen chunks
STREAM_EPOCHS = 2


def allocation(array):
    """The device allocation ``array`` is a view of (the simulator's arrays are NumPy's)."""
    return array.base if SIMULATED else array.gpu_data.owner


class LaunchRecorder:
    """A kernel that notes every chunk it is launched on, then runs it: the chunk's ids
    and the device allocation they are a view of."""

    def __init__(self, kernel, events):
        self.kernel, self.events = kernel, events

    def __getattr__(self, name):
        return getattr(self.kernel, name)

    def __getitem__(self, launch_config):
        launch = self.kernel[launch_config]

        def run(chunk, *args):
            self.events.append(("launch", chunk.ids.copy_to_host(), allocation(chunk.ids)))
            return launch(chunk, *args)

        return run


def recorded_run(corpus, tuning, monkeypatch):
    """Train on ``corpus`` with the device's ``tuning``: (Trained, log lines, events), the
    events in order: ("train", batch start) at each call of the device's ``train``,
    ("copy", (start, end)) when a batch is staged for its copy, ("launch", chunk ids,
    their device allocation)."""
    from w2vns.kernels import cuda as K

    events, lines = [], []
    build, stage, train_batch = K.kernel_for, device.Uploads._stage, device.CudaDevice.train

    def staging(uploads, batch):
        events.append(("copy", (batch.start, batch.end)))
        return stage(uploads, batch)

    def training(trainer, batch, *args):
        events.append(("train", batch.start))
        return train_batch(trainer, batch, *args)

    cfg = config.build(None, **dict(learning_options("sg"), epochs=STREAM_EPOCHS))
    with monkeypatch.context() as patch:
        patch.setattr(K, "kernel_for", lambda *key: LaunchRecorder(build(*key), events))
        patch.setattr(device.Uploads, "_stage", staging)
        patch.setattr(device.CudaDevice, "train", training)
        trained = train(Run([corpus], cfg, log=lines.append, bar=False, device_tuning=tuning))
    return trained, lines, events


def launches(events):
    return [(event[1], event[2]) for event in events if event[0] == "launch"]


def copies(events):
    return [event[1] for event in events if event[0] == "copy"]


def epochs_of(launched):
    """Each epoch's launched ids, joined (every epoch launches as often)."""
    assert len(launched) % STREAM_EPOCHS == 0
    per_epoch = len(launched) // STREAM_EPOCHS
    return [np.concatenate([ids for ids, _ in launched[e * per_epoch:(e + 1) * per_epoch]])
            for e in range(STREAM_EPOCHS)]


def allocations(launched):
    """How many distinct device allocations the launches read."""
    return len({id(buffer) for _, buffer in launched})


def calls(events):
    """The kinds of events of each call of ``train``, with the batch's start."""
    found = []
    for kind, *rest in events:
        if kind == "train":
            found.append((rest[0], []))
        else:
            found[-1][1].append(kind)
    return found


@on_device
@pytest.mark.parametrize("resident_chunks", [0, 1])
def test_a_streamed_corpus_trains_as_a_resident_one(corpus, monkeypatch, resident_chunks):
    """Chunks past the resident budget are copied again every epoch, through two device
    buffers in turn: the same vectors as when every chunk stays, each chunk trained once
    an epoch, in order."""
    from w2vns.kernels import cuda as K

    resident = device.Tuning(workers=1, chunk_words=STREAM_CHUNK)
    kept, kept_log, kept_events = recorded_run(corpus, resident, monkeypatch)
    first = launches(kept_events)[0][0]  # its ids, unit starts and unit ends fill the budget
    unit_count = len(device.units(first, K.SEGMENT_WORDS)[0])
    budget = resident_chunks * (len(first) + 2 * unit_count) * device.ITEM_BYTES
    streamed = resident._replace(resident_bytes=budget)
    got, got_log, got_events = recorded_run(corpus, streamed, monkeypatch)
    streaming = [line for line in got_log if "copied again every epoch" in line]
    assert streaming == [f"the corpus does not fit in the device memory kept for it: the "
                         f"chunks after the first {resident_chunks} are copied again every epoch"]
    assert not any("copied again" in line for line in kept_log)

    kept_launched, got_launched = launches(kept_events), launches(got_events)
    chunks = len(got_launched) // STREAM_EPOCHS
    assert chunks > 2 * device.BUFFERS  # both device buffers come round more than once
    epochs = epochs_of(got_launched)
    assert all(np.array_equal(e, epochs[0]) for e in epochs + epochs_of(kept_launched))
    assert np.count_nonzero(epochs[0] != -1) == got.summary.corpus_words
    assert got.summary.words_trained == STREAM_EPOCHS * got.summary.corpus_words

    kept_copies, got_copies = copies(kept_events), copies(got_events)
    assert len(kept_copies) == len(set(kept_copies)) == chunks  # copied once, then resident
    assert len(got_copies) == resident_chunks + (chunks - resident_chunks) * STREAM_EPOCHS
    assert set(got_copies) == set(kept_copies)
    assert allocations(kept_launched) == chunks  # each resident chunk its own
    assert allocations(got_launched) == resident_chunks + device.BUFFERS
    buffers = [id(b) for _, b in got_launched[resident_chunks:chunks]]
    assert all(a != b for a, b in zip(buffers, buffers[1:]))  # the two buffers in turn

    # each chunk is copied while the kernel before it runs, but an epoch's first
    trained = calls(got_events)
    for i, ((start, kinds), (following, _)) in enumerate(zip(trained, trained[1:] + [(0, [])])):
        launch = kinds.index("launch")
        assert kinds[launch + 1:] == ([] if following == 0 else ["copy"])
        assert ("copy" in kinds[:launch]) == (i == 0 or (start == 0 and resident_chunks == 0))
    np.testing.assert_array_equal(got.vectors, kept.vectors)
    np.testing.assert_array_equal(got.context, kept.context)
    assert kernel_time(got.summary) in got_log
    assert (got.summary.kernel_seconds is None) == SIMULATED  # the simulator's events: n/a
