"""svgq_jax: predict the SSIM of VTracer's SVG for a logo and a parameter set."""

__version__ = "0.1.0"
