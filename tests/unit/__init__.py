"""Unit tests: pure functions and in-process components (VTracer, resvg, small Flax and torch modules), laid
out like the packages (svgq_jax/core -> unit/core). No trained run, no dataset build, no subprocess."""
