"""svgq_jax: predict the SSIM of VTracer's SVG for a logo and a parameter set."""

import sys

__version__ = "0.1.0"

if sys.argv[:1] == ["-m"]:  # `python -m svgq_jax.<command>` is being located (see svgq_jax/extras.py)
    from svgq_jax.core.extras import check_entry_module

    check_entry_module(sys.orig_argv)
