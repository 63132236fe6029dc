"""The DeepChem transcription-factor-binding notebook's detector (``conv1d``).

Three 1-D convolutions (15 filters of 10 bases, "same" padding, ReLU), each
followed by dropout 0.5, then flatten and a linear layer (the notebook's
sizes; the detector settings' ``width`` and ``dropout`` are the other
networks'): one logit per class (the softmax of two logits is the
notebook's sigmoid head on their difference). Items are one-hot
(4, length), channels first.
"""

import warnings

from torch import nn

# an even kernel with "same" padding pads one more base on the right, as Keras does; torch warns about it
warnings.filterwarnings("ignore", message="Using padding='same' with even kernel", category=UserWarning)

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
