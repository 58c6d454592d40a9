"""Planning: exact environments, world models, tree search and "imagine, then act" runs."""
