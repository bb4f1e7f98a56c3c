"""Training orchestration in plain Python: options, vocabulary, the epoch loop, checkpoints, reports."""
