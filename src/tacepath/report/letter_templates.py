"""Letter bodies an organisation can edit, rendered in a Jinja2 sandbox.

A body is text with ``{{ … }}`` outputs and nothing else: names of the letter's values
(:data:`VALUES`), their attributes, ``or`` between them, string constants and a few text
filters. No loops, no conditions, no arithmetic, no calls: a body cannot compute anything,
least of all clinical content, and its output is bounded by its length. The decision's
rendered pieces (``pieces.failure``, ``pieces.options``…) are each placed by an output of
their own, so which pieces a letter shows is read from the body alone; the pieces a letter
needs (``requires`` in ``letters.yaml``) must each be placed. Rendering uses
:class:`jinja2.sandbox.SandboxedEnvironment` with autoescaping; a piece is already-escaped
HTML made by the package's templates.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from tacepath.errors import InputError

__all__ = ["MAX_BODY_CHARS", "PIECES", "VALUES", "check_body", "render_body"]

#: The longest body taken (a bound on size, not a clinical number).
MAX_BODY_CHARS = 20_000
#: The values a body may name, with the attributes each has.
VALUES: Mapping[str, frozenset[str]] = {
    "patient": frozenset(),
    "record_date": frozenset(),
    "date": frozenset(),
    "request": frozenset(),
    "team": frozenset(),
    "sender": frozenset({"name", "organisation"}),
    "addressee": frozenset({"name", "organisation"}),
}
#: The decision's pieces a body may place (``pieces.<name>``).
PIECES = ("failure", "key_values", "followup", "options", "trials", "missing", "plan")
_FILTERS = frozenset({"upper", "lower", "capitalize", "title", "trim"})
_ENV = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def _where(node: nodes.Node) -> str:
    return f"line {getattr(node, 'lineno', '?')}"


def _refuse(node: nodes.Node, what: str) -> InputError:
    return InputError(
        "template",
        f"{what} at {_where(node)}",
        "text with {{ name }} outputs only (names: "
        + ", ".join([*VALUES, *(f"pieces.{p}" for p in PIECES)])
        + "; 'or' between them; filters "
        + ", ".join(sorted(_FILTERS))
        + ")",
    )


def _expr(node: nodes.Node) -> None:
    """An output's expression: a name, a name's attribute, a constant, ``or``, a filter."""
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return
    if isinstance(node, nodes.Name) and node.ctx == "load":
        if node.name not in VALUES:
            raise _refuse(node, f"the name {node.name[:40]!r}")
        return
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
        owner, attr = node.node.name, node.attr
        if owner == "pieces":
            raise _refuse(node, f"pieces.{attr[:40]} inside an expression (place it alone)")
        if owner not in VALUES or attr not in VALUES[owner]:
            raise _refuse(node, f"the name {owner[:40]}.{attr[:40]}")
        return
    if isinstance(node, nodes.Or):
        _expr(node.left)
        _expr(node.right)
        return
    if isinstance(node, nodes.Filter) and node.node is not None:
        if node.name not in _FILTERS or node.args or node.kwargs or node.dyn_args:
            raise _refuse(node, f"the filter {node.name[:40]!r}")
        _expr(node.node)
        return
    raise _refuse(node, f"a {type(node).__name__} expression")


def _placed(template: nodes.Template) -> Iterator[str]:
    """The pieces the body places, checking every node on the way."""
    for out in template.body:
        if not isinstance(out, nodes.Output):
            raise _refuse(out, f"a {type(out).__name__} block")
        for child in out.nodes:
            if isinstance(child, nodes.TemplateData):
                continue
            if (
                isinstance(child, nodes.Getattr)
                and isinstance(child.node, nodes.Name)
                and child.node.name == "pieces"
            ):
                if child.attr not in PIECES:
                    raise _refuse(child, f"the piece {child.attr[:40]!r}")
                yield child.attr
                continue
            _expr(child)


def check_body(body: object, requires: tuple[str, ...]) -> str:
    """The body, checked: text of at most :data:`MAX_BODY_CHARS` that places each piece of
    ``requires`` and uses nothing but :data:`VALUES`; refused, naming the first problem."""
    if not isinstance(body, str):
        raise InputError("template", type(body).__name__, "text")
    text = body.replace("\r\n", "\n").strip()
    if not text or len(text) > MAX_BODY_CHARS:
        shown = f"{len(text)} characters" if text else "nothing"
        raise InputError("template", shown, f"1 to {MAX_BODY_CHARS} characters")
    if "\x00" in text:
        raise InputError("template", "a NUL character", "printable text")
    try:
        tree = _ENV.parse(text)
    except TemplateSyntaxError as exc:
        where = f"line {exc.lineno}"
        raise InputError("template", where, f"valid template text: {exc.message}") from exc
    placed = set(_placed(tree))
    missing = [p for p in requires if p not in placed]
    if missing:
        need = ", ".join("{{ pieces." + p + " }}" for p in missing)
        raise InputError("template", "a body without " + need, "a body that places " + need)
    return text


def render_body(
    body: str, requires: tuple[str, ...], values: Mapping[str, Any], pieces: Mapping[str, str]
) -> str:
    """The body (checked again) rendered with the letter's values and the decision's
    rendered ``pieces`` (HTML made by the package's templates)."""
    text = check_body(body, requires)
    ctx = {k: values[k] for k in VALUES}
    ctx["pieces"] = {p: Markup(pieces.get(p, "")) for p in PIECES}
    return _ENV.from_string(text).render(ctx)
