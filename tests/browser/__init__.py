"""What every browser test can call on a Playwright page: ``screenshot`` for a reviewer
and ``assert_no_axe_violations`` for accessibility.

The fixtures (``browser``, ``page`` on the live server) are in ``tests/conftest.py``,
so tests of any app can drive the browser. axe-core (``AXE_CORE_PATH``, else
``scripts/axe-core path``, which fetches it once from npm into the user's cache) runs
inside the page with the WCAG 2.0 and 2.1 level A and AA rules.
"""

import functools
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def screenshot(page, name: str) -> Path:
    """Save the whole page as ``test-artifacts/screenshots/<name>.png``; returns the
    file."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
    path = SCREENSHOTS / f"{safe}.png"
    page.screenshot(path=path, full_page=True)
    return path


@functools.cache
def _axe_core() -> tuple[str, str | None]:
    """axe.min.js's source, or why it cannot be had."""
    path = os.environ.get("AXE_CORE_PATH", "")
    if not path:
        found = subprocess.run(  # noqa: S603 (the project's own script)
            [ROOT / "scripts" / "axe-core", "path"],
            capture_output=True,
            text=True,
            check=False,
        )
        if found.returncode != 0:
            return "", f"scripts/axe-core path failed: {found.stderr.strip()}"
        path = found.stdout.strip()
    try:
        return Path(path).read_text(encoding="utf-8"), None
    except OSError as error:
        return "", f"cannot read axe-core at {path}: {error}"


def axe_violations(page, *, tags: tuple[str, ...] = WCAG_21_AA) -> list[dict]:
    """Run axe-core on the page as it is now; its violations of the rules ``tags``
    select."""
    source, problem = _axe_core()
    if problem:
        message = f"needs axe-core: {problem}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    # Evaluated through the DevTools protocol, not a <script> tag, so a page's
    # Content-Security-Policy cannot block it.
    page.evaluate(source)
    results = page.evaluate(
        """async (tags) => await axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        list(tags),
    )
    return results["violations"]


def describe_violations(violations: list[dict]) -> str:
    """One paragraph per violated rule: id, impact, what it asks, where it fails."""
    paragraphs = []
    for violation in violations:
        lines = [
            f"{violation['id']} ({violation['impact']}): {violation['help']}",
            f"  {violation['helpUrl']}",
        ]
        for node in violation["nodes"]:
            target = " ".join(str(selector) for selector in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"  - {target}: {node['html'][:160]}")
            if summary:
                lines.append(f"      {summary[:300]}")
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def assert_no_axe_violations(page, *, tags: tuple[str, ...] = WCAG_21_AA) -> None:
    """Fail, listing each violation readably, when axe-core finds any on the page."""
    violations = axe_violations(page, tags=tags)
    assert not violations, (
        f"axe-core: {len(violations)} rule(s) violated on {page.url}\n\n"
        + describe_violations(violations)
    )
