"""gensim's KeyedVectors API on Embeddings: every method against gensim's own on the same
vectors (random ones with zero rows, and a trained model), word counts, to_gensim and
from_gensim, and the errors (unknown keys are KeyErrors, as in gensim)."""

import collections
import subprocess
import sys

import numpy as np
import pytest

import w2vns
from w2vns.errors import (QueryTypeError, QueryValueError, UnknownAttributeError,
                          UnknownWordError, UsageError)
from w2vns.io import w2vformat
from w2vns.vectors import Embeddings

models = pytest.importorskip("gensim.models")

CORPUS_SENTENCES = 1000
TRAIN = dict(dim=16, epochs=1, threads=1, seed=1, quiet=True, log=lambda _: None)
RTOL, ATOL = 1e-5, 1e-6  # float32 precision of a cosine
WORDS, DIM = 200, 16
ZERO_ROWS = (7, 150)  # rows of the random vectors set to zero
RESTRICT = 120
SEED = 20250611

# gensim divides by a zero norm (NaN, with a RuntimeWarning) and warns about its own
# deprecated init_sims in most_similar_cosmul.
pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def random_embeddings():
    rng = np.random.default_rng(SEED)
    vectors = rng.standard_normal((WORDS, DIM)).astype(np.float32)
    vectors[list(ZERO_ROWS)] = 0
    counts = np.arange(WORDS, 0, -1) * 3
    return Embeddings([f"w{i:03d}" for i in range(WORDS)], vectors, counts=counts)


@pytest.fixture(scope="module")
def trained(corpus):
    return w2vns.train(corpus, **TRAIN)


@pytest.fixture(scope="module", params=["random", "trained"])
def pair(request):
    """(ours, gensim's KeyedVectors) on the same vectors, and a few known keys."""
    ours = random_embeddings() if request.param == "random" else request.getfixturevalue(
        "trained")
    theirs = models.KeyedVectors(ours.vector_size, count=0)
    theirs.add_vectors(list(ours.words), ours.vectors.copy())
    keys = [ours.words[i] for i in (0, 3, 11, 42, 97)]
    return ours, theirs, keys


def assert_same_ranking(ours, theirs):
    """The same scores in order (float32 precision) and the same keys, except that keys
    whose scores tie within that precision may swap."""
    assert len(ours) == len(theirs)
    their_scores = np.array([score for _, score in theirs])
    np.testing.assert_allclose([score for _, score in ours], their_scores, rtol=RTOL,
                               atol=ATOL)
    for position, ((key, _), (their_key, _)) in enumerate(zip(ours, theirs)):
        if key != their_key:
            tied = np.isclose(their_scores, their_scores[position], rtol=RTOL, atol=ATOL)
            assert tied.sum() > 1, (position, key, their_key)


def assert_same_scores(ours, theirs):
    """Score arrays equal where gensim's is finite; where gensim divides by a zero norm
    (NaN), ours is a finite number."""
    finite = np.isfinite(theirs)
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=RTOL, atol=ATOL)
    assert np.isfinite(ours).all()


# --------------------------------------------------------------------------- names


def test_names_and_lookups_agree(pair):
    ours, theirs, keys = pair
    assert ours.index_to_key == theirs.index_to_key and ours.index_to_key is ours.words
    assert ours.key_to_index == theirs.key_to_index
    assert ours.vector_size == theirs.vector_size == ours.dim
    assert np.array_equal(ours.vectors, theirs.vectors)
    probes = keys + [0, 5, np.int64(9), len(ours) - 1, len(ours), -1, "zzz"]
    for key in probes:
        assert ours.get_index(key, -7) == theirs.get_index(key, -7)
        assert ours.has_index_for(key) == theirs.has_index_for(key) == (key in ours)
    for key in keys + [4]:
        assert ours.get_index(key) == theirs.get_index(key)
        assert np.array_equal(ours[key], theirs[key])
        assert np.array_equal(ours.get_vector(key), theirs.get_vector(key))
        np.testing.assert_allclose(ours.get_vector(key, norm=True),
                                   theirs.get_vector(key, norm=True), rtol=RTOL, atol=ATOL)
    assert np.array_equal(ours[keys], theirs[keys])


