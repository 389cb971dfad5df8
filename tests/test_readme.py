"""README: the two commands first, in sync with the guide pages, every Python example of README
and the guide pages runs (slow)."""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import build_readme  # noqa: E402


def test_first_screen_shows_the_two_commands():
    first_screen = (ROOT / "README.md").read_text().splitlines()[:12]
    assert any(line.startswith("make demo") for line in first_screen)
    assert any(line.startswith("make test") for line in first_screen)


def test_readme_is_in_sync_with_sections():
    assert (ROOT / "README.md").read_text() == build_readme.render(), (
        "README.md is stale: run scripts/build_readme.py"
    )


def test_ci_calls_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.slow
def test_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # blocks write files: keep them out of the checkout
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # blocks import benchmark helpers
    readme_head = (ROOT / "README.md").read_text().split(build_readme.MARKER)[0]
    pages = [("README", readme_head)] + [
        (p.name, p.read_text()) for p in sorted((ROOT / "docs" / "sections").glob("*.md"))
    ]
    namespace = {"__name__": "__readme__"}  # one session, like a reader pasting in order
    n_blocks = 0
    for name, text in pages:
        for i, block in enumerate(re.findall(r"```python\n(.*?)```", text, re.S)):
            n_blocks += 1
            try:
                exec(compile(block, f"{name} block {i}", "exec"), namespace)
            except Exception as e:  # report which block failed
                raise AssertionError(f"{name} python block {i} failed: {e!r}\n{block}") from e
    assert n_blocks > 20


def test_readme_lists_every_guide_page():
    readme = (ROOT / "README.md").read_text()
    for page in sorted((ROOT / "docs" / "sections").glob("*.md")):
        if page != build_readme.OVERVIEW:
            assert f"](docs/sections/{page.name})" in readme, page.name
    assert "## Quickstart" in readme.split(build_readme.MARKER)[0]
