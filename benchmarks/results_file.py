"""Writing a benchmark's results file so that it names the code it measured.

Every script in ``benchmarks/`` writes its Markdown through :func:`write_results`, which appends one line
naming the commit (and whether the tree had uncommitted changes), so a figure can always be traced to the
code that produced it and rerun there.
"""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def git(*args: str) -> str:
    """The output of a git command in this repository, or "" where git or the repository is missing."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=REPOSITORY, capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def provenance() -> str:
    """One line: the commit measured, its subject, the date, and whether the tree was modified."""
    commit = git("rev-parse", "--short=12", "HEAD") or "unknown (not a git checkout)"
    # Only tracked source counts: results files are rewritten, and run directories made, while benchmarks run.
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)benchmarks/results")
    state = " with uncommitted changes" if dirty else ""
    date = datetime.date.today().isoformat()
    return f"measured on commit `{commit}`{state}, {date}"


def write_results(path: Path, text: str) -> None:
    """Write ``text`` (Markdown) to ``path`` with the provenance line appended."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n\n" + provenance() + "\n")
