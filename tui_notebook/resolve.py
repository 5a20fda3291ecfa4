"""Resolve a prompt's template to the exact text the reference SDK would send (spec §2.3-2.6).

Context precedence, later wins: earlier-prompt references ``{name: {input, output}}`` < global parameters <
the prompt's local parameters < run-time parameters. ``output`` is the last output's text through the owning
prompt's parser; ``input`` is its raw template. Only prompts *before* the current one are visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .document.models import AIConfig, Prompt
from .parser_api import ModelParser, ParserError, text_template
from .registry import NoModelError, ParserRegistry, shared_registry
from .templates import TemplateError, escape_html, render, template_variables, value_tags


class ResolveError(Exception):
    """The prompt cannot be resolved (the SDK would raise too); the message says why."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message
        """Why, without naming the prompt (for a message shown with its cell)."""


@dataclass(frozen=True)
class EscapedValue:
    """A ``{{name}}`` whose value HTML escaping changes: ``{{{name}}}`` would insert ``raw`` unchanged."""

    tag: str
    raw: str
    escaped: str


@dataclass
class Resolution:
    prompt_name: str
    template: str
    text: str
    references: list[str] = field(default_factory=list)  # root names the template mentions
    prompt_references: list[str] = field(default_factory=list)  # ...of which are earlier prompts
    missing: list[str] = field(default_factory=list)  # ...that have no value at all
    escaped: list[EscapedValue] = field(default_factory=list)


def prompt_index(doc: AIConfig, name_or_index: str | int) -> int:
    """Index of a prompt. With duplicate names the SDK's ``prompt_index`` keeps the last one; so do we."""
    if isinstance(name_or_index, int):
        if not 0 <= name_or_index < len(doc.prompts):
            raise ResolveError(f"no prompt at index {name_or_index}")
        return name_or_index
    for i in range(len(doc.prompts) - 1, -1, -1):
        if doc.prompts[i].name == name_or_index:
            return i
    raise ResolveError(f"Prompt '{name_or_index}' not found in config.")


def parser_for(doc: AIConfig, prompt: Prompt, registry: ParserRegistry) -> ModelParser:
    try:
        return registry.for_prompt(prompt, doc)
    except NoModelError as exc:
        raise ResolveError(str(exc)) from None


def prompt_references(doc: AIConfig, index: int, registry: ParserRegistry) -> dict[str, Any]:
    """``{name: {"input": template, "output": text}}`` for the prompts before ``index``."""
    current = doc.prompts[index].name
    refs: dict[str, Any] = {}
    for previous in doc.prompts:
        # The SDK stops at the first prompt with the current name (matters only for duplicate names).
        if previous.name == current:
            break
        refs[previous.name] = _reference(doc, previous, registry)
    return refs


def build_context(
    doc: AIConfig, index: int, params: Mapping[str, Any] | None, registry: ParserRegistry
) -> dict[str, Any]:
    context = prompt_references(doc, index, registry)
    context.update(doc.metadata.parameters or {})
    prompt = doc.prompts[index]
    if prompt.metadata is not None and prompt.metadata.parameters:
        context.update(prompt.metadata.parameters)
    if params:
        context.update(params)
    return context


def resolve_prompt(
    doc: AIConfig,
    name_or_index: str | int,
    params: Mapping[str, Any] | None = None,
    registry: ParserRegistry | None = None,
) -> Resolution:
    registry = registry or shared_registry()
    index = prompt_index(doc, name_or_index)
    return _resolve_with_refs(doc, index, prompt_references(doc, index, registry), params, registry)


def resolve_all(
    doc: AIConfig, params: Mapping[str, Any] | None = None, registry: ParserRegistry | None = None
) -> list[Resolution | ResolveError]:
    """Every prompt's resolution (or its error), in order, in one pass.

    Resolving prompts one by one recomputes every earlier prompt's reference each time (quadratic); here the
    references grow as we go, with the SDK's exact semantics (including its duplicate-name quirk).
    """
    registry = registry or shared_registry()
    results: list[Resolution | ResolveError] = []
    refs: dict[str, Any] = {}
    ref_error: ResolveError | None = None  # once an earlier prompt cannot be referenced, later ones fail too
    # The SDK collects references up to the *first* prompt bearing a name, so a name that appears again needs
    # the references as they were at its first appearance; only those (rare) names keep a snapshot.
    seen: set[str] = set()
    repeated = {p.name for p in doc.prompts if p.name in seen or seen.add(p.name)}
    first_seen: dict[str, tuple[dict[str, Any], ResolveError | None]] = {}
    for index, prompt in enumerate(doc.prompts):
        if prompt.name in first_seen:
            view, error = first_seen[prompt.name]
        else:
            view, error = refs, ref_error
            if prompt.name in repeated:
                first_seen[prompt.name] = (dict(refs), ref_error)
        if error is not None:
            results.append(error)
        else:
            try:
                results.append(_resolve_with_refs(doc, index, dict(view), params, registry))
            except ResolveError as exc:
                results.append(exc)
        if ref_error is None:
            try:
                refs[prompt.name] = _reference(doc, prompt, registry)
            except ResolveError as exc:
                ref_error = exc
    return results


