"""w2vns plot: projections, word groups, the picture, and a clear error without matplotlib."""

import os

import numpy as np
import pytest
from click.testing import CliRunner

import w2vns
from w2vns.cli.main import cli
from w2vns.io import synthetic
from w2vns.vectors import plot, projection

QUERIES = ["cat", "red", "piano"]
TOPN = 5
TSNE_SEEDS = 5
MIN_NEIGHBOUR_AGREEMENT = 0.95
MIN_GAP_OVER_SPREAD = 5.0


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plot")
    corpus = folder / "corpus.txt"
    synthetic.write(str(corpus), sentences=5000)
    path = folder / "v.bin"
    kv = w2vns.train(str(corpus), str(path), epochs=5, threads=1, seed=1, dim=24, quiet=True,
                     log=lambda _: None)
    return str(path), kv


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def blobs(per_blob=20, dim=30, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 10, size=(3, dim))
    points = np.concatenate([c + rng.normal(0, 1, size=(per_blob, dim)) for c in centres])
    return points, np.repeat(np.arange(3), per_blob)


def nearest_in_plane(coords):
    d = ((coords[:, None, :] - coords[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    return d.argmin(axis=1)


# --------------------------------------------------------------------------- projections


def test_pca_of_points_on_a_plane_keeps_every_distance():
    rng = np.random.default_rng(1)
    plane = rng.normal(size=(40, 2)) * [5.0, 1.0]
    basis, _ = np.linalg.qr(rng.normal(size=(12, 2)))
    points = plane @ basis.T + rng.normal(size=12)  # the plane, rotated and moved into 12-D
    coords = projection.pca(points)
    dist = lambda x: np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))  # noqa: E731
    np.testing.assert_allclose(dist(coords), dist(points), atol=1e-9)
    assert coords[:, 0].var() > coords[:, 1].var()  # the first axis carries the most variance


def test_pca_axes_have_fixed_signs():
    points, _ = blobs()
    np.testing.assert_allclose(projection.pca(-points), -projection.pca(points), atol=1e-9)
    assert projection.pca(points[:1]).shape == (1, 2)


def test_tsne_keeps_clusters_apart():
    """Properties with wide margins, not one layout: BLAS kernels and library versions
    change the last bits of every step, so the exact coordinates may differ."""
    points, labels = blobs()
    for seed in range(TSNE_SEEDS):
        coords = projection.tsne(points, seed=seed)
        assert coords.shape == (len(points), 2) and np.isfinite(coords).all()
        assert (labels[nearest_in_plane(coords)] == labels).mean() >= MIN_NEIGHBOUR_AGREEMENT
        centres = np.array([coords[labels == k].mean(axis=0) for k in range(3)])
        spread = max(np.linalg.norm(coords[labels == k] - centres[k], axis=1).max()
                     for k in range(3))
        gap = min(np.linalg.norm(centres[i] - centres[j]) for i in range(3) for j in range(i))
        assert gap > MIN_GAP_OVER_SPREAD * spread  # about 130x seen
        np.testing.assert_array_equal(coords, projection.tsne(points, seed=seed))  # same seed


# --------------------------------------------------------------------------- word groups


def test_word_map_groups_each_query_with_its_neighbours(trained):
    _, kv = trained
    wmap = plot.word_map(kv, QUERIES, TOPN)
    assert len(wmap.words) == len(set(wmap.words)) == len(wmap.coords)
    for group, query in enumerate(QUERIES):
        members = {w for w, g in zip(wmap.words, wmap.groups) if g == group}
        expected = {query} | {w for w, _ in kv.most_similar(query, topn=TOPN)}
        assert members == expected  # the planted classes do not overlap
    # the groups of planted classes are apart in the plane too
    labels = np.asarray(wmap.groups)
    assert (labels[nearest_in_plane(wmap.coords)] == labels).mean() > 0.9


def test_a_shared_neighbour_is_drawn_once(trained):
    _, kv = trained
    wmap = plot.word_map(kv, ["cat", "dog"], TOPN)
    assert wmap.words.count("dog") == 1
    assert wmap.groups[wmap.words.index("dog")] == 1  # a query word stays in its own group


# --------------------------------------------------------------------------- the command


def colour_pixels(png, rgb, tolerance=0.02):
    image = pytest.importorskip("matplotlib.image").imread(png)[..., :3]
    return int((np.abs(image - np.asarray(rgb)).max(axis=-1) < tolerance).sum())


def test_plot_writes_a_png_with_one_colour_per_query_word(trained, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    path, _ = trained
    out = tmp_path / "map.png"
    result = run("plot", path, *QUERIES, "-n", TOPN, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote {3 * (TOPN + 1)} words (3 groups, PCA) to {out}\n"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    palette = matplotlib.colormaps[plot.PALETTE]
    for group in range(len(QUERIES)):
        assert colour_pixels(str(out), palette(group)[:3]) > 100
    assert colour_pixels(str(out), palette(len(QUERIES))[:3]) == 0  # no fourth group
    assert os.listdir(tmp_path) == ["map.png"]


def test_plot_svg_with_tsne_labels_every_word(trained, tmp_path):
    pytest.importorskip("matplotlib")
    path, kv = trained
    out = tmp_path / "map.svg"
    result = run("plot", path, "cat", "paris", "-n", "4", "--tsne", "-o", out)
    assert result.exit_code == 0, result.output
    svg = out.read_text()
    for word in ["cat", "paris"] + [w for q in ("cat", "paris") for w, _ in
                                    kv.most_similar(q, topn=4)]:
        assert f">{word}<" in svg


def test_plot_unknown_words(trained, tmp_path):
    pytest.importorskip("matplotlib")
    path, _ = trained
    out = tmp_path / "map.png"
    result = run("plot", path, "cat", "zzz", "-o", out)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: unknown word(s) in '{path}': zzz. Check the spelling, "
                             "or pass --ignore-missing.\n")
    assert not out.exists()
    result = run("plot", path, "cat", "zzz", "-o", out, "--ignore-missing")
    assert result.exit_code == 0 and "unknown word: zzz" in result.stderr and out.exists()


def test_plot_bad_extension_is_a_usage_error(trained, tmp_path):
    result = run("plot", trained[0], "cat", "-o", tmp_path / "map.jpg")
    if not plot.matplotlib_installed():
        pytest.skip("matplotlib is checked first")
    assert result.exit_code == 2
    assert result.stderr == (f"Error: cannot tell the picture format of '{tmp_path / 'map.jpg'}'"
                             ". Name it .png, .svg, .pdf.\n")


def test_plot_without_matplotlib_names_the_extra(trained, tmp_path, monkeypatch):
    monkeypatch.setattr(plot, "matplotlib_installed", lambda: False)
    result = run("plot", trained[0], "cat", "-o", tmp_path / "map.png")
    assert result.exit_code == 1
    assert result.stderr == ("Error: w2vns plot needs matplotlib. Install it with: "
                             "pip install 'w2vns[plot]'\n")
    assert os.listdir(tmp_path) == []


def test_a_failed_plot_leaves_the_older_picture_alone(trained, tmp_path, monkeypatch):
    figure = pytest.importorskip("matplotlib.figure")
    out = tmp_path / "map.png"
    out.write_bytes(b"older")

    def failing(self, handle, **kwargs):
        handle.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(figure.Figure, "savefig", failing)
    result = run("plot", trained[0], "cat", "-o", out)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: cannot write '{out}': No space left on device. Check free "
                             "space and permissions.\n")
    assert out.read_bytes() == b"older" and os.listdir(tmp_path) == ["map.png"]
