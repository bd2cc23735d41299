"""`python -m svgq_jax.export --run RUN`: the door to `torch_bridge.export`, which writes RUN/export/.

The export stage lives in `torch_bridge` with the rest of the torch side; this door
imports it when the command runs, so a predictor-only install gets the one-line
"needs the [train] extra" error, not a traceback. Nothing imports this door.
"""

from __future__ import annotations


def main(argv=None) -> int:
    from torch_bridge.export import main as export_main

    return export_main(argv)


if __name__ == "__main__":
    from svgq_jax.core import cli

    cli.main(main)
