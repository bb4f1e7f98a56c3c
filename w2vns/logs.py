"""Where log lines go, and what ``quiet`` means everywhere: nothing on stderr but warnings
and errors.

A log is a callable taking one line. Warnings are the lines that start with
``WARNING_PREFIX``; every other line is information, which quiet runs keep off stderr.
"""

import logging
import sys

WARNING_PREFIX = "warning: "
LOGGER_NAME = "w2vns"  # the Python API logs through this logger


def is_warning(message):
    return message.startswith(WARNING_PREFIX)


def to_stderr(message):
    print(message, file=sys.stderr, flush=True)


def warnings_only(log):
    """``log`` for warnings; every other line dropped."""
    return lambda message: log(message) if is_warning(message) else None


def stderr_log(quiet=False):
    """Every line to stderr, or with ``quiet`` the warnings alone."""
    return warnings_only(to_stderr) if quiet else to_stderr


def python_log(quiet=False):
    """Every line to the ``logging`` logger ``w2vns``: warnings at WARNING (without their
    prefix), the rest at INFO (dropped with ``quiet``)."""
    logger = logging.getLogger(LOGGER_NAME)

    def log(message):
        if is_warning(message):
            logger.warning(message[len(WARNING_PREFIX):])
        elif not quiet:
            logger.info(message)

    return log
