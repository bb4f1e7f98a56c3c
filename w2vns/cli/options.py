"""Option decorators shared by several commands."""

import click


def quiet_option(func):
    """-q/--quiet, the same in every command."""
    return click.option("-q", "--quiet", is_flag=True,
                        help="Nothing on stderr but warnings and errors (no progress, no "
                             "summary). Without it, progress is a bar on a terminal and a "
                             "log line every few seconds otherwise.")(func)
