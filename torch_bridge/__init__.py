"""torch_bridge: the quality model as an equivalent torch module, its weight copy and parity checks.

Importing this package never imports JAX, so exported models can be loaded and
run where only torch / ONNX Runtime are installed.
"""
