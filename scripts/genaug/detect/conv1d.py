"""The DeepChem transcription-factor-binding notebook's detector (``conv1d``).

Three 1-D convolutions (15 filters of 10 bases, "same" padding, ReLU), each
followed by dropout 0.5, then flatten and a linear layer (the notebook's
sizes; the detector settings' ``width`` and ``dropout`` are the other
networks'): one logit per class (the softmax of two logits is the
notebook's sigmoid head on their difference). Items are one-hot
(4, length), channels first.

``head="max"`` (detector setting ``conv1d_head``) replaces the flatten by a
global max over positions of each filter (then the linear layer): the same
convolutions, but a motif scores the same wherever it sits in the window, so
the network need not learn each offset separately from few positives. The
default ``flatten`` is the notebook's.
"""

import warnings

from torch import nn

from .dropout import Dropout

# an even kernel with "same" padding pads one more base on the right, as Keras does; torch warns about it
warnings.filterwarnings("ignore", message="Using padding='same' with even kernel", category=UserWarning)

KERNEL = 10
LAYERS = 3


HEADS = ("flatten", "max")


class NotebookConv1D(nn.Module):
    def __init__(self, in_channels, length, n_classes, width=15, dropout=0.5, head="flatten"):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"conv1d_head must be one of {', '.join(HEADS)}, not {head!r}")
        self.pool = head == "max"
        layers, cin = [], in_channels
        for _ in range(LAYERS):
            layers += [nn.Conv1d(cin, width, KERNEL, padding="same"), nn.ReLU(), Dropout(dropout)]
            cin = width
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(width if self.pool else width * length, n_classes)

    def forward(self, x):
        h = self.features(x)
        return self.head(h.amax(2) if self.pool else h.flatten(1))
