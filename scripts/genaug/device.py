"""Where a model runs: device choice, thread count, mixed precision, seeding.

CUDA when present (bfloat16 autocast, or float16 with a gradient scaler on
GPUs without bfloat16), CPU otherwise in float32. Random numbers that shape
training (batches, latents, noise) come from one CPU ``torch.Generator`` so
that a seed gives the same run on CPU and a resumed run continues the same
random stream.
"""

import contextlib
import logging

import torch

log = logging.getLogger(__name__)


def pick_device(device=None):
    """``device`` as given, else ``cuda`` when available, else ``cpu``."""
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def set_threads(threads):
    """Use the caller's thread count (BLAS with more threads than cores is slower)."""
    if threads:
        torch.set_num_threads(int(threads))


def seeded(seed):
    """A CPU generator for every random draw of a run, and the global seed set too."""
    torch.manual_seed(int(seed))
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g


class Precision:
    """Autocast and gradient scaling for one device (a no-op on CPU)."""

    def __init__(self, device):
        self.device = torch.device(device)
        cuda = self.device.type == "cuda"
        self.dtype = None
        if cuda:
            self.dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        self.scaler = torch.amp.GradScaler("cuda", enabled=cuda and self.dtype == torch.float16)

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def backward_step(self, loss, optimizer, clip=None):
        """Zero the gradients of one optimiser, backward, step; with ``clip``, the
        (unscaled) gradient norm of the optimiser's parameters is clipped to it first."""
        optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        if clip is not None:
            self.scaler.unscale_(optimizer)
            params = [p for group in optimizer.param_groups for p in group["params"]]
            torch.nn.utils.clip_grad_norm_(params, clip)
        self.scaler.step(optimizer)
        self.scaler.update()


def rng_state(g):
    """Every random state a resumed run needs, as tensors."""
    state = {"generator": g.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(g, state):
    g.set_state(state["generator"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
