"""The planning panel: live search tree, node details, imagined-vs-real view, replay."""