def _reference(doc: AIConfig, prompt: Prompt, registry: ParserRegistry) -> dict[str, Any]:
    parser = parser_for(doc, prompt, registry)
    try:
        template = parser.prompt_template(prompt)
        output = parser.output_text(prompt.outputs[-1]) if prompt.outputs else None
    except ParserError as exc:
        raise ResolveError(f"prompt {prompt.name!r}: {exc}") from None
    return {"input": template, "output": output}


def _resolve_with_refs(
    doc: AIConfig, index: int, context: dict[str, Any], params: Mapping[str, Any] | None,
    registry: ParserRegistry,
) -> Resolution:
    prompt = doc.prompts[index]
    parser = parser_for(doc, prompt, registry)
    try:
        template = parser.prompt_template(prompt)
    except ParserError as exc:
        raise ResolveError(str(exc)) from None
    if template is None:
        raise ResolveError(f"prompt {prompt.name!r} has no text template (its input is attachments)")
    earlier_names = set(context)
    context.update(doc.metadata.parameters or {})
    if prompt.metadata is not None and prompt.metadata.parameters:
        context.update(prompt.metadata.parameters)
    if params:
        context.update(params)
    try:
        text = render(template, context)
    except TemplateError as exc:
        reason = _template_error_message(doc, template, exc)  # the wording check_references gives
        raise ResolveError(f"prompt {prompt.name!r}: {reason}", reason) from None
    names = sorted(template_variables(template))
    # `context` started as the earlier prompts' references, so a name is an earlier prompt iff it was there.
    earlier = [n for n in names if n in earlier_names] if names else []
    return Resolution(
        prompt_name=prompt.name,
        template=template,
        text=text,
        references=names,
        prompt_references=[n for n in earlier if n in context],
        missing=[n for n in names if n not in context and n not in ("this", "else")],
        escaped=escaped_values(template, context),
    )


_PLAIN_TAG = re.compile(r"(?<!\{)\{\{ *([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*) *\}\}(?!\})")


def escaped_values(template: str, context: Mapping[str, Any]) -> list[EscapedValue]:
    """Plain ``{{x}}`` tags whose inserted value HTML escaping alters (a silent chaining gotcha, spec §2.5)."""
    found: list[EscapedValue] = []
    seen: set[str] = set()
    for match in _PLAIN_TAG.finditer(template):
        path = match.group(1)
        if path in seen:
            continue
        seen.add(path)
        value: Any = context
        for seg in path.split("."):
            value = value.get(seg) if isinstance(value, dict) else None
        if isinstance(value, str):
            escaped = escape_html(value)
            if escaped != value:
                found.append(EscapedValue(path, value, escaped))
    return found


def dependencies(doc: AIConfig, name_or_index: str | int, registry: ParserRegistry | None = None) -> list[int]:
    """Indexes of the earlier prompts ``name_or_index`` depends on, transitively, in run order (deps first).

    Like the SDK, a dependency is any earlier prompt whose name is a root variable of the raw template
    (``{{a.output}}``, ``{{a.input}}``, ``{{#if a.output}}``), found depth-first; each runs once.
    """
    registry = registry or shared_registry()
    root = prompt_index(doc, name_or_index)
    order: list[int] = []
    visited: set[int] = set()

    def visit(index: int) -> None:
        if index in visited:
            return
        visited.add(index)
        prompt = doc.prompts[index]
        template = _raw_template(prompt)
        names = template_variables(template)
        for j, earlier in enumerate(doc.prompts[:index]):
            if earlier.name in names and j != index:
                first = _first_index(doc, earlier.name)
                # Dependencies are looked up by name, so with duplicate names the SDK runs the last one.
                visit(prompt_index(doc, earlier.name) if first == j else j)
        order.append(index)

    visit(root)
    return order[:-1]


def _first_index(doc: AIConfig, name: str) -> int:
    for i, p in enumerate(doc.prompts):
        if p.name == name:
            return i
    return -1


def _raw_template(prompt: Prompt) -> str:
    """The SDK's ``get_raw_prompt_from_config``: the input string, else ``str(input.data)``."""
    if isinstance(prompt.input, str):
        return prompt.input
    return str(prompt.input.data)


# --- reference checks: which tags of a template insert nothing, and why -------------------------------------

