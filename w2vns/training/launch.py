"""Whether this process was started by an MPI launcher, read from its environment only
(no MPI library is imported here, so that every command stays light)."""

import os

# Environment variables in which launchers (MPICH, Open MPI, PMIx, Slurm) give the number
# of processes and this process's rank.
SIZE_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE")
RANK_VARIABLES = ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK")


def _first_number(names, environ, default):
    environ = os.environ if environ is None else environ
    for name in names:
        value = environ.get(name, "")
        if value.isdigit():
            return int(value)
    return default


def launched_size(environ=None):
    """The number of processes the launcher started (1 when not under mpiexec)."""
    return _first_number(SIZE_VARIABLES, environ, 1)


def launched_rank(environ=None):
    """This process's rank as the launcher gives it (0 when not under mpiexec)."""
    return _first_number(RANK_VARIABLES, environ, 0)
