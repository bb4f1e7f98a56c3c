"""Option decorators shared by several commands, and the command class that names the
w2vns option for an option spelled as gensim, fastText or the C word2vec tool spell it."""

import re

import click

# Names other word2vec tools give to an option of w2vns (without their dashes): the name
# of the click parameter it becomes and how w2vns spells it. A name that differs only in
# dashes, underscores or case (-window, --min_count, -minCount) needs no entry.
RIVAL_NAMES = {
    # the C word2vec and word2phrase tools
    "size": ("dim", "--dim"),
    "iter": ("epochs", "--epochs"),
    "cbow": ("model", "--model cbow (or --model sg)"),
    "binary": ("format", "--format binary"),
    "debug": ("quiet", "-q (--quiet)"),
    "train": ("corpus", "CORPUS, an argument: w2vns {command} CORPUS"),
    # gensim
    "vector_size": ("dim", "--dim"),
    "workers": ("threads", "--threads"),
    "sg": ("model", "--model sg"),
    "max_vocab_size": ("prune_at", "--prune-at"),
    "max_final_vocab": ("max_vocab", "--max-vocab"),
    # fastText
    "epoch": ("epochs", "--epochs"),
    "thread": ("threads", "--threads"),
    "lr": ("alpha", "--alpha"),
    "ws": ("window", "--window"),
    "neg": ("negative", "--negative"),
    "t": ("sample", "--sample"),
    "input": ("corpus", "CORPUS, an argument: w2vns {command} CORPUS"),
}


def quiet_option(func):
    """-q/--quiet, the same in every command."""
    return click.option("-q", "--quiet", is_flag=True,
                        help="Nothing on stderr but warnings and errors (no progress, no "
                             "summary). Without it, progress is a bar on a terminal and a "
                             "log line every few seconds otherwise.")(func)


class W2vnsCommand(click.Command):
    """A command whose unknown options get the w2vns name when they are another tool's
    name for one of its options (``--size``: ``--dim``), and whose long options given
    with one dash (``-size``, ``-window``: click would read ``-s ize``, ``-w indow``)
    are refused with that name before click parses them."""

    def parse_args(self, ctx, args):
        if not ctx.resilient_parsing:  # shell completion parses half-typed lines
            for given in _single_dash_words(args):
                hint = rival_hint(self, given)
                if hint is not None:
                    raise click.UsageError(f"No such option '{given}'. {hint}", ctx)
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            hint = rival_hint(self, exc.option_name)
            if hint is None:
                raise
            raise click.UsageError(f"No such option '{exc.option_name}'. {hint}", ctx) from None


def _single_dash_words(args):
    """Arguments such as ``-size`` or ``-min-count=5`` before any ``--``."""
    for arg in args:
        if arg == "--":
            return
        if len(arg) > 2 and arg[0] == "-" and arg[1].isalpha():
            yield arg.split("=", 1)[0]


def rival_hint(command, given):
    """What to say about the unknown option ``given`` of ``command``: the w2vns name it
    stands for (and, for the C tool's own flags, the command taking them unchanged), or
    None when it stands for none of the command's options."""
    name = given.lstrip("-")
    params = {param.name: param for param in command.params}
    rival = RIVAL_NAMES.get(name)
    if rival is not None and rival[0] in params:
        hint = f"w2vns calls it {rival[1].format(command=command.name)}."
    else:
        options = {_squashed(opt): opt for param in params.values() for opt in param.opts
                   if opt.startswith("--")}
        spelled = options.get(_squashed(name))
        if spelled is None or spelled == given:
            return None
        hint = f"w2vns spells it {spelled}."
    return hint + _counterpart(command.name, given)


def _squashed(name):
    """An option name without its dashes, underscores and case: --min-count, -min_count
    and --minCount alike."""
    return re.sub(r"[-_]", "", name).lower()


def _counterpart(command_name, given):
    """For a flag of the C tool that ``command_name`` stands for, given with one dash:
    the w2vns command taking the C tool's flags unchanged."""
    from .ctool import COUNTERPARTS

    tool, flags = COUNTERPARTS.get(command_name, (None, ()))
    if given.startswith("--") or given not in {flag.name for flag in flags}:
        return ""
    return f" Or run 'w2vns {tool}', which takes the C tool's options unchanged."
