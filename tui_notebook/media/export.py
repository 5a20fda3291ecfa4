"""``tuinb export``: a read-only copy of a notebook as one HTML page or a Markdown file.

Shows what a reader needs: parameters, each cell's prompt (raw and resolved), its attachments and outputs.
HTML is self-contained (images and audio as data URIs); Markdown writes media into ``<name>_files/`` beside it.

Everything from the notebook is untrusted text: it is HTML-escaped (HTML) or fenced (Markdown), and terminal
control characters are stripped first, so a copy opened in a browser or `cat`-ed in a terminal cannot run
script or drive the terminal. URL attachments are linked, never fetched (export works offline). The output is
deterministic (no timestamps), so exports can be diffed and tested against goldens.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .files import extension_for, safe_stem
from .items import MediaRef, MediaUnavailable, attachment_media, output_media, read_media

if TYPE_CHECKING:
    from ..notebook import Notebook

Format = Literal["html", "md"]

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # and bidirectional controls
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)", re.S)


def clean(text: Any) -> str:
    """Text with terminal escape sequences removed whole (not just their ESC), CRLF -> LF, other controls gone."""
    s = text if isinstance(text, str) else str(text)
    s = _ANSI.sub("", s.replace("\r\n", "\n"))
    return _CONTROL.sub("", s)


@dataclass
class Cell:
    name: str
    model: str
    model_id: str
    parameters: dict[str, Any]
    raw: str
    resolved: str | None
    resolve_error: str | None
    attachments: list[tuple[MediaRef | None, str]]  # (media, description)
    outputs: list[tuple[str, Any]]  # ("text"|"error"|"media"|"json", payload)


def _cells(nb: "Notebook") -> list[Cell]:
    from ..parser_api import text_template
    from ..registry import model_settings
    from ..resolve import ResolveError

    cells = []
    with nb.lock:
        prompts = list(nb.doc.prompts)
    for i, prompt in enumerate(prompts):
        raw = text_template(prompt)
        resolved = error = None
        if raw is not None:
            try:
                resolved = nb.resolve(i).text
            except ResolveError as exc:
                error = str(exc)
        try:
            model_id = model_settings(prompt, nb.doc).get("model") or ""
        except Exception:  # noqa: BLE001 - a broken settings table still exports
            model_id = ""
        params = dict((prompt.metadata.parameters or {}) if prompt.metadata else {})
        atts = []
        for j, att in enumerate(getattr(prompt.input, "attachments", None) or []):
            ref = attachment_media(att, j)
            atts.append((ref, ref.where() if ref else json.dumps(getattr(att, "data", None), default=str)))
        outs: list[tuple[str, Any]] = []
        for j, out in enumerate(prompt.outputs or []):
            if out.output_type == "error":
                outs.append(("error", f"{out.ename}: {out.evalue}"))
                continue
            ref = output_media(out, j)
            if ref is not None:
                outs.append(("media", ref))
            elif isinstance(out.data, str):
                outs.append(("text", out.data))
            elif getattr(out.data, "kind", None) in ("base64", "file_uri"):
                outs.append(("text", out.data.value))
            else:
                dumped = out.data.model_dump(mode="json") if hasattr(out.data, "model_dump") else out.data
                outs.append(("json", json.dumps(dumped, indent=2, default=str)))
        cells.append(Cell(prompt.name, nb.model_name(prompt) or "", str(model_id), params, raw or "",
                          resolved, error, atts, outs))
    return cells


def default_output(nb_path: Path | None, fmt: Format) -> Path:
    base = Path(nb_path) if nb_path else Path.cwd() / "notebook"
    name = base.name
    for suffix in (".aiconfig.json", ".aiconfig.yaml", ".aiconfig.yml", ".json", ".yaml", ".yml"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return base.with_name(f"{name}.{fmt}")


def export_notebook(nb: "Notebook", fmt: Format, out: Path | None = None) -> Path:
    """Write the export and return its path. Never changes the notebook."""
    out = Path(out) if out else default_output(nb.path, fmt)
    from ..document import atomic_write_text

    text = _html(nb, _cells(nb)) if fmt == "html" else _markdown(nb, _cells(nb), out)
    atomic_write_text(out, text)
    return out


def _media_bytes(nb: "Notebook", ref: MediaRef) -> bytes | None:
    if ref.is_url:
        return None  # linked, not fetched: exports work offline and upload nothing
    try:
        return read_media(ref, nb.folder)
    except MediaUnavailable:
        return None


# -- HTML -------------------------------------------------------------------------------------------------------

_CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
pre{background:#f4f4f4;padding:.6rem;white-space:pre-wrap;word-break:break-word}
.cell{border-left:4px solid #6a5acd;padding-left:1rem;margin:2rem 0}.meta{color:#666}
.error{color:#b00}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem}
img{max-width:100%;image-rendering:pixelated;min-width:256px}"""


