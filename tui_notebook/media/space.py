"""``tuinb space``: a folder ready to upload as a Gradio Notebook Space (spec aiconfig-format §5.6, seed docs).

Files: ``app.py`` (GradioNotebook over ``my_app.aiconfig.json``, the name the Space template expects),
``requirements.txt``, ``README.md`` with the Space front matter (``sdk: gradio``, ``sdk_version: 4.16.0`` —
newer Gradio breaks gradio-notebook, per its docs), the notebook in SDK format, and ``model_parsers.py`` when
cells use local models: the Space has no tuinb, so the HF extension's local parsers are registered under the
names the notebook uses ("Text Generation (Local)", ...), like the Gradio cookbook's model_parsers.py.

Local attachment files inside the notebook's folder are copied to the same relative path (so ``file_uri``s
still resolve); local media *outputs* are embedded as base64 so the Space shows them. Nothing is uploaded.

A Space can only fetch models by Hub id or URL: a cell whose model is a local path is refused unless the caller
keeps it on purpose, and a non-empty folder is only overwritten when asked (``force``).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..notebook import Notebook

CONFIG_NAME = "my_app.aiconfig.json"
SDK_VERSION = "4.16.0"

# Local parser class in aiconfig_extension_hugging_face for each of our local parser ids (same names).
LOCAL_CLASSES = (
    "HuggingFaceTextGenerationTransformer", "HuggingFaceTextSummarizationTransformer",
    "HuggingFaceTextTranslationTransformer", "HuggingFaceText2ImageDiffusor",
    "HuggingFaceText2SpeechTransformer", "HuggingFaceAutomaticSpeechRecognitionTransformer",
    "HuggingFaceImage2TextTransformer",
)


# What the exported model_parsers.py needs installed, as requirement lines. It imports ``aiconfig`` and
# ``aiconfig_extension_hugging_face``; importing the extension loads every one of its local parsers, whose modules
# import torch, transformers, diffusers, PIL, scipy and numpy (and its tokenizers need sentencepiece/sacremoses).
# The extension declares these itself; they are listed so the Space's build does not depend on that.
MODEL_PARSERS_REQUIREMENTS = (
    "python-aiconfig>=1.1.25", "aiconfig-extension-hugging-face>=0.0.13", "torch", "transformers", "diffusers",
    "accelerate", "scipy", "sentencepiece", "sacremoses", "pillow", "numpy",
)

# A Hugging Face Hub id: ``name`` or ``namespace/name`` (letters, digits, ``_ . -``; no ``--`` or ``..``).
_HUB_ID = re.compile(r"^(?:[A-Za-z0-9](?:[\w.-]{0,94}[A-Za-z0-9])?/)?[A-Za-z0-9](?:[\w.-]{0,94}[A-Za-z0-9_])?$")


@dataclass
class SpaceResult:
    folder: Path
    files: list[str]
    local_parsers: dict[str, str]  # registered name -> extension class
    notes: list[str] = field(default_factory=list)
    downloads: dict[str, str] = field(default_factory=dict)  # cell -> Hub id its local model downloads


class SpaceRefused(ValueError):
    """The export would not run as a Space (or would overwrite a folder); nothing was written.

    ``problems`` says what and where, one line each; ``hint`` says how to export anyway.
    """

    def __init__(self, problems: list[str], hint: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.hint = hint


def is_url(model: str) -> bool:
    return model.startswith(("http://", "https://"))


def is_hub_id(model: str, *, folders: tuple[Path, ...] = ()) -> bool:
    """True for a Hub id the Space can download: the id pattern, and not a folder that exists here (a relative
    path like ``models/gpt2`` looks like an id but loads the local folder)."""
    if not _HUB_ID.match(model) or "--" in model or ".." in model:
        return False
    return not any((folder / model).exists() for folder in folders)


def cell_models(nb: "Notebook") -> list[tuple[str, str, bool]]:
    """(cell, model, runs locally) for every cell whose Hugging Face parser is given a ``settings.model``, or
    (for local cells) falls back to the parser's default model."""
    from ..registry import model_settings

    found = []
    for prompt in nb.doc.prompts:
        parser = nb.parser_for(prompt)
        if parser is None or not str(parser.id).startswith("HuggingFace"):
            continue  # other services name their models their own way (OpenAI, plugins)
        try:
            value = model_settings(prompt, nb.doc).get("model")
        except Exception:  # noqa: BLE001 - a cell with no model: nothing to check
            value = None
        local = bool(getattr(parser, "local", False))
        model = value.strip() if isinstance(value, str) and value.strip() else (
            parser.default_model if local else None)
        if model:
            found.append((prompt.name, model, local))
    return found


