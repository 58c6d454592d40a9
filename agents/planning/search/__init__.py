"""Tree search over imagined states: beam (Tree-of-Thoughts), DFS with pruning, MCTS (UCT)."""
