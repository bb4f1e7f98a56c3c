"""A stop request after a number of batches, as SIGINT would make one."""

from w2vns.training.run import StopControl


class StopAfter(StopControl):
    """Asks to stop (as SIGINT would) once ``batches`` batches have run."""

    def __init__(self, batches):
        self.left = batches
        super().__init__()

    @property
    def requested(self):
        self.left -= 1
        return "SIGINT" if self.left < 0 else None

    @requested.setter
    def requested(self, value):
        pass
