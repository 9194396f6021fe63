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

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from tacepath.errors import InputError

__all__ = ["MAX_BODY_CHARS", "PIECES", "TAGS", "VALUES", "check_body", "render_body"]

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
#: The HTML a body's own text may hold: these tags, without attributes (no links, images,
#: styles or scripts: nothing is fetched or run when the letter is printed or shown).
TAGS = frozenset({"p", "br", "b", "strong", "i", "em", "u", "h2", "h3", "ul", "ol", "li", "div"})
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


class _Markup(HTMLParser):
    """The first tag of a body's text outside :data:`TAGS`, or with an attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.bad is None and (tag not in TAGS or attrs):
            self.bad = f"<{tag}{' with attributes' if attrs else ''}>"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self.bad is None and re.search(r"<[A-Za-z!/?]", data):
            self.bad = "an unfinished tag"

    def handle_comment(self, data: str) -> None:
        self.bad = self.bad or "an HTML comment"

    def handle_decl(self, decl: str) -> None:
        self.bad = self.bad or "a declaration"

    def handle_pi(self, data: str) -> None:
        self.bad = self.bad or "a processing instruction"


def _check_markup(skeleton: str) -> None:
    """The body's HTML with each output as plain text: only :data:`TAGS`, no attribute."""
    parser = _Markup()
    parser.feed(skeleton)
    parser.close()
    if parser.bad is not None:
        raise InputError(
            "template",
            parser.bad,
            "text with the tags " + ", ".join(sorted(TAGS)) + ", without attributes",
        )


def _placed(template: nodes.Template) -> set[str]:
    """The pieces the body places, checking every node and the body's HTML on the way."""
    placed: set[str] = set()
    skeleton: list[str] = []
    for out in template.body:
        if not isinstance(out, nodes.Output):
            raise _refuse(out, f"a {type(out).__name__} block")
        for child in out.nodes:
            if isinstance(child, nodes.TemplateData):
                skeleton.append(child.data)
                continue
            if (
                isinstance(child, nodes.Getattr)
                and isinstance(child.node, nodes.Name)
                and child.node.name == "pieces"
            ):
                if child.attr not in PIECES:
                    raise _refuse(child, f"the piece {child.attr[:40]!r}")
                placed.add(child.attr)
                skeleton.append("<div></div>")
                continue
            _expr(child)
            skeleton.append("x")
    _check_markup("".join(skeleton))
    return placed


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
    placed = _placed(tree)
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