def _e(text: Any) -> str:
    return html.escape(clean(text), quote=True)


def _param_table_html(params: dict[str, Any]) -> str:
    if not params:
        return "<p class=\"meta\">none</p>"
    rows = "".join(f"<tr><td><code>{_e(k)}</code></td><td><pre>{_e(_value(v))}</pre></td></tr>"
                   for k, v in params.items())
    return f"<table><tr><th>name</th><th>value</th></tr>{rows}</table>"


def _value(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def _media_html(nb: "Notebook", ref: MediaRef, alt: str) -> str:
    if ref.is_url:
        href = clean(ref.value)
        return f'<p>{_e(ref.mime)}: <a href="{_e(href)}">{_e(href)}</a> (link, not embedded)</p>'
    data = _media_bytes(nb, ref)
    if data is None:
        return f'<p class="error">{_e(alt)}: {_e(ref.where())} (not readable)</p>'
    mime = re.sub(r"[^a-z0-9./+-]", "", ref.mime.lower()) or "application/octet-stream"
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    if ref.is_image:
        return f'<p><img alt="{_e(alt)}" src="{uri}"></p>'
    if ref.is_audio:
        return f'<p><audio controls src="{uri}"></audio> <span class="meta">{_e(alt)}</span></p>'
    return f'<p><a download href="{uri}">{_e(alt)}</a></p>'


def _html(nb: "Notebook", cells: list[Cell]) -> str:
    doc = nb.doc
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{_e(doc.name)}</title>", f"<style>{_CSS}</style></head><body>",
             f"<h1>{_e(doc.name)}</h1>"]
    if doc.description:
        parts.append(f"<p>{_e(doc.description)}</p>")
    parts.append("<h2>Parameters</h2>" + _param_table_html(dict(doc.metadata.parameters or {})))
    for cell in cells:
        parts.append(f'<section class="cell"><h2>{_e(cell.name)}</h2>')
        model = cell.model + (f" · {cell.model_id}" if cell.model_id else "")
        parts.append(f'<p class="meta">model: {_e(model or "none")}</p>')
        if cell.parameters:
            parts.append("<h3>Cell parameters</h3>" + _param_table_html(cell.parameters))
        if cell.raw:
            parts.append(f"<h3>Prompt</h3><pre>{_e(cell.raw)}</pre>")
            if cell.resolve_error:
                parts.append(f'<p class="error">cannot resolve: {_e(cell.resolve_error)}</p>')
            elif cell.resolved is not None and cell.resolved != cell.raw:
                parts.append(f"<h3>Resolved</h3><pre>{_e(cell.resolved)}</pre>")
        if cell.attachments:
            parts.append("<h3>Attachments</h3>")
            for j, (ref, desc) in enumerate(cell.attachments):
                parts.append(_media_html(nb, ref, f"attachment {j + 1}") if ref else f"<p>{_e(desc)}</p>")
        if cell.outputs:
            parts.append("<h3>Outputs</h3>")
            for j, (kind, payload) in enumerate(cell.outputs):
                if kind == "media":
                    parts.append(_media_html(nb, payload, f"{cell.name} output {j + 1}"))
                elif kind == "error":
                    parts.append(f'<pre class="error">{_e(payload)}</pre>')
                else:
                    parts.append(f"<pre>{_e(payload)}</pre>")
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


