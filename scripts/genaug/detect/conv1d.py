"""The DeepChem transcription-factor-binding notebook's detector (``conv1d``).

Three 1-D convolutions (``width`` filters of 10 bases, "same" padding, ReLU),
each followed by dropout (``dropout``; the notebook's 0.5), then flatten and a
linear layer: one logit per class (the softmax of two logits is the
notebook's sigmoid head on their difference). Items are one-hot
(4, length), channels first.
"""

from torch import nn

KERNEL = 10
LAYERS = 3


class NotebookConv1D(nn.Module):
    def __init__(self, in_channels, length, n_classes, width=15, dropout=0.5):
        super().__init__()
        layers, cin = [], in_channels
        for _ in range(LAYERS):
            layers += [nn.Conv1d(cin, width, KERNEL, padding="same"), nn.ReLU(), nn.Dropout(dropout)]
            cin = width
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(width * length, n_classes)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))
