"""Desktop benchmarks: event-loop stalls under streaming load and while the embedded model loads;
launch to a usable window.

Run with `python -m tests.bench desktop` (offscreen Qt; no display needed).

Responsiveness: a 2 ms QTimer records when the Qt event loop actually gets to run. The
longest gap between its ticks, minus the interval, is the longest stall a user would feel.
The load: a replay of 1,000 stored messages into the conversation, then three agents
streaming at once at 1,000 tokens/s each (far above any real model here) through the real
stream runner and conversation view.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TICK_MS = 2
STORED_MESSAGES = 1000
LIVE_WORDS = 400


class StallMeter:
    """Gaps between ticks of a fast QTimer: how long the event loop was away."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def __enter__(self) -> StallMeter:
        self.ticks.clear()
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()

    def summary(self) -> str:
        gaps = [(b - a) * 1000 - TICK_MS for a, b in zip(self.ticks, self.ticks[1:])]
        if not gaps:
            return "no ticks"
        p99 = statistics.quantiles(gaps, n=100)[98] if len(gaps) >= 100 else max(gaps)
        return f"longest stall {max(gaps):.1f} ms, p99 {p99:.1f} ms, median {statistics.median(gaps):.2f} ms over {len(gaps)} ticks"

    def longest(self) -> float:
        return max((b - a) * 1000 - TICK_MS for a, b in zip(self.ticks, self.ticks[1:]))


def _stored_messages():
    from agents.events import MessageCompleted, MessageStarted, Usage, new_id

    agents = ("Affirmative", "Negative", "Judge")
    text = "**Point.** " + " ".join(["a measured argument with *some* Markdown"] * 8)
    for index in range(STORED_MESSAGES):
        message_id, agent = new_id(), agents[index % 3]
        yield MessageStarted(message_id=message_id, agent=agent, model="local")
        yield MessageCompleted(
            message_id=message_id,
            agent=agent,
            model="local",
            text=text,
            finish_reason="stop",
            usage=Usage(completion_tokens=60),
        )


async def _live_stream():
    from agents.llm.scripted import ScriptedProvider
    from agents.spec import parse_team
    from agents.teams.run import TeamRun

    debaters = [{"name": n, "role": "debater"} for n in ("Affirmative", "Negative", "Third")]
    spec = parse_team(
        {
            "name": "bench",
            "agents": debaters,
            "protocol": {
                "kind": "debate",
                "turn_order": "simultaneous",
                "aggregate": "majority_vote",
                "max_rounds": 1,
                "stop_on_consensus": False,
            },
        }
    )
    reply = " ".join(["token"] * LIVE_WORDS)
    providers = {d["name"]: ScriptedProvider(lambda request: reply, delay_s=0.001, name=d["name"]) for d in debaters}
    async for event in TeamRun(spec, providers).run_stream("Bench the window."):
        yield event


def responsiveness() -> None:
    import qasync
    from PySide6.QtWidgets import QApplication

    from desktop.main_window import MainWindow

    print(
        f"== Desktop: event-loop stalls (tick {TICK_MS} ms), {STORED_MESSAGES} stored messages + 3 agents streaming =="
    )
    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    meter = StallMeter()

    async def replay_then_stream():
        async def stored():
            for count, event in enumerate(_stored_messages()):
                yield event
                if count % 20 == 0:
                    await asyncio.sleep(0)  # a replay at full speed still yields to the loop

        started = time.perf_counter()
        with meter:
            await window.runs.runner.start(stored())
        print(
            f"replaying {STORED_MESSAGES} messages into the view: {time.perf_counter() - started:.1f} s; {meter.summary()}"
        )
        started = time.perf_counter()
        with meter:
            await window.runs.runner.start(_live_stream())
        tokens = 3 * LIVE_WORDS
        elapsed = time.perf_counter() - started
        print(
            f"3 agents x {LIVE_WORDS} tokens at 1 ms/token each with {len(window.conversation.bubbles)} bubbles on screen: "
            f"{elapsed:.1f} s ({tokens / elapsed:.0f} tokens/s through the window); {meter.summary()}"
        )
        print(f"goal: longest stall under 50 ms -> {'met' if meter.longest() < 50 else 'NOT met'}")

    with loop:
        loop.run_until_complete(replay_then_stream())
    window.close()


def stop_latency(runs: int = 5) -> None:
    """Stop pressed while the embedded model streams -> run over (bubbles closed, buttons back)."""
    import qasync
    from PySide6.QtWidgets import QApplication

    from desktop.main_window import MainWindow

    print("== Desktop: Stop while the embedded model streams -> run ended in the window ==")
    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow()
    window.show()
    window.run_bar.model_box.setCurrentText("local")
    latencies = []

    async def one_run():
        window.runs.start_run()
        while not any(b.text for b in window.conversation.bubbles.values()):
            await asyncio.sleep(0.005)
        pressed = time.perf_counter()
        window.runs.stop_run()
        while window.runs.running:
            await asyncio.sleep(0.001)
        latencies.append((time.perf_counter() - pressed) * 1000)

    with loop:
        for _ in range(runs):
            loop.run_until_complete(one_run())
    print(
        f"{runs} stops: median {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms (goal: within 200 ms)"
    )
    window.close()


PROBE = """
import time, asyncio, sys
import qasync
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import QTimer
app = QApplication([])
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)
from desktop.main_window import MainWindow
from agents.session.pipeline import close_providers, load_providers
window = MainWindow()
window.show()
async def probe():
    await asyncio.sleep(0)
    print("window", flush=True)
    providers = {}
    refs = {a.name: a.model for a in window.builder.team().agents if a.role != "human"}
    async for event in load_providers(refs, window.settings, providers):
        pass
    print("model", flush=True)
    await close_providers(providers)
with loop:
    loop.run_until_complete(probe())
"""


def launch_time(runs: int = 3) -> None:
    print("== Desktop: launch to a usable window, then to the embedded model ready (converted cache warm) ==")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for run in range(runs):
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", PROBE], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        marks = {}
        for line in child.stdout:
            marks[line.strip()] = time.perf_counter() - started
        child.wait()
        print(
            f"run {run + 1}: window usable after {marks.get('window', float('nan')):.2f} s; "
            f"model ready after {marks.get('model', float('nan')):.2f} s"
        )


def model_load(runs: int = 3) -> None:
    """The embedded model loading in the window under the StallMeter, and the first inspection,
    against AGORA_BENCH_BEFORE's tree where it is set (tests/bench/ready_proof.py)."""
    from tests.bench import ready_proof

    ready_proof.main(runs)


def main(skip_cold: bool = False) -> None:
    responsiveness()
    stop_latency()
    launch_time()
    model_load()


if __name__ == "__main__":
    main()
