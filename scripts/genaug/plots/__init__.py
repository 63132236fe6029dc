"""Figures, kept apart from computation."""
