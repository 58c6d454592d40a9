"""A cancel token that turns itself on after a number of looks: a cancel in the middle of a
worker's loop that no timing can race."""

from agents.llm.base import CancelToken


class CancelAfter(CancelToken):
    def __init__(self, looks: int):
        super().__init__()
        self.looks = looks

    @property
    def cancelled(self) -> bool:
        self.looks -= 1
        return self.looks < 0 or super().cancelled