def test_vectors_are_read_only_views():
    ours = random_embeddings()
    with pytest.raises(ValueError):
        ours["w001"][0] = 1
    with pytest.raises(ValueError):
        ours.get_normed_vectors()[0, 0] = 1
    assert ours.vectors.flags.writeable


@pytest.mark.parametrize("method", ["get_index", "get_vector", "__getitem__"])
def test_unknown_keys_are_key_errors_as_in_gensim(pair, method):
    ours, theirs, _ = pair
    for key in ("zzz", len(ours), -1):
        with pytest.raises(KeyError):
            getattr(theirs, method)(key)
        with pytest.raises(UnknownWordError) as err:
            getattr(ours, method)(key)
        assert isinstance(err.value, KeyError) and str(err.value) == f"unknown word: {key}"


@pytest.mark.parametrize("call", [
    lambda kv: kv.most_similar(["w001", "zzz"]),
    lambda kv: kv.most_similar("w001", ["zzz"]),
    lambda kv: kv.most_similar_cosmul(["w001"], ["zzz"]),
    lambda kv: kv.similar_by_key("zzz"),
    lambda kv: kv.similarity("w001", "zzz"),
    lambda kv: kv.distance("zzz", "w001"),
    lambda kv: kv.distances("w001", ["w002", "zzz"]),
    lambda kv: kv.rank("w001", "zzz"),
    lambda kv: kv.closer_than("zzz", "w001"),
])
def test_unknown_keys_in_queries_are_key_errors(call):
    ours = random_embeddings()
    with pytest.raises(KeyError):
        call(ours.to_gensim())
    with pytest.raises(UnknownWordError, match="^unknown word: zzz$"):
        call(ours)


def test_norms_and_normed_vectors_agree(pair):
    ours, theirs, _ = pair
    assert random_embeddings().norms is None
    ours.fill_norms()
    theirs.fill_norms()
    np.testing.assert_allclose(ours.norms, theirs.norms, rtol=RTOL, atol=ATOL)
    assert_same_scores(ours.get_normed_vectors(), theirs.get_normed_vectors())


def test_zero_vectors_stay_zero_not_nan():
    ours = random_embeddings()
    zero = ours.words[ZERO_ROWS[0]]
    assert not ours.get_vector(zero, norm=True).any()
    assert not ours.get_normed_vectors()[list(ZERO_ROWS)].any()
    assert ours.similarity(zero, "w001") == 0.0 and ours.distance(zero, "w001") == 1.0
    assert np.isfinite(ours.most_similar("w001", topn=None)).all()
    assert ours.most_similar(zero) == []
    assert ours.most_similar(positive=["w001"], negative=["w001"]) == []


# ------------------------------------------------------------------------- queries


def most_similar_cases(keys, dim):
    """(args, kwargs) of most_similar calls that gensim and w2vns must answer alike."""
    a, b, c, d, e = keys
    rng = np.random.default_rng(SEED + 1)
    vector, block = rng.standard_normal(dim), rng.standard_normal((2, dim)).astype(np.float32)
    return [
        ((a,), {}),
        (([a, b],), dict(topn=5)),
        ((), dict(positive=[a, c], negative=[b], topn=7)),
        ((), dict(positive=[(a, 0.5), (b, 2.0)], negative=[(c, -0.25)])),
        ((), dict(positive=[vector])),
        ((vector,), dict(topn=3)),
        ((block,), dict(negative=[d])),
        ((), dict(positive=[a, vector], negative=[(e, -1.5)], topn=12)),
        (([3, a],), dict(topn=4)),
        ((a,), dict(restrict_vocab=RESTRICT)),
        ((), dict(positive=[c, d], negative=[a], restrict_vocab=RESTRICT, topn=20)),
        ((a,), dict(topn=60)),
    ]


