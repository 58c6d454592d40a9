"""The calculator tool: a real expression parser (tokeniser + precedence climbing), never ``eval``.

Grammar: numbers, + - * / // % and ** (or ^, right-associative), unary signs, parentheses,
functions (sqrt, abs, round, floor, ceil, exp, ln, log, log10, sin, cos, tan, min, max, pow),
constants pi and e. Integers stay exact; huge powers and lengths are refused, not computed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from agents.tools.base import Tool, ToolError, ToolSpec

MAX_LENGTH = 500
MAX_EXPONENT = 10_000
MAX_INT_DIGITS = 4000
Number = int | float

_TOKEN = re.compile(
    r"\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|(\*\*|//|[-+*/%^(),])|([A-Za-z_]\w*))"
)
_FUNCTIONS: dict[str, Callable[..., Number]] = {
    "sqrt": math.sqrt,
    "abs": abs,
    "floor": math.floor,
    "ceil": math.ceil,
    "exp": math.exp,
    "ln": math.log,
    "log": math.log,
    "log10": math.log10,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "min": min,
    "max": max,
    "round": round,
}
_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau}
# operator -> (precedence, right-associative)
_BINARY = {
    "+": (1, False),
    "-": (1, False),
    "*": (2, False),
    "/": (2, False),
    "//": (2, False),
    "%": (2, False),
    "**": (4, True),
    "^": (4, True),
}
_UNARY_PRECEDENCE = 3  # -2**2 is -(2**2), as in Python and on paper


class CalcError(ValueError):
    """An expression that cannot be read or computed; the message says where and why."""


def tokenize(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise CalcError(f"unexpected character {text[pos]!r} at position {pos}")
        tokens.append(match.group(match.lastindex or 0))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None:
            raise CalcError(f"the expression ends early; expected {repr(expected) if expected else 'a number'}")
        if expected is not None and token != expected:
            raise CalcError(f"expected {expected!r}, found {token!r}")
        self.pos += 1
        return token

    def expression(self, min_precedence: int = 0) -> Number:
        left = self.unary()
        while (op := self.peek()) in _BINARY and _BINARY[op][0] >= min_precedence:
            precedence, right_assoc = _BINARY[self.take()]
            right = self.expression(precedence if right_assoc else precedence + 1)
            left = _apply(op, left, right)
        return left

    def unary(self) -> Number:
        if self.peek() in ("-", "+"):
            sign = self.take()
            value = self.expression(_UNARY_PRECEDENCE)
            return -value if sign == "-" else value
        return self.atom()

    def atom(self) -> Number:
        token = self.take()
        if token == "(":
            value = self.expression()
            self.take(")")
            return value
        if token[0].isdigit() or token[0] == ".":
            return float(token) if any(c in token for c in ".eE") else int(token)
        if token in _CONSTANTS:
            return _CONSTANTS[token]
        if token in _FUNCTIONS:
            return self.call(token)
        raise CalcError(f"unknown name or symbol {token!r}")

    def call(self, name: str) -> Number:
        self.take("(")
        args = [self.expression()]
        while self.peek() == ",":
            self.take(",")
            args.append(self.expression())
        self.take(")")
        try:
            return _FUNCTIONS[name](*args)
        except (TypeError, ValueError, OverflowError) as exc:
            raise CalcError(f"{name}{tuple(args)}: {exc}") from None


def _apply(op: str, left: Number, right: Number) -> Number:
    try:
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return _checked(left * right)
        if op == "/":
            return left / right
        if op == "//":
            return left // right
        if op == "%":
            return left % right
        if abs(right) > MAX_EXPONENT:
            raise CalcError(f"the exponent {right} is too large (limit {MAX_EXPONENT})")
        if (
            isinstance(left, int)
            and isinstance(right, int)
            and abs(left) > 1
            and right * math.log10(abs(left)) > MAX_INT_DIGITS
        ):
            raise CalcError(f"the result would have more than {MAX_INT_DIGITS} digits")
        return _checked(left**right)
    except ZeroDivisionError:
        raise CalcError("division by zero") from None
    except OverflowError:
        raise CalcError("the result is too large") from None


def _checked(value: Any) -> Number:
    if isinstance(value, complex):
        raise CalcError("the result is not a real number")
    if isinstance(value, int) and value.bit_length() > MAX_INT_DIGITS * 3.33:  # about 3.32 bits a digit
        raise CalcError(f"the result has more than {MAX_INT_DIGITS} digits")
    return value


def evaluate(text: str) -> Number:
    if len(text) > MAX_LENGTH:
        raise CalcError(f"the expression is longer than {MAX_LENGTH} characters")
    tokens = tokenize(text)
    if not tokens:
        raise CalcError("the expression is empty")
    parser = _Parser(tokens)
    value = parser.expression()
    if parser.peek() is not None:
        raise CalcError(f"unexpected {parser.peek()!r} after a complete expression")
    return value


def format_number(value: Number) -> str:
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.12g}"
    return str(value)


async def _run(arguments: dict[str, Any]) -> str:
    try:
        return format_number(evaluate(str(arguments["expression"])))
    except CalcError as exc:
        raise ToolError("bad_arguments", str(exc)) from None


SPEC = ToolSpec(
    name="calculator",
    description="Evaluate an arithmetic expression exactly, e.g. 12+34*5 or sqrt(2)*(3-1)^2.",
    parameters={
        "type": "object",
        "properties": {"expression": {"type": "string", "description": "the arithmetic expression"}},
        "required": ["expression"],
        "additionalProperties": False,
    },
)


def calculator_tool() -> Tool:
    return Tool(SPEC, _run, time_limit_s=2.0, output_limit=200)
