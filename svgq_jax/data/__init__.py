"""Data pipeline: logos -> canonical images -> VTracer SSIM labels -> backbone features -> dataset."""
