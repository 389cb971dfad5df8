"""README: the two commands first, sections in sync, every Python example runs (slow)."""

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
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert blocks
    namespace = {"__name__": "__readme__"}  # one session, like a reader pasting in order
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"README block {i}", "exec"), namespace)
        except Exception as e:  # report which block failed
            raise AssertionError(f"README python block {i} failed: {e!r}\n{block}") from e
