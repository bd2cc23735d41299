"""The sandboxed child of `svgq_jax.core.svgrender`: renders one SVG with resvg under resource limits.

    python -I -S svgrender_child.py RESVG_DIR WIDTH HEIGHT MEMORY_BYTES CPU_SECONDS < SVG > PNG

WIDTH or HEIGHT 0 leaves that side to the SVG. It imports only the standard library
and resvg_py (from RESVG_DIR), so it starts in milliseconds and holds nothing of its
parent. It runs in an empty working directory, which is also resvg's resources_dir.
A failure is one line on stderr and exit code 3; past its memory or CPU limit the
kernel or the allocator ends it.
"""

import os
import resource
import sys


def main(argv: list[str]) -> int:
    resvg_dir, width, height, memory, seconds = argv
    resource.setrlimit(resource.RLIMIT_AS, (int(memory), int(memory)))
    resource.setrlimit(resource.RLIMIT_CPU, (int(seconds), int(seconds) + 1))
    sys.path.insert(0, resvg_dir)
    import resvg_py

    svg = sys.stdin.buffer.read().decode("utf-8")
    size = {side: int(n) for side, n in (("width", width), ("height", height)) if n != "0"}
    try:
        png = resvg_py.svg_to_bytes(svg_string=svg, resources_dir=os.getcwd(), **size)
    except BaseException as e:  # resvg's errors, a MemoryError, and a Rust panic (a BaseException)
        print(" ".join(f"{type(e).__name__}: {e}".split())[:300], file=sys.stderr)
        return 3
    sys.stdout.buffer.write(bytes(png))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
