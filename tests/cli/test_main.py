"""The `linml` command itself: help, version, the tour's command-line behaviour."""

import re

import pytest
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["classify", "--bogus"], "No such option: --bogus (see 'linml classify --help')"),
        (["nosuchcmd"], "No such command 'nosuchcmd'"),
        (["tour", "--chapter"], "Option '--chapter' requires an argument"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args, message):
    """Issue 17: Typer drew a five-line box for a bad option or command."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_error_messages_keep_quotes_and_brackets(tmp_path):
    """Issue 17: the opening quote of a path was stripped; '[x]' was eaten as Rich markup."""
    empty = tmp_path / "[2024] empty.csv"
    empty.write_text("a,b\n")
    result = runner.invoke(app, ["classify", str(empty), "--target", "a"])
    assert result.exit_code == 2
    assert f"error: '{empty}' holds no data" in result.output
