import pytest

from agents.tools.base import invoke
from agents.tools.calculator import CalcError, calculator_tool, evaluate, format_number


@pytest.mark.parametrize(
    "text,value",
    [
        ("1+2*3", 7),
        ("(1+2)*3", 9),
        ("-2**2", -4),
        ("2^3^2", 512),
        ("7/2", 3.5),
        ("10//3", 3),
        ("10%4", 2),
        ("12+345*67+8-90*12", 12 + 345 * 67 + 8 - 90 * 12),
        ("sqrt(16)+max(1, 5, 3)", 9.0),
        ("2*pi", 6.283185307179586),
        ("1e3+.5", 1000.5),
        ("--3", 3),
        ("abs(-4)", 4),
        ("round(2.567, 2)", 2.57),
    ],
)
def test_evaluates(text, value):
    assert evaluate(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text,why",
    [
        ("", "empty"),
        ("1+", "ends early"),
        ("(1", "expected ')'"),
        ("1 2", "unexpected '2'"),
        ("1/0", "division by zero"),
        ("__import__('os')", "unexpected character"),
        ("open(1)", "unknown name"),
        ("9**9**9", "too large"),
        ("(10**4)**(10**4)", "digits"),
        ("(-8)**0.5", "not a real number"),
        ("1" * 600, "longer than"),
        ("sqrt(-1)", "sqrt"),
    ],
)
def test_refuses(text, why):
    with pytest.raises(CalcError, match=why.replace("(", r"\(").replace(")", r"\)")):
        evaluate(text)


def test_format():
    assert format_number(6 / 3) == "2" and format_number(0.1 + 0.2) == "0.3" and format_number(10**20) == str(10**20)


async def test_the_tool_reports_errors_as_bad_arguments():
    tool = calculator_tool()
    assert (await invoke(tool, {"expression": "2+2"})).output == "4"
    failed = await invoke(tool, {"expression": "2+"})
    assert failed.kind == "bad_arguments" and "ends early" in failed.message
