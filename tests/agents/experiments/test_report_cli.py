import asyncio
import json

from agents.cli.commands import main
from agents.experiments.config import ExperimentConfig, TaskSource
from agents.experiments.report import write_report
from agents.experiments.runner import ExperimentRun
from agents.experiments.tasks import generate
from tests.agents.experiments.conftest import question_of, scripted

ANSWER = {i.question: i.answer for i in generate("arithmetic", 6, seed=0)}


async def _experiment(directory):
    config = ExperimentConfig(tasks=TaskSource(n=6), methods=("single", "debate3x2", "judge2x2"), concurrency=4)
    provider = scripted(lambda r: f"Answer: {ANSWER[question_of(r)]}")
    async for _ in ExperimentRun(directory, config, providers={"local": provider}).events():
        pass


async def test_report_writes_every_format_and_escapes_html(tmp_path):
    directory = tmp_path / "<b onclick=alert(1)>exp"
    await _experiment(directory)
    paths = write_report(directory)
    names = {p.name for p in paths}
    assert {"report.md", "report.html", "results.csv", "summary.csv", "accuracy.png", "flips.png"} <= names
    html_text = (directory / "report" / "report.html").read_text()
    assert "<b onclick" not in html_text and "&lt;b onclick=alert(1)&gt;exp" in html_text
    md = (directory / "report" / "report.md").read_text()
    assert "| debate3x2 | local | 6 | 6 | 100.0% |" in md
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths if p.suffix == ".png")
    assert len((directory / "report" / "results.csv").read_text().splitlines()) == 1 + 18


def test_cli_bad_input_is_a_usage_error(tmp_path, capsys):
    assert main(["experiment", "run", "--methods", "single,bogus", "--out", str(tmp_path / "a")]) == 2
    assert "unknown method 'bogus'" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "q"}) + "\n")
    assert main(["experiment", "run", "--tasks", str(bad), "--out", str(tmp_path / "b")]) == 2
    assert f"{bad}: line 1: field 'answer'" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_cli_report_prints_the_files(tmp_path, capsys):
    asyncio.run(_experiment(tmp_path / "exp"))
    assert main(["experiment", "report", str(tmp_path / "exp")]) == 0
    assert "report.html" in capsys.readouterr().out


def test_cli_run_twice_resumes_and_reports(tmp_path, capsys, monkeypatch):
    calls = []

    async def load(refs, settings, into):
        for name, ref in refs.items():
            calls.append(ref)
            into[name] = scripted(lambda r: f"Answer: {ANSWER[question_of(r)]}")
        return
        yield

    monkeypatch.setattr("agents.experiments.providers.load_providers", load)
    out = tmp_path / "exp"
    argv = [
        "experiment",
        "run",
        "--n",
        "6",
        "--methods",
        "single,cot,debate3x2",
        "--match-sc",
        "debate3x2",
        "--model",
        "local",
        "--out",
        str(out),
        "--report",
    ]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "[24/24] sc@debate3x2" in err and "N = " in err and "report.html" in err
    assert main(argv) == 0  # everything done: nothing runs again
    assert "24 runs (24 already done)" in capsys.readouterr().err
    assert calls == ["local", "local"]  # opened once per run, not per item
    assert main([*argv[:3], "8", *argv[4:]]) == 0  # more items: only the new ones run
    assert "32 runs (24 already done)" in capsys.readouterr().err
    assert main([*argv[:3], "5", *argv[4:]]) == 2  # fewer items would orphan rows: refused
    assert "tasks differ" in capsys.readouterr().err
    assert main(["experiment", "run", "--n", "8", "--out", str(out)]) == 2
    assert "holds a different experiment (methods differ" in capsys.readouterr().err
