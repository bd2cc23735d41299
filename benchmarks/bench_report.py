"""`optimize --report`: how large the page is against what it shows, and how long Chromium takes to open it.

One run of `svgq optimize FOLDER --report PAGE.html` (a real subprocess) on a folder of logos, then:
  - size: the page's bytes against the sources' bytes plus the SVGs' bytes (the budget: at most 1/3);
  - open: headless Chromium's wall time to load the page and write a screenshot of it, median of --rounds, beside
    the same for a blank page in the same run (the browser's own start-up, the baseline);
  - screenshot: with --screenshot PNG, the page as a user sees it first (window 1280 x --height).

    python benchmarks/bench_report.py --images ../shared/real-logos-native
    python benchmarks/bench_report.py --images FOLDER --screenshot docs/report.png --height 1400 --rounds 1

Needs Debian's `chromium` (apt-get install chromium).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NATIVE = Path(__file__).resolve().parents[2] / "shared" / "real-logos-native"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking")


def browse_seconds(chromium: str, page: Path, shot: Path, size: tuple[int, int], profile: Path) -> float:
    """Chromium's wall time from start to a screenshot of `page` written to `shot`."""
    cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", "--window-size={},{}".format(*size)]
    t0 = time.perf_counter()
    subprocess.run([*cmd, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=300, check=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=Path, default=NATIVE, help="a folder of logos (default: the 120 native ones)")
    ap.add_argument("--model", default="runs/default/export", help="the model bundle (default: the main job's)")
    ap.add_argument("--rounds", type=int, default=3, help="Chromium opens of each page, for the median time")
    ap.add_argument("--screenshot", type=Path, help="also keep a screenshot of the page here (PNG)")
    ap.add_argument("--height", type=int, default=2000, help="the screenshot window's height in CSS pixels")
    a = ap.parse_args()
    chromium = shutil.which("chromium")
    if not chromium:
        print("bench_report: Chromium is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    if not a.images.is_dir():
        print(f"bench_report: {a.images}: not a folder", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        page, svgs = tmp / "report.html", tmp / "svgs"
        cmd = [sys.executable, "-m", "svgq_jax.optimize", "--model", a.model, str(a.images), "--out", str(svgs)]
        t0 = time.perf_counter()
        run = subprocess.run([*cmd, "--report", str(page)], capture_output=True, text=True)
        took = time.perf_counter() - t0
        if not page.is_file():
            why = run.stderr[-600:]
            print(f"bench_report: optimize wrote no report (exit {run.returncode}): {why}", file=sys.stderr)
            return 2
        sources = sum(f.stat().st_size for f in a.images.iterdir() if f.is_file())
        written = sum(f.stat().st_size for f in svgs.rglob("*.svg"))
        n_svgs = len(list(svgs.rglob("*.svg")))
        size = page.stat().st_size
        blank = tmp / "blank.html"
        blank.write_text("<!DOCTYPE html><html><body></body></html>")
        window = (1280, a.height)
        times = {"report": [], "blank": []}
        for i in range(a.rounds):  # alternate, so that load drifts touch both alike
            for name, p in (("blank", blank), ("report", page)):
                shot, profile = tmp / f"{name}.png", tmp / f"profile-{name}-{i}"
                times[name].append(browse_seconds(chromium, p, shot, window, profile))
        if a.screenshot:
            shutil.copyfile(tmp / "report.png", a.screenshot)
    print(f"optimize --report on {a.images} ({n_svgs} SVGs written, {took:.0f} s)")
    print(f"| what | bytes |\n|---|---|\n| sources | {sources:,} |\n| SVGs written | {written:,} |")
    print(f"| report | {size:,} ({size / (sources + written):.3f}× sources + SVGs; budget 0.333×) |")
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"Chromium, start to screenshot (median of {a.rounds}, window {window[0]}x{window[1]}):")
    own = med["report"] - med["blank"]
    print(f"  report {med['report']:.2f} s · blank page {med['blank']:.2f} s · the report's own {own:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
