"""Training orchestration in plain Python: options, the run (``run.Run``), the reading pass,
the epoch loop, checkpoints and reports; objectives and devices are registries of units
(``objectives``, ``devices``)."""