def unreachable_models(nb: "Notebook") -> list[tuple[str, str]]:
    """(cell, model) for models the Space cannot fetch: local paths and anything that is neither a Hub id nor
    a URL."""
    folders = (nb.folder, Path.cwd())
    return [(cell, model) for cell, model, _local in cell_models(nb)
            if not is_url(model) and not is_hub_id(model, folders=folders)]


def _folder_in_use(out_dir: Path) -> bool:
    try:
        return out_dir.is_dir() and any(out_dir.iterdir())
    except OSError:
        return True


def local_parser_names(nb: "Notebook") -> dict[str, str]:
    """Names the notebook's cells look parsers up by -> HF extension class, for cells that run locally."""
    doc = nb.doc
    aliases = dict(doc.metadata.model_parsers or {})
    found: dict[str, str] = {}
    for prompt in doc.prompts:
        name = nb.model_name(prompt)
        if not name:
            continue
        parser = nb.parser_for(prompt)
        if parser is None or not getattr(parser, "local", False) or parser.id not in LOCAL_CLASSES:
            continue
        # With a model_parsers alias the SDK looks the parser up by the alias target, not the model name.
        found[aliases.get(name, name)] = parser.id
    return dict(sorted(found.items()))


def _app_py(with_parsers: bool) -> str:
    extra = ', parsers_path="model_parsers.py"' if with_parsers else ""
    return (
        "# A Gradio Notebook Space over my_app.aiconfig.json (written by `tuinb space`).\n"
        "import gradio as gr\n"
        "from gradio_notebook import GradioNotebook\n\n"
        "with gr.Blocks() as demo:\n"
        f'    GradioNotebook(config_path="{CONFIG_NAME}"{extra})\n\n'
        "demo.queue().launch()\n"
    )


def _model_parsers_py(names: dict[str, str]) -> str:
    classes = sorted(set(names.values()))
    lines = [
        '"""Local (transformers / diffusers) parsers for this Space, registered under the names the notebook',
        "uses. Written by `tuinb space`. Models given as Hub ids download into the Space's storage on first run.",
        '"""',
        "",
        "from aiconfig import AIConfigRuntime",
        "from aiconfig_extension_hugging_face import (",
        *[f"    {cls}," for cls in classes],
        ")",
        "",
        "",
        "def register_model_parsers() -> None:",
    ]
    for name, cls in names.items():
        if name == cls:
            lines.append(f"    AIConfigRuntime.register_model_parser({cls}())")
        else:
            lines.append(f"    AIConfigRuntime.register_model_parser({cls}(), {json.dumps(name)})")
    return "\n".join(lines) + "\n"


def _requirements(with_parsers: bool) -> str:
    lines = ["gradio-notebook"]
    if with_parsers:
        lines += ["# model_parsers.py: the Hugging Face extension's local parsers and what they import",
                  *MODEL_PARSERS_REQUIREMENTS]
    return "\n".join(lines) + "\n"


def _readme(title: str, description: str, downloads: bool) -> str:
    from .export import clean  # a README is read in terminals too: no control sequences from the notebook

    title, description = clean(title), clean(description)
    safe_title = json.dumps(title[:60] or "Gradio Notebook")  # a JSON string is a valid YAML scalar
    body = description.strip() or "A Gradio Notebook."
    note = ("\n\nThis notebook runs some cells on local models (see `model_parsers.py`): they download into the "
            "Space's storage the first time a cell runs, even for visitors." if downloads else "")
    return (
        "---\n"
        f"title: {safe_title}\n"
        "emoji: 📓\n"
        "colorFrom: indigo\n"
        "colorTo: purple\n"
        "sdk: gradio\n"
        f"sdk_version: {SDK_VERSION}\n"
        "app_file: app.py\n"
        "pinned: false\n"
        "---\n\n"
        f"# {title}\n\n{body}{note}\n\n"
        f"Edits in the Space are not saved: download the notebook and commit it as `{CONFIG_NAME}`.\n"
    )


