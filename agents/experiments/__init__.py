"""Experiments: task sets x methods x models, scored exactly, with matched-compute accounting."""
