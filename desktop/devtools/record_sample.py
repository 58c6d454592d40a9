"""Record the sample sessions shipped in assets/sessions/ (run again after an event format change).

    python -m desktop.devtools.record_sample assets/sessions

The planning session is a real run: MCTS on blocksworld #11 with the exact world model, no LLM.
The debate's replies are written out here and played by the scripted provider (its model is
recorded as ``scripted:…``, so the sample says what it is): a newcomer sees a finished debate
without waiting for a model, and no model's output is passed off as another's.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from desktop.conversation.welcome import SAMPLE_SESSIONS

DEBATE_FILE, PLAN_FILE = SAMPLE_SESSIONS  # the names the welcome opens
TASK = "Proposition: cities should ban cars from their centres."
REPLIES = {
    "Affirmative": [
        "Car-free centres are safer and cleaner: Oslo and Pontevedra cut traffic deaths in their cores to "
        "almost zero, and shops there gained foot traffic. Answer: yes, ban cars from centres.",
        "Deliveries and disabled access are solved by exemptions and time windows, as every car-free centre "
        "already does; the ban covers private through-traffic. Answer: yes, with exemptions.",
    ],
    "Negative": [
        "A ban hurts people who cannot walk far or live outside transit reach, and pushes traffic onto the "
        "ring roads around the centre. Answer: no, price cars out instead.",
        "Exemptions admit the point: what works is fewer cars, which congestion charging achieves without a "
        "ban's enforcement burden. Answer: no, charge instead of banning.",
    ],
}
VERDICTS = [
    '{"decision": "continue", "winner": null, "answer": null, "reason": "Both sides raise access; '
    'the next round should settle it.", "confidence": 0.4}',
    '{"decision": "decided", "winner": "Affirmative", "answer": "Ban private cars from centres, with '
    'exemptions for deliveries and disabled access.", "reason": "The affirmative answered the access '
    'objection with evidence from existing car-free centres.", "confidence": 0.7}',
]


def _scripted_loader():
    from agents.llm.scripted import ScriptedProvider

    def provider(name: str) -> ScriptedProvider:
        replies = VERDICTS if name == "Judge" else REPLIES[name]
        return ScriptedProvider(list(replies), name="sample-" + name.lower())

    async def load(refs, settings, into):
        for name in refs:
            into[name] = provider(name)
        for _ in ():
            yield

    return load


async def _record(job, load=None) -> Path:
    from agents.session.pipeline import RunPipeline
    from agents.settings import Settings

    pipeline = RunPipeline(job, Settings(), load=load)
    async for _event in pipeline.events():
        pass
    assert pipeline.session_path is not None and pipeline.finished is not None
    assert pipeline.finished.reason == "completed", pipeline.finished
    return pipeline.session_path


async def record(out: Path) -> list[Path]:
    from agents.planning.run import PlanConfig
    from agents.planning.search.tree import Budget
    from agents.session.pipeline import PlanJob, TeamJob
    from agents.spec import load_template

    spec = load_template("debate_with_judge")
    debate = await _record(TeamJob(spec=spec, task=TASK), load=_scripted_loader())
    plan = await _record(
        PlanJob(PlanConfig(env="blocksworld", seed=11, algo="mcts", budget=Budget(max_expansions=120)))
    )
    out.mkdir(parents=True, exist_ok=True)
    written = [out / DEBATE_FILE, out / PLAN_FILE]
    for source, target in zip((debate, plan), written):
        shutil.copyfile(source, target)
        json.loads(target.read_text(encoding="utf-8").splitlines()[0])  # a readable log
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "assets/sessions")
    with tempfile.TemporaryDirectory() as data:
        os.environ["AGORA_LAB_DATA_DIR"] = data  # the user's own session list stays untouched
        for path in asyncio.run(record(out)):
            print(path, path.stat().st_size, "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
