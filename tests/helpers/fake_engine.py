"""A stand-in for local_llama.LlamaEngine, for generation tests without llama.cpp."""


class FakeEngine:
    """The LlamaEngine interface: each row's next token is its last one + 1 (or EOS after 3)."""

    def __init__(self, eos: int, stop_after: dict[int, int]):
        self.eos, self.stop_after, self.steps = eos, stop_after, []

    def start(self, prompts, cancelled):
        self.rows = [list(p) for p in prompts]
        return list(range(len(prompts))), [self._logits(i) for i in range(len(prompts))]

    def step(self, rows):
        self.steps.append([seq for seq, _ in rows])
        for seq, token in rows:
            self.rows[seq].append(token)
        self._live = [seq for seq, _ in rows]

    def logits(self, index):
        return self._logits(self._live[index])

    def _logits(self, seq):
        import numpy as np

        logits = np.zeros(1000, dtype=np.float32)
        generated = len(self.rows[seq]) - self.prompt_len
        logits[self.eos if generated >= self.stop_after[seq] else 500 + generated] = 10.0
        return logits
