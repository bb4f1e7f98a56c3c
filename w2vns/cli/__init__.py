"""The command line: click only, a thin layer over the Python API."""