def test_most_similar_agrees(pair):
    ours, theirs, keys = pair
    for args, kwargs in most_similar_cases(keys, ours.vector_size):
        assert_same_ranking(ours.most_similar(*args, **kwargs),
                            theirs.most_similar(*args, **kwargs))
        everything = dict(kwargs, topn=None)
        assert_same_scores(ours.most_similar(*args, **everything),
                           theirs.most_similar(*args, **everything))
    assert ours.most_similar(keys[0], topn=0) == theirs.most_similar(keys[0], topn=0) == []


def test_similar_by_key_word_and_vector_agree(pair):
    ours, theirs, keys = pair
    vector = ours[keys[1]] + 0.5 * ours[keys[2]]
    for restrict in (None, RESTRICT):
        for method in ("similar_by_key", "similar_by_word"):
            assert_same_ranking(getattr(ours, method)(keys[0], 8, restrict),
                                getattr(theirs, method)(keys[0], 8, restrict))
        assert_same_ranking(ours.similar_by_vector(vector, topn=8, restrict_vocab=restrict),
                            theirs.similar_by_vector(vector, topn=8, restrict_vocab=restrict))
    assert_same_scores(ours.similar_by_vector(vector, topn=None),
                       theirs.similar_by_vector(vector, topn=None))


def test_most_similar_cosmul_agrees(pair):
    ours, theirs, keys = pair
    a, b, c, d, _ = keys
    unit = ours.get_vector(d, norm=True)  # gensim takes a vector as given: a unit one agrees
    cases = [dict(positive=[a, b], negative=[c]), dict(positive=[a]),
             dict(positive=[a, unit], negative=[b, c], topn=4), dict(positive=a, negative=b)]
    for kwargs in cases:
        assert_same_ranking(ours.most_similar_cosmul(**kwargs),
                            theirs.most_similar_cosmul(**kwargs))
        assert_same_scores(ours.most_similar_cosmul(**dict(kwargs, topn=None)),
                           theirs.most_similar_cosmul(**dict(kwargs, topn=None)))


def test_most_similar_cosmul_honours_restrict_vocab(pair):
    """gensim searches every key whatever restrict_vocab says; w2vns the first N only."""
    ours, theirs, keys = pair
    everything = theirs.most_similar_cosmul([keys[0], keys[1]], [keys[2]], topn=None)
    restricted = ours.most_similar_cosmul([keys[0], keys[1]], [keys[2]], topn=None,
                                          restrict_vocab=RESTRICT)
    assert len(restricted) == RESTRICT
    assert_same_scores(restricted, everything[:RESTRICT])
    order = [i for i in np.argsort(-everything[:RESTRICT], kind="stable")
             if theirs.index_to_key[i] not in keys[:3]][:6]
    assert_same_ranking(ours.most_similar_cosmul([keys[0], keys[1]], [keys[2]], topn=6,
                                                 restrict_vocab=RESTRICT),
                        [(theirs.index_to_key[i], float(everything[i])) for i in order])


def test_pairwise_similarities_agree(pair):
    ours, theirs, keys = pair
    a, b, c, d, e = keys
    for one, two in ((a, b), (c, d), (e, a), (b, b)):
        assert ours.similarity(one, two) == pytest.approx(theirs.similarity(one, two),
                                                          rel=RTOL, abs=ATOL)
        assert ours.distance(one, two) == pytest.approx(theirs.distance(one, two),
                                                        rel=RTOL, abs=ATOL)
    for first, second in (([a, b], [c]), ([a], [b, c, d]), ([a, "zzz"], [b]), (["zzz"], [a])):
        assert ours.n_similarity(first, second) == pytest.approx(
            theirs.n_similarity(first, second), rel=RTOL, abs=ATOL)


def test_distances_and_cosine_similarities_agree(pair):
    ours, theirs, keys = pair
    vector = ours[keys[4]] * 3
    for target in (keys[0], vector):
        assert_same_scores(ours.distances(target), theirs.distances(target))
        assert_same_scores(ours.distances(target, keys[1:]), theirs.distances(target, keys[1:]))
    matrix = ours[keys]
    np.testing.assert_allclose(Embeddings.cosine_similarities(vector, matrix),
                               models.KeyedVectors.cosine_similarities(vector, matrix),
                               rtol=RTOL, atol=ATOL)


