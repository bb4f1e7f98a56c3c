"""The learning-rate schedules the epoch loop follows, batch by batch.

``WordSchedule`` is word2vec's: the rate decays linearly from --alpha to --min-alpha over
the words of all --epochs. ``TimeSchedule`` (--time-budget) decays it over the time left
until a deadline instead, so that whatever the machine's speed the run ends at the
deadline with its schedule finished; training goes on epoch after epoch until then (or
until --epochs, when that is given and comes first).

Both offer what the loop asks: the rates at the start and the end of a batch (``rates``),
the progress of the run in [0, 1] (``progress``: the dynamic pool grows with it), the
rate reached (``alpha``), whether training is over (``finished``; ``out_of_time`` when the
deadline came in the middle of an epoch), and the epochs to show.
"""

import time

from .config import learning_rate

# A batch is the last one when less than this share of its predicted time would be left
# after it: the run ends within half a batch of the deadline, before or after it.
LAST_BATCH_SLACK = 0.5


class WordSchedule:
    """The rate as a function of the words done over ``epochs`` epochs."""

    out_of_time = False

    def __init__(self, config, epoch_words, epochs=None):
        self.alpha_start, self.alpha_end = config.alpha, config.min_alpha
        self.epoch_words = epoch_words
        self.epochs = epochs if epochs is not None else config.epochs
        self.total = max(epoch_words * self.epochs, 1) if self.epochs else None

    def start(self):
        """Training begins now."""

    def progress(self, done):
        """The run's progress after ``done`` corpus words, in [0, 1]."""
        return min(done / self.total, 1.0)

    def rates(self, done, words):
        """The rates at the start and at the end of a batch of ``words`` corpus words
        after ``done``."""
        return self._rate(self.progress(done)), self._rate(self.progress(done + words))

    def alpha(self, done):
        """The rate reached after ``done`` corpus words."""
        return self._rate(self.progress(done))

    def record(self, words, seconds):
        """A batch of ``words`` corpus words took ``seconds``."""

    def finished(self, position):
        """Is training over at ``position`` (a checkpoint.Position)?"""
        return position.epoch >= self.epochs

    def checkpoint_meta(self, done):
        """What a checkpoint records of the schedule after ``done`` corpus words, besides
        the position."""
        return {}

    def finish(self, summary, position, log):
        """Training ended: complete ``summary`` (a run.Summary) and log what to say."""

    def _rate(self, progress):
        return learning_rate(progress, self.alpha_start, self.alpha_end)


class TimeSchedule(WordSchedule):
    """The rate as a function of the time left until ``plan.deadline`` (a budget.Plan),
    from the progress ``plan.progress`` (0, or where a resumed run stood) at ``start``;
    with ``plan.max_epochs`` also of the words over those epochs, whichever is further.

    The batch predicted to end within ``LAST_BATCH_SLACK`` of a batch's time of the
    deadline is the last one: its rate ends at --min-alpha. ``clock``: seconds, as
    time.perf_counter (tests give a fake one)."""

    def __init__(self, config, epoch_words, plan, clock=time.perf_counter):
        super().__init__(config, epoch_words, plan.max_epochs)
        self.plan, self.clock = plan, clock
        self.epochs = plan.planned_epochs
        self.speed = plan.words_per_second  # corpus words per second, None: unknown
        self.began = None
        self.out_of_time = False

    def start(self):
        self.began = self.clock()

    def progress(self, done, at=None):
        at = self.clock() if at is None else at
        span = self.plan.deadline - self.began
        first = self.plan.progress
        by_time = first + (1.0 - first) * (at - self.began) / span if span > 0 else 1.0
        by_words = done / self.total if self.total else 0.0
        return min(max(by_time, by_words, first), 1.0)

    def rates(self, done, words):
        now = self.clock()
        ahead = words / self.speed if self.speed else 0.0
        self.out_of_time = now + (1.0 + LAST_BATCH_SLACK) * ahead >= self.plan.deadline
        end = 1.0 if self.out_of_time else self.progress(done + words, now + ahead)
        return self._rate(self.progress(done, now)), self._rate(end)

    def alpha(self, done):
        return self._rate(1.0 if self.out_of_time else self.progress(done))

    def record(self, words, seconds):
        if words > 0 and seconds > 0:
            self.speed = words / seconds

    def finished(self, position):
        capped = self.plan.max_epochs is not None and position.epoch >= self.plan.max_epochs
        return self.out_of_time or capped

    def checkpoint_meta(self, done):
        return {"budget": self.plan.record(self.progress(done), self.speed, self.clock())}

    def finish(self, summary, position, log):
        from . import budget

        summary.budget, line = budget.outcome(self.plan, position, self.epoch_words,
                                              self.out_of_time, self.clock())
        log(line)
