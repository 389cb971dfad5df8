"""The `linml` command itself: help, version, the tour's command-line behaviour."""

import re

from typer.testing import CliRunner

import linml
from linml.cli.main import app

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"linml {linml.__version__}"


def test_help_lists_tour():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert re.search(r"\btour\b", result.stdout)


def test_tour_list_names_every_chapter():
    from linml.report.tour import discover_chapters

    result = runner.invoke(app, ["tour", "--list"])
    assert result.exit_code == 0
    for chapter in discover_chapters():
        assert chapter.slug in result.stdout


def test_unknown_chapter_is_one_line_exit_2(tmp_path):
    result = runner.invoke(app, ["tour", "--chapter", "nope", "--out", str(tmp_path / "t")])
    assert result.exit_code == 2
    assert "unknown chapter(s) nope" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "t").exists()
