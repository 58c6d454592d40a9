"""Interpretability: attention and logit lens of a local model, as a stream of events."""
