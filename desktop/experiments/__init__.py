"""The Experiments panel: configure, run and watch an experiment; open any item's session."""