def test_ranks_and_odd_one_out_agree(pair):
    ours, theirs, keys = pair
    for key in keys[:3]:
        neighbours = [k for k, _ in theirs.most_similar(key, topn=30)]
        for other in (neighbours[4], neighbours[29]):
            assert ours.closer_than(key, other) == theirs.closer_than(key, other)
            assert ours.words_closer_than(key, other) == theirs.closer_than(key, other)
            assert ours.rank(key, other) == theirs.rank(key, other)
    for words in (keys, keys[:3] + ["zzz"]):
        assert ours.doesnt_match(words) == theirs.doesnt_match(words)
        assert [k for _, k in ours.rank_by_centrality(words)] == [
            k for _, k in theirs.rank_by_centrality(words)]


def test_query_argument_errors():
    ours = random_embeddings()
    cases = [
        (lambda: ours.most_similar([]), QueryValueError, ValueError,
         "cannot compute similarity with no input: give at least one key or vector."),
        (lambda: ours.most_similar_cosmul(negative=["w001"]), QueryValueError, ValueError,
         "cannot compute similarity with no input: give at least one key or vector."),
        (lambda: ours.n_similarity([], ["w001"]), QueryValueError, ValueError,
         "n_similarity needs at least one key in each list."),
        (lambda: ours.doesnt_match(["zzz", "yyy"]), QueryValueError, ValueError,
         "none of the words is in the vocabulary: nothing to rank."),
        (lambda: ours.similar_by_vector(np.ones(DIM + 1)), QueryValueError, ValueError,
         f"a query vector of shape ({DIM + 1},): these vectors have {DIM} dimensions."),
        (lambda: ours.most_similar("w001", 3), QueryTypeError, TypeError,
         "most_similar's second argument is negative, as in gensim: pass topn=3 by keyword."),
        (lambda: ours.most_similar([0.5, 0.25]), QueryTypeError, TypeError,
         "a query term must be a key or a vector or a (key or vector, weight) pair (a vector: "
         "a NumPy array), got float."),
        (lambda: ours.most_similar_cosmul([("w001", 2.0)]), QueryTypeError, TypeError,
         "a query term must be a key or a vector (a vector: a NumPy array), got tuple."),
    ]
    for call, ours_type, python_type, message in cases:
        with pytest.raises(ours_type) as err:
            call()
        assert isinstance(err.value, UsageError) and isinstance(err.value, python_type)
        assert str(err.value) == message


def test_the_older_names_still_answer():
    ours = random_embeddings()
    assert ours.most_similar("w001", topn=5, restrict=RESTRICT) == ours.most_similar(
        "w001", topn=5, restrict_vocab=RESTRICT)
    assert_same_ranking(ours.analogy("w001", "w002", "w003", topn=4), ours.most_similar(
        positive=["w002", "w003"], negative=["w001"], topn=4))
    assert_same_ranking(ours.analogy("w001", "w002", "w003", topn=4, method="mul"),
                        ours.most_similar_cosmul(positive=["w002", "w003"],
                                                 negative=["w001"], topn=4))
    assert ours.index("w004") == 4 and ours.dim == DIM


# -------------------------------------------------------------------------- counts


def test_trained_vectors_carry_the_corpus_counts(trained, corpus):
    with open(corpus, encoding="utf-8") as handle:
        counted = collections.Counter(handle.read().split())
    assert [trained.get_vecattr(w, "count") for w in trained.words] == [
        counted[w] for w in trained.words]
    assert trained.get_vecattr(0, "count") == counted[trained.words[0]]


