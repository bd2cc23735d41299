"""The repository's own promises: CI runs the README's test command."""

from conftest import REPO


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    start = readme.index("## Quick start")
    block = readme[start:].split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(block) == 2, "the quick start is exactly two commands"
    test_command = block[1].strip()
    ci_lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines
