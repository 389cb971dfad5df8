"""The documentation build (``make docs``): Sphinx builds the guide and the API reference with
warnings as errors, offline, and the pages load nothing from the network."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _conf():
    spec = importlib.util.spec_from_file_location("linml_docs_conf", DOCS / "conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    for name in ("sphinx", "numpydoc", "myst_parser"):  # the dev and docs extras have them
        pytest.importorskip(name)
    out = tmp_path_factory.mktemp("docs")
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q"]
    cmd += ["-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"sphinx failed:\n{proc.stdout}\n{proc.stderr}"
    return out / "html"


def test_docs_build_without_warnings(built):
    assert (built / "index.html").is_file()
    assert (built / "api" / "index.html").is_file()


def test_every_guide_page_is_in_the_build(built):
    """Each docs/sections file is included by one page of docs/reference, which is built."""
    included = {}
    for page in (DOCS / "reference").glob("*.md"):
        for name in re.findall(r"\{include\} \.\./sections/([\w.-]+\.md)", page.read_text()):
            included[name] = page.stem
    for section in (DOCS / "sections").glob("*.md"):
        assert section.name in included, f"{section.name} is in no page of docs/reference"
        assert (built / "reference" / f"{included[section.name]}.html").is_file()


def test_api_pages_carry_the_docstrings(built):
    html = (built / "api" / "generated" / "linml.linear_model.Ridge.html").read_text()
    ridge = re.sub(r"<[^>]+>", "", html)
    assert "σ_i²/(σ_i² + α)" in ridge  # the formula of the docstring, as written
    assert "Parameters" in ridge and "Attributes" in ridge  # numpydoc sections rendered
    import linml.linear_model

    for name in linml.linear_model.__all__:
        assert (built / "api" / "generated" / f"linml.linear_model.{name}.html").is_file(), name


def test_pages_load_nothing_from_the_network(built):
    remote = re.compile(r"""<(?:script|img|link)\b[^>]*(?:src|href)=["'](?:https?:)?//""")
    for page in built.rglob("*.html"):
        assert not remote.search(page.read_text()), page.relative_to(built)


def test_lift_headings_skips_code_fences():
    conf = _conf()
    text = "## Title\n\n```bash\n## not a heading\n```\n\n### Sub\n"
    assert conf.lift_headings(text) == "# Title\n\n```bash\n## not a heading\n```\n\n## Sub\n"


def test_relink_keeps_docs_links_and_names_other_files():
    conf = _conf()
    assert conf.relink("[map](docs/house.md)") == "[map](project:/house.md)"
    assert conf.relink("[`benchmarks/RESULTS.md`](benchmarks/RESULTS.md)") == (
        "`benchmarks/RESULTS.md`"
    )
    assert conf.relink("[the table](benchmarks/RESULTS.md)") == (
        "the table (`benchmarks/RESULTS.md`)"
    )
    assert conf.relink("[web](https://example.org) [here](#x)") == (
        "[web](https://example.org) [here](#x)"
    )


def test_escape_plain_math_leaves_code_alone():
    conf = _conf()
    lines = [
        "penalty |λ| on coef_ here",
        "``coef_ |x|`` stays",
        ">>> a_ | b",
        "Example::",
        "",
        "    x_ |y|",
    ]
    conf.escape_plain_math(lines)
    assert lines[0] == r"penalty \|λ\| on coef\_ here"
    assert lines[1] == "``coef_ |x|`` stays"
    assert lines[2] == ">>> a_ | b"
    assert lines[5] == "    x_ |y|"


def test_changelog_has_a_section_for_this_version():
    import linml

    changelog = (ROOT / "CHANGELOG.md").read_text()
    versions = re.findall(r"^## (\d+\.\d+\.\d+)\b", changelog, re.M)
    assert versions and versions[0] == linml.__version__, versions
    for heading in ("### Added", "### Changed", "### Fixed"):
        assert heading in changelog