def build_space(nb: "Notebook", out_dir: Path, *, keep_local_paths: bool = False,
                force: bool = False) -> SpaceResult:
    """Write the Space folder. Refuses (:class:`SpaceRefused`, nothing written) when a cell's model is a local
    path the Space cannot read (unless ``keep_local_paths``) or ``out_dir`` is a non-empty folder (unless
    ``force``)."""
    from ..document import atomic_write_bytes, atomic_write_text, dumps
    from .attachments import outside_files
    from .items import local_path, output_media, read_media, MediaUnavailable

    out_dir = Path(out_dir)
    unreachable = unreachable_models(nb)
    if unreachable and not keep_local_paths:
        raise SpaceRefused(
            [f"cell {cell!r}: model {model!r} is a local path (or not a Hub id or URL); the Space cannot read it"
             for cell, model in unreachable],
            "use a Hub id (namespace/name) or a URL in settings.model, or pass --keep-local-paths to export "
            "anyway")
    if out_dir.exists() and not out_dir.is_dir():
        raise SpaceRefused([f"{out_dir} is a file, not a folder"], "give a folder with -o")
    if _folder_in_use(out_dir) and not force:
        raise SpaceRefused([f"{out_dir} is not empty; its files would be overwritten"],
                           "pass --force to overwrite it, or give a new folder with -o")
    out_dir.mkdir(parents=True, exist_ok=True)
    names = local_parser_names(nb)
    kept = {cell for cell, _model in unreachable}
    downloads = {cell: model for cell, model, local in cell_models(nb) if local and cell not in kept}
    notes: list[str] = [f"{cell}: model {model} is a local path; the Space cannot read it"
                        for cell, model in unreachable]
    doc = nb.snapshot()  # a copy: the open notebook is never changed
    root = nb.folder
    for prompt in doc.prompts:
        for i, out in enumerate(prompt.outputs or []):
            ref = output_media(out, i)
            if ref is None or ref.kind != "file_uri" or ref.is_url:
                continue
            try:
                data = read_media(ref, root)
            except MediaUnavailable as exc:
                notes.append(f"{prompt.name}: output {i + 1} not included ({exc})")
                continue
            out.data.kind = "base64"
            out.data.value = base64.b64encode(data).decode("ascii")
        attachments = getattr(prompt.input, "attachments", None) or []
        outside = set(outside_files(attachments, root))
        from .items import attachment_media

        for j, att in enumerate(attachments):
            ref = attachment_media(att, j)
            path = local_path(ref, root) if ref else None
            if path is None:
                continue
            if path.resolve() in outside:
                notes.append(f"{prompt.name}: attachment {path} is outside the notebook's folder; not copied")
                continue
            target = out_dir / path.resolve().relative_to(root)
            if path.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(target, path.read_bytes())
            else:
                notes.append(f"{prompt.name}: attachment {path} is missing")
    files = [CONFIG_NAME, "app.py", "requirements.txt", "README.md"]
    atomic_write_text(out_dir / CONFIG_NAME, dumps(doc, "json"))
    atomic_write_text(out_dir / "app.py", _app_py(bool(names)))
    atomic_write_text(out_dir / "requirements.txt", _requirements(bool(names)))
    atomic_write_text(out_dir / "README.md", _readme(doc.name, doc.description or "", bool(downloads)))
    stale = out_dir / "model_parsers.py"
    if names:
        atomic_write_text(stale, _model_parsers_py(names))
        files.append("model_parsers.py")
    elif stale.exists():
        stale.unlink()  # a re-export without local cells must not keep registering old parsers
    own = nb.folder / "model_parsers.py"
    if own.is_file():
        notes.append(f"{own} (your own parsers) was not copied: review it and add it to the Space by hand")
    return SpaceResult(out_dir, files, names, notes, downloads)