@dataclass(frozen=True)
class ReferenceProblem:
    """A tag that renders as empty text. ``kind``: ``unknown`` (no parameter or cell by that name), ``below``
    (a cell after this one), ``itself``, ``no-output`` (an earlier cell without output yet), ``no-field``, or
    ``unclosed`` (a tag or block never closed: the rest of the prompt is dropped)."""

    tag: str
    kind: str
    reason: str
    cell: str | None = None
    """The cell the tag refers to (``below``, ``itself``, ``no-output``, ``no-field``)."""

    def __str__(self) -> str:
        return f"{self.tag}: {self.reason}"


@dataclass
class ReferenceReport:
    problems: list[ReferenceProblem] = field(default_factory=list)
    error: str | None = None
    """The template cannot be rendered at all (the SDK raises too); the message says why."""

    @property
    def clean(self) -> bool:
        return not self.problems and self.error is None

    def tags(self) -> set[str]:
        """The problem tags' inner text (``story.output``), for highlighting."""
        return {p.tag.strip("{}& ") for p in self.problems}


def check_references(
    doc: AIConfig,
    name_or_index: str | int,
    params: Mapping[str, Any] | None = None,
    registry: ParserRegistry | None = None,
) -> ReferenceReport:
    """The tags of a prompt's template that would insert empty text, each with the reason, and any template error.

    Rendering is not changed by this: it reports what :func:`resolve_prompt` would silently leave empty.
    Only the cells a tag mentions are looked at, so checking one cell costs the same in a long notebook.
    """
    registry = registry or shared_registry()
    index = prompt_index(doc, name_or_index)
    prompt = doc.prompts[index]
    template = _template_for_check(doc, prompt, registry)
    report = ReferenceReport()
    if not template or ("{{" not in template and "}}" not in template):
        return report
    parameters: dict[str, Any] = dict(doc.metadata.parameters or {})
    if prompt.metadata is not None and prompt.metadata.parameters:
        parameters.update(prompt.metadata.parameters)
    if params:
        parameters.update(params)
    earlier: dict[str, Prompt] = {}
    for previous in doc.prompts:
        if previous.name == prompt.name:  # the SDK's view of earlier prompts (see prompt_references)
            break
        earlier[previous.name] = previous
    later = {p.name for p in doc.prompts[index + 1:]}
    shared_name = sum(1 for p in doc.prompts if p.name == prompt.name) > 1
    # The references the template mentions, as the SDK would pass them (for the render below).
    context: dict[str, Any] = {}
    for name in template_variables(template):
        if name in earlier and name not in parameters:
            try:
                context[name] = _reference(doc, earlier[name], registry)
            except ResolveError:
                context[name] = {"input": None, "output": None}
    context.update(parameters)
    seen: set[str] = set()
    for tag in value_tags(template):
        if tag.inner in seen:
            continue
        seen.add(tag.inner)
        problem = _tag_problem(tag.inner, tag.path, prompt.name, parameters, earlier, later, context,
                               shared_name)
        if problem is not None:
            report.problems.append(problem)
    unknown_roots = {p.tag.strip("{}& ").split(".")[0] for p in report.problems if p.kind == "unknown"}
    for found in _block_problems(template):
        if isinstance(found, ReferenceProblem):
            report.problems.append(found)
            continue
        text, path, block_name = found
        if path[0] in unknown_roots:
            continue
        problem = _tag_problem(".".join(path), path, prompt.name, parameters, earlier, later, context, shared_name)
        if problem is None or problem.kind != "unknown":
            continue  # inside a block a missing output or a cell below may be what the block tests for
        unknown_roots.add(path[0])
        reason = problem.reason
        if block_name is not None:
            reason = f"no helper or parameter named {block_name!r}; the block shows nothing"
        report.problems.append(ReferenceProblem(text, "unknown", reason))
    try:
        render(template, context)
    except TemplateError as exc:
        report.error = _template_error_message(doc, template, exc)
    return report


_BLOCK_HELPERS = frozenset({"if", "unless", "each", "with"})
_SAME_SCOPE_BLOCKS = frozenset({"if", "unless"})
"""Blocks inside which names mean what they mean outside (``#each`` and ``#with`` change the scope)."""
_PATH = re.compile(r"[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*")
_TAG = re.compile(r"\{\{(\{)?(.*?)\}?\}\}", re.DOTALL)


