"""A callback that stands for a kill, for the tests of interrupted and resumed fits."""

from deepmine.training import Callback


class Interrupt(Callback):
    """Raises KeyboardInterrupt once epoch ``at`` has ended, before its checkpoint is written."""

    def __init__(self, at: int):
        self.at = at

    def on_epoch_end(self, trainer, record):
        if record["epoch"] == self.at:
            raise KeyboardInterrupt
