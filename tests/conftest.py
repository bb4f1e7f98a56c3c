"""Fixtures the test files share."""

import pytest

from w2vns.io import synthetic

DEFAULT_CORPUS_SENTENCES = 20000


@pytest.fixture(scope="module")
def corpus(request, tmp_path_factory):
    """The synthetic corpus (``io.synthetic``, planted structure), as a path string: one
    per test module, of the module's ``CORPUS_SENTENCES`` sentences (default
    ``DEFAULT_CORPUS_SENTENCES``). Tests only read it, or change its times alone."""
    sentences = getattr(request.module, "CORPUS_SENTENCES", DEFAULT_CORPUS_SENTENCES)
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    synthetic.write(str(path), sentences=sentences)
    return str(path)
