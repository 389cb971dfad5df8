"""figure_problems: what a careful reader objects to in a figure, found before it is shipped."""

import numpy as np

from linml.report.figures import figure_problems, new_figure, plt


def _labelled(ax):
    ax.plot([0, 1], [0, 1])
    ax.set(xlabel="x (units)", ylabel="y (units)")


def test_a_clean_figure_has_no_problems():
    fig, axes = new_figure(2, width=3, height=3)
    for ax in axes:
        _labelled(ax)
    axes[0].text(0.5, 0.5, "inside", transform=axes[0].transAxes, ha="center")
    bar = fig.colorbar(plt.cm.ScalarMappable(cmap="viridis"), ax=axes[1])
    bar.set_label("value")
    assert figure_problems(fig) == []
    plt.close(fig)


def test_missing_labels_tiny_text_and_unlabelled_colorbar_are_found():
    fig, (a, b) = new_figure(2, width=3, height=3)
    a.plot([0, 1], [0, 1])
    _labelled(b)
    b.plot([0, 1], [1, 0], label="tiny")
    b.legend(fontsize=5)
    fig.colorbar(plt.cm.ScalarMappable(cmap="viridis"), ax=b)
    problems = figure_problems(fig)
    plt.close(fig)
    assert any("no x label" in p for p in problems)
    assert any("no y label" in p for p in problems)
    assert any("5.0 pt" in p for p in problems)
    assert any("colorbar without a label" in p for p in problems)


def test_text_outside_its_axes_is_found():
    fig, ax = new_figure(width=3, height=3, layout=None)  # the text would squeeze a layout
    _labelled(ax)
    ax.set(xlim=(0, 1))
    ax.text(0.95, 0.5, "a long label that runs out of the axes")
    problems = figure_problems(fig)
    plt.close(fig)
    assert any("extends outside the axes" in p for p in problems)


def test_overlapping_panels_are_found_and_constrained_layout_avoids_them():
    for layout, expect in ((None, True), ("constrained", False)):
        fig, axes = new_figure(2, width=2.5, height=2.5, layout=layout)
        for ax in axes:
            ax.plot([0, 1e5], [0, 1e5])
            ax.set(xlabel="x", ylabel="a long label on the y axis")
        problems = figure_problems(fig)
        plt.close(fig)
        assert any("overlap" in p for p in problems) is expect, (layout, problems)


def test_image_panels_need_no_labels():
    fig, axes = new_figure(2, width=2, height=2)
    for ax in axes:
        ax.imshow(np.eye(4))
        ax.set(xticks=[], yticks=[])
    assert figure_problems(fig) == []
    plt.close(fig)


def test_three_d_axes_need_a_z_label():
    fig = plt.figure(layout="constrained")
    ax = fig.add_subplot(projection="3d")
    ax.plot([0, 1], [0, 1], [0, 1])
    ax.set(xlabel="x", ylabel="y")
    problems = figure_problems(fig)
    plt.close(fig)
    assert any("no z label" in p for p in problems), problems