def test_vectors_from_a_file_have_no_counts(tmp_path):
    path = str(tmp_path / "v.bin")
    random_embeddings().save(path)
    loaded = w2vns.load(path)
    with pytest.raises(UnknownAttributeError) as err:
        loaded.get_vecattr("w001", "count")
    assert isinstance(err.value, KeyError) and str(err.value) == (
        "no word counts: vectors read from a file hold none (those w2vns.train returns have "
        "them).")
    with pytest.raises(KeyError, match="^no attribute 'sample_int': w2vns keeps only 'count' "
                                       "for each word.$"):
        random_embeddings().get_vecattr("w001", "sample_int")
    with pytest.raises(UnknownWordError):
        loaded.get_vecattr("zzz", "count")
    assert loaded.to_gensim().expandos == {}


def test_counts_must_match_the_words():
    with pytest.raises(UsageError, match=r"^need one count per word: 2 words, counts of shape "
                                         r"\(3,\).$"):
        Embeddings(["a", "b"], np.ones((2, 3)), counts=[1, 2, 3])


# -------------------------------------------------------------------- conversions


def test_to_gensim_and_back(trained):
    theirs = trained.to_gensim()
    assert isinstance(theirs, models.KeyedVectors)
    assert theirs.index_to_key == trained.words and theirs.vectors is not trained.vectors
    assert np.array_equal(theirs.vectors, trained.vectors)
    assert [theirs.get_vecattr(w, "count") for w in trained.words] == trained.counts.tolist()
    assert_same_ranking(trained.most_similar(trained.words[5]),
                        theirs.most_similar(trained.words[5]))
    back = Embeddings.from_gensim(theirs)
    assert back.words == trained.words and np.array_equal(back.vectors, trained.vectors)
    assert np.array_equal(back.counts, trained.counts)
    back.normalize()
    assert np.array_equal(theirs.vectors, trained.vectors)  # a copy: gensim's is untouched


def test_to_gensim_keeps_the_first_of_duplicate_words():
    ours = Embeddings(["a", "b", "a"], np.arange(9).reshape(3, 3), counts=[5, 4, 3])
    theirs = ours.to_gensim()
    assert theirs.index_to_key == ["a", "b"] and np.array_equal(theirs.vectors, ours.vectors[:2])
    assert theirs.get_vecattr("a", "count") == 5 and theirs.get_vecattr("b", "count") == 4


def test_from_gensim_of_a_loaded_file_and_of_a_model(tmp_path):
    path = str(tmp_path / "v.txt")
    original = random_embeddings()
    original.save(path)
    theirs = models.KeyedVectors.load_word2vec_format(path)
    ours = Embeddings.from_gensim(theirs)
    assert ours.words == original.words and np.array_equal(ours.vectors, original.vectors)
    assert np.array_equal(ours.counts, theirs.expandos["count"])  # the counts gensim made up
    model = models.Word2Vec([["a", "b", "c"], ["b", "c", "a"]], vector_size=4, min_count=1,
                            workers=1, epochs=1)
    assert Embeddings.from_gensim(model).words == model.wv.index_to_key
    with pytest.raises(UsageError, match="^from_gensim takes a gensim KeyedVectors \\(or a model "
                                         "with .wv\\), got dict.$"):
        Embeddings.from_gensim({"a": np.ones(3)})


def test_without_gensim_the_conversions_say_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gensim", None)
    monkeypatch.setitem(sys.modules, "gensim.models", None)
    ours = random_embeddings()
    with pytest.raises(UsageError) as err:
        ours.to_gensim()
    assert str(err.value) == ("gensim is not installed: pip install gensim "
                              "(Embeddings.to_gensim needs it).")
    with pytest.raises(UsageError) as err:
        Embeddings.from_gensim(object())
    assert str(err.value) == ("gensim is not installed: pip install gensim "
                              "(Embeddings.from_gensim needs it).")
    assert ours.most_similar("w001", topn=3)  # the queries need no gensim


def test_gensim_is_not_imported_by_loading_or_querying(tmp_path):
    path = tmp_path / "v.bin"
    w2vformat.write(str(path), ["a", "b", "c"], np.eye(3), binary=True)
    code = ("import sys, w2vns; kv = w2vns.load(sys.argv[1]); kv.most_similar('a'); "
            "kv.most_similar_cosmul('a'); print('gensim' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"
