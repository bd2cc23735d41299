"""`python -m svgq_jax.train` is the main job (build, train, validate, export): the command-line contract
predates `svgq_jax.pipeline`, which owns it now. Nothing imports this door."""

from svgq_jax.core import cli
from svgq_jax.pipeline import main

if __name__ == "__main__":
    cli.main(main)
