"""Logging for rule scripts: to the rule's log file and to stderr."""

import logging
import sys


def setup_logging(path=None, level=logging.INFO):
    handlers = [logging.StreamHandler(sys.stderr)]
    if path:
        handlers.append(logging.FileHandler(path, mode="w"))
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        handlers=handlers, force=True)
    logging.captureWarnings(True)