def _shown(text: str, limit: int = 40) -> str:
    """A tag as a warning quotes it: its first line, shortened."""
    line = text.splitlines()[0] if text.strip() else text
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _block_problems(template: str) -> list["ReferenceProblem | tuple[str, tuple[str, ...], str | None]"]:
    """What the template's structure hides, in one pass over its tags: a tag that is never closed and a block
    that is never ended (the SDK drops the rest of the prompt from there on), and the names that blocks test or
    insert, as ``(tag, path, block helper name or None)`` for the caller to look up. Unbalanced or mismatched
    ends are left to the renderer, which raises for them."""
    found: list = []
    open_blocks: list[tuple[str, str, bool]] = []  # (name, opening tag, same scope as outside)
    end = 0
    for match in _TAG.finditer(template):
        end = match.end()
        inner = match.group(2).strip()
        if "{{" in inner or not inner:
            continue
        first = inner[0]
        if first in "#^" and inner not in ("^",):
            words = inner[1:].split()
            if not words:
                continue
            name = words[0]
            same_scope = all(scope for _, _, scope in open_blocks)
            open_blocks.append((name, match.group(0), name in _SAME_SCOPE_BLOCKS))
            if not same_scope:
                continue
            if name in _BLOCK_HELPERS:
                argument = words[1] if len(words) > 1 else ""
                if _PATH.fullmatch(argument) and argument.split(".")[0] != "this":
                    found.append((match.group(0), tuple(argument.split(".")), None))
            elif _PATH.fullmatch(name) and name != "this":
                found.append((match.group(0), tuple(name.split(".")), name if len(words) > 1 else None))
        elif first == "/":
            if open_blocks:
                open_blocks.pop()
        elif open_blocks and all(scope for _, _, scope in open_blocks) and first not in "!>" and inner != "else":
            path = inner[1:].strip() if first == "&" else inner
            if _PATH.fullmatch(path) and path.split(".")[0] != "this":
                found.append((match.group(0), tuple(path.split(".")), None))
    for name, opening, _ in open_blocks:
        found.append(ReferenceProblem(
            _shown(opening), "unclosed",
            f"this block is never closed (no {{{{/{name}}}}}); the SDK drops the rest of the prompt"))
    start = template.find("{{", end)
    if start != -1:
        found.append(ReferenceProblem(_shown(template[start:].rstrip()), "unclosed",
                                      "this tag is never closed; the SDK drops the rest of the prompt"))
    return found


def _tag_problem(inner: str, path: tuple[str, ...], current: str, parameters: Mapping[str, Any],
                 earlier: Mapping[str, Prompt], later: set[str], context: Mapping[str, Any],
                 shared_name: bool) -> ReferenceProblem | None:
    tag = "{{" + inner + "}}"
    root = path[0]
    if root in parameters:
        return None
    if root in earlier:
        if len(path) < 2 or path[1] == "input":
            return None
        if path[1] != "output":
            return ReferenceProblem(tag, "no-field", f"cell {root!r} has no {path[1]!r} (use .output or .input)",
                                    root)
        if context.get(root, {}).get("output") is None:
            return ReferenceProblem(tag, "no-output", f"cell {root!r} has no output yet", root)
        return None
    if root == current:
        if shared_name:
            return ReferenceProblem(tag, "itself", f"several cells are named {root!r}; rename the one to reference",
                                    root)
        return ReferenceProblem(tag, "itself", "a cell cannot use its own output", root)
    if root in later:
        return ReferenceProblem(tag, "below", f"cell {root!r} is below this one", root)
    if len(path) > 1 and path[1] in ("output", "input"):
        return ReferenceProblem(tag, "unknown", f"no cell or parameter named {root!r}")
    return ReferenceProblem(tag, "unknown", "no such parameter")


def _template_for_check(doc: AIConfig, prompt: Prompt, registry: ParserRegistry) -> str | None:
    try:
        return registry.for_prompt(prompt, doc).prompt_template(prompt)
    except (NoModelError, ParserError):
        return text_template(prompt)


def referenceable(name: str) -> bool:
    """Whether ``{{name.output}}`` in a template reaches the cell called ``name`` (spaces, ``+``, ``.``... do not)."""
    probe = "{{" + name + ".output}}"
    try:
        reached = render(probe, {name: {"output": "\x00"}}) == "\x00"
    except TemplateError:
        return False
    return reached and name in template_variables(probe)


def suggested_name(name: str) -> str:
    """A name like ``name`` that templates can reference (``my idea`` -> ``my_idea``)."""
    candidate = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "cell"
    return candidate if re.match(r"[A-Za-z_]", candidate) else f"cell_{candidate}"


def _template_error_message(doc: AIConfig, template: str, exc: TemplateError) -> str:
    for prompt in doc.prompts:
        name = prompt.name
        found = re.search(r"\{\{[{&]? *" + re.escape(name) + r"[^{}]*\}\}\}?", template)
        if found and not referenceable(name):
            return (f"{found.group(0)}: the cell name {name!r} cannot be used in a template; "
                    f"rename the cell (e.g. {suggested_name(name)!r})")
    return f"template error: {exc}"
