"""Real SVGO beside the project's minifier, for the benchmarks only (never at run time).

`Svgo()` starts `node benchmarks/svgo_server.js` once and minifies through it (`svgo.minify(svg, precision)`);
`Svgo.available()` says whether node and SVGO are installed (`cd benchmarks && npm install svgo@4`), and why not.
`anchor(...)` is the free pipeline a user has: VTracer's defaults through SVGO at the coarsest `--precision` whose
render keeps the SSIM within 0.002 of VTracer's own text.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

SERVER = Path(__file__).with_name("svgo_server.js")
PRECISIONS = (3, 2, 1, 0)  # SVGO's default first, then coarser: what a user lowers --precision through


class Svgo:
    def __init__(self):
        self.proc = subprocess.Popen(
            ["node", str(SERVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=SERVER.parent
        )

    @staticmethod
    def available() -> str | None:
        """None when real SVGO runs here, else why not."""
        if shutil.which("node") is None:
            return "node is not installed"
        probe = subprocess.run(["node", "-e", "require('svgo')"], cwd=SERVER.parent, capture_output=True, text=True)
        if probe.returncode != 0:
            return "SVGO is not installed (cd benchmarks && npm install svgo@4)"
        return None

    def minify(self, svg: str, precision: int | None = None) -> tuple[str | None, float]:
        """(SVGO's output or None when it failed, its milliseconds inside node)."""
        self.proc.stdin.write(json.dumps({"svg": svg, "precision": precision}) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        return answer.get("svg"), answer["ms"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def anchor(svgo: Svgo, svg: str, score, floor: float) -> tuple[str, float, int, float]:
    """SVGO at the coarsest precision of PRECISIONS whose file scores at least `floor` (`score(text)` -> SSIM, or
    None when the render fails): (file, its SSIM, the precision, SVGO's milliseconds). Every precision is tried,
    since SVGO's passes are not monotone in it; VTracer's own text when none passes."""
    best, ms_total = (svg, None, None), 0.0
    for p in PRECISIONS:
        out, ms = svgo.minify(svg, p)
        ms_total += ms
        ssim = score(out) if out else None
        if ssim is not None and ssim >= floor:
            best = (out, ssim, p)
    text, ssim, p = best
    return text, (ssim if ssim is not None else score(svg)), p, ms_total
