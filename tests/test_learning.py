"""End-to-end learning on the synthetic corpus: planted structure must come out."""

import numpy as np
import pytest

from w2vns.training import config
from w2vns.io import synthetic
from w2vns.training.loop import train
from w2vns.training.run import Run
from w2vns.vectors.embeddings import Embeddings

CORPUS_SENTENCES = 20000  # sentences of the shared corpus fixture (conftest.py)
NEIGHBOUR_BAR = 0.9  # share of planted words whose nearest neighbour is planted
ANALOGY_BAR = 0.8


def train_embeddings(corpus, **options):
    options = {"epochs": 10, "threads": 2, "seed": 5, **options}
    cfg = config.build(None, **options)
    trained = train(Run([corpus], cfg, log=lambda _: None, bar=False))
    return Embeddings(trained.vocab.words, trained.vectors), trained


def neighbour_score(kv):
    """Share of planted words whose nearest planted word is one of its planted neighbours.

    Candidates are the planted words only: a relation word's nearest word overall is,
    rightly, one of the topic words private to its pair.
    """
    planted = synthetic.planted_neighbours()
    words = list(planted)
    sub = Embeddings(words, np.stack([kv[w] for w in words]))
    hits = [sub.most_similar(w, topn=1)[0][0] in near for w, near in planted.items()]
    return float(np.mean(hits))


def analogy_score(kv):
    questions = synthetic.analogy_questions()
    return float(np.mean([kv.analogy(a, b, c, topn=1)[0][0] == d for a, b, c, d in questions]))


@pytest.mark.parametrize("model", ["sg", "cbow"])
def test_planted_structure_is_learned(corpus, model):
    kv, trained = train_embeddings(corpus, model=model)
    assert neighbour_score(kv) >= NEIGHBOUR_BAR
    assert analogy_score(kv) >= ANALOGY_BAR
    losses = trained.summary.epoch_loss
    assert losses[-1] < losses[0]  # the loss falls while training


def test_untrained_vectors_fail_the_same_bar(corpus):
    """The bar is meaningful: random vectors do not pass it."""
    kv, _ = train_embeddings(corpus, model="sg", epochs=1, alpha=1e-6, min_alpha=1e-7)
    assert neighbour_score(kv) < 0.5


def test_one_thread_is_deterministic(corpus, tmp_path):
    from w2vns.training.outputs import train_to_files

    outputs = []
    for name in ("a.bin", "b.bin", "c.bin"):
        seed = 3 if name != "c.bin" else 4
        cfg = config.build(None, epochs=2, threads=1, seed=seed)
        out = tmp_path / name
        train_to_files(Run([corpus], cfg, str(out), log=lambda _: None, bar=False))
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]  # and the seed matters