# -- Markdown ---------------------------------------------------------------------------------------------------


def _fence(text: str, lang: str = "text") -> str:
    """A fenced block longer than any backtick run inside, so nothing in ``text`` can close it early."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def _md_inline(text: Any) -> str:
    """Inline text with Markdown/HTML syntax characters escaped (names and values appear outside fences)."""
    s = clean(text).replace("\n", " ")
    s = re.sub(r"([\\`*_{}\[\]()#+!|~>-])", r"\\\1", s)
    return s.replace("&", "&amp;").replace("<", "&lt;")


def _markdown(nb: "Notebook", cells: list[Cell], out: Path) -> str:
    from ..document.atomic import write_file

    files_dir = out.with_name(f"{safe_stem(out.stem)}_files")
    written: set[str] = set()

    def media_md(ref: MediaRef, stem: str, alt: str) -> str:
        if ref.is_url:
            url = clean(ref.value).replace("(", "%28").replace(")", "%29").replace(" ", "%20")
            return f"[{_md_inline(alt)} ({_md_inline(ref.mime)})]({url})"
        data = _media_bytes(nb, ref)
        if data is None:
            return f"*{_md_inline(alt)}: {_md_inline(ref.where())} (not readable)*"
        name = f"{safe_stem(stem)}{extension_for(ref.mime)}"
        files_dir.mkdir(parents=True, exist_ok=True)
        write_file(files_dir / name, data)
        written.add(name)
        rel = f"{files_dir.name}/{name}"
        return f"![{_md_inline(alt)}]({rel})" if ref.is_image else f"[{_md_inline(alt)} ({ref.mime})]({rel})"

    doc = nb.doc
    lines = [f"# {_md_inline(doc.name)}", ""]
    if doc.description:
        lines += [_md_inline(doc.description), ""]
    lines += ["## Parameters", "", *_md_params(dict(doc.metadata.parameters or {})), ""]
    for cell in cells:
        model = cell.model + (f" · {cell.model_id}" if cell.model_id else "")
        lines += [f"## {_md_inline(cell.name)}", "", f"*model: {_md_inline(model or 'none')}*", ""]
        if cell.parameters:
            lines += ["### Cell parameters", "", *_md_params(cell.parameters), ""]
        if cell.raw:
            lines += ["### Prompt", "", _fence(clean(cell.raw)), ""]
            if cell.resolve_error:
                lines += [f"*cannot resolve: {_md_inline(cell.resolve_error)}*", ""]
            elif cell.resolved is not None and cell.resolved != cell.raw:
                lines += ["### Resolved", "", _fence(clean(cell.resolved)), ""]
        if cell.attachments:
            lines += ["### Attachments", ""]
            for j, (ref, desc) in enumerate(cell.attachments):
                lines += [media_md(ref, f"{cell.name}-attachment-{j + 1}", f"attachment {j + 1}") if ref
                          else _md_inline(desc), ""]
        if cell.outputs:
            lines += ["### Outputs", ""]
            for j, (kind, payload) in enumerate(cell.outputs):
                if kind == "media":
                    lines += [media_md(payload, f"{cell.name}-output-{j + 1}", f"{cell.name} output {j + 1}"), ""]
                elif kind == "error":
                    lines += [_fence(clean(payload), "error"), ""]
                else:
                    lines += [_fence(clean(payload), "json" if kind == "json" else "text"), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_params(params: dict[str, Any]) -> list[str]:
    if not params:
        return ["*none*"]
    rows = ["| name | value |", "| --- | --- |"]
    for k, v in params.items():
        rows.append(f"| `{clean(k).replace('`', '')}` | {_md_inline(_value(v))} |")
    return rows
