"""The documentation site builds with --strict (a broken link or anchor fails), and README stays short."""

import os
import re
import shutil
import subprocess
import sys

from tests.helpers import ROOT


def test_the_site_builds_strictly(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    # Every page is on the site, including pages no nav entry names (docs/.nav.yml appends them).
    pages = {p.relative_to(ROOT / "docs").with_suffix("") for p in (ROOT / "docs").rglob("*.md")}
    built = {p.parent.relative_to(tmp_path) for p in tmp_path.rglob("index.html")}
    missing = [str(p) for p in pages if (p.parent if p.name == "index" else p) not in built]
    assert missing == []
    home = (tmp_path / "index.html").read_text()
    for section in ("Concepts", "How-to guides", "Reference", "Operations"):
        assert section in home


def test_readme_is_short_and_its_links_resolve():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if not t.startswith("http")]
    assert local and [t for t in local if not (ROOT / t).exists()] == []


def test_license_is_the_apache_2_0_text():
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_pages_no_nav_names_are_on_the_site_and_in_its_navigation(tmp_path):
    # Other areas add pages (docs/security.md, docs/runbooks/<alert>.md) without editing any nav file.
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    (tmp_path / "docs" / "security.md").write_text("# Security\n\nA page no nav file names.\n")
    (tmp_path / "docs" / "runbooks").mkdir()
    (tmp_path / "docs" / "runbooks" / "gpu-pod-pending.md").write_text("# GpuPodPending\n\nWhat to do.\n")
    (tmp_path / "docs" / "how-to" / "rotate-keys.md").write_text("# Rotate keys\n\nSteps.\n")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    home = (tmp_path / "site" / "index.html").read_text()
    for link in ('href="security/"', 'href="runbooks/gpu-pod-pending/"', 'href="how-to/rotate-keys/"'):
        assert link in home, link
