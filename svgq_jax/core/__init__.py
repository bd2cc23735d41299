"""The inference core: what predicting and optimizing need, and every layer above builds on.

Images, tracing, rendering, SSIM, image statistics, the ONNX feature extractor and sessions,
the parameter space, the bundle format, files, errors and the command-line layer. Nothing
here imports JAX or torch.
"""
