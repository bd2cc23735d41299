"""TorchScript modules that write a file when loaded or run: what a tampered `.pt` could hold.

Kept in a file of their own because TorchScript compiles from source (inspect needs a file).
"""

from __future__ import annotations

import torch


class WritesWhenLoaded(torch.nn.Module):
    """Its __setstate__, which torch.jit.load runs, saves a tensor to `path`."""

    def __init__(self, path: str):
        super().__init__()
        self.weight = torch.ones(2)
        self.path = path

    def forward(self, x):
        return x * 2

    @torch.jit.export
    def __getstate__(self):
        return (self.weight, self.path, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[torch.Tensor, str, bool]):
        self.weight = state[0]
        self.path = state[1]
        self.training = state[2]
        torch.save(self.weight, self.path)


class WritesWhenRun(torch.nn.Module):
    """Its forward saves its input to `path`."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def forward(self, x):
        torch.save(x, self.path)
        return x


def save_scripted(module_class, path, canary: str) -> None:
    torch.jit.script(module_class(canary)).save(str(path))
