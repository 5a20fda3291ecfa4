"""Reference oracle: what python-aiconfig 1.1.34 (the SDK tuinb must stay compatible with) does with a file.

Run this ONLY with the SDK venv's interpreter (``.sdk-venv/bin/python``, see ``make sdk-venv``); it is a test
oracle, never a tuinb runtime dependency, and tuinb's own venv does not have ``aiconfig`` installed.

Sub-commands::

    fmt IN OUT     load IN with AIConfigRuntime.load, write config.to_string(mode by IN's extension) to OUT,
                   byte for byte (no added newline). Exit 3, message on stderr, if the SDK cannot load IN.
    resolve IN     print {prompt_name: resolved template text | {"error": "ExcType: msg"}} for every prompt,
                   via aiconfig.util.params.resolve_prompt(prompt, {}, config) (template resolution, not the
                   parser's completion params). Duplicate prompt names: each prompt object is resolved as
                   the SDK would resolve *that* object, and the JSON object is keyed by name, so the LAST
                   prompt of a given name wins (its references stop at the first prompt of that name, like
                   the SDK's collect_prompt_references). Exit 3 if IN cannot be loaded.
    check IN       exit 0 if the SDK loads IN, else exit 3 with the message on stderr.
    serve          JSON-lines server on stdin/stdout (one response line per request line, flushed):
                     {"config": {...}, "prompt": name|index, "params": {...}}
                         -> {"resolved": str} | {"error": "ExcType: msg", "stage": "load"|"resolve"}
                     {"template": str, "context": {...}}    (pybars via resolve_parametrized_prompt)
                         -> {"resolved": str} | {"error": "ExcType: msg"}
                     {"op": "fmt", "text": str, "mode": "json"|"yaml"}   (load_json/load_yaml + to_string)
                         -> {"text": str} | {"error": ..., "stage": "load"}
                     {"op": "fmt_file", "path": p}      -> {"text": str} | {"error": ...}   (same as `fmt`)
                     {"op": "resolve_file", "path": p}  -> {"resolved": {...}} | {"error": ...} (as `resolve`)
                     {"op": "check", "path": p}         -> {"ok": true} | {"error": ...}
                     {"op": "settings", "text": str}    -> {"settings": {prompt: {...} | "error: ..."}}
                         (each prompt's model settings as its parser sees them: global ones + the prompt's own)
                   Relative paths are taken from the directory serve was started in.

Stub parsers (spec §8.1). The SDK refuses to load a file whose ``metadata.model_parsers`` names a parser id it
does not know, and cannot resolve a prompt whose model has no parser. tuinb knows the Hugging Face / Gradio
ids natively, so to compare against the SDK we register offline stubs for them, mirroring the HF extension:

* Gradio task names (+ " (Local)") and the HF extension's class ids -> a ParameterizedModelParser stub
  (templated text input), except ASR / Image-to-Text, whose real parsers are plain ModelParsers (attachment
  input, no template) -> a ModelParser stub;
* any other id the file uses (a ``model_parsers`` value, or a prompt's effective model name) that nothing
  handles -> the ParameterizedModelParser stub.

Stubs never override a parser the SDK registers itself (gpt-*, PaLM, gemini, HuggingFaceTextGenerationParser...).

The SDK's parser registry is process-global and every load adds ``model_parsers`` aliases to it, so one file
can change how the next one resolves. Each request therefore starts from a snapshot of the registry taken
after start-up, which makes one long-lived process give the same answers as a fresh process per file.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
import traceback
import warnings
from typing import Any

# google-generativeai / api_core print FutureWarnings on import; they would pollute stderr messages.
warnings.filterwarnings("ignore")

# Every AIConfigRuntime opens logging.FileHandler("aiconfig.log") in the CWD (spec §3.1). Input paths are made
# absolute first, then we work from a scratch directory so no log file lands in the repo.
_START_DIR = os.getcwd()
_SCRATCH = tempfile.mkdtemp(prefix="tuinb-sdk-oracle-")
os.chdir(_SCRATCH)
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)

try:
    from aiconfig import AIConfigRuntime, CallbackManager, ModelParser, ParameterizedModelParser
    from aiconfig.registry import ModelParserRegistry
    from aiconfig.schema import OutputDataWithStringValue
    from aiconfig.util.config_utils import is_yaml_ext
    from aiconfig.util.params import resolve_parametrized_prompt, resolve_prompt
except ImportError as exc:  # pragma: no cover - wrong interpreter
    sys.stderr.write(
        f"sdk_oracle.py must run with the SDK venv's python (make sdk-venv): cannot import aiconfig: {exc}\n"
    )
    sys.exit(2)

# A runtime's default CallbackManager adds one more FileHandler to a shared logger on every construction; a
# serve process loads thousands of configs, so replace the default by an empty manager (same effect as calling
# config.set_callback_manager(CallbackManager([])) on each config, but also covers the construction itself).
CallbackManager.create_default_manager = classmethod(lambda cls: cls([]))  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------------------------
# Stub parsers

GRADIO_TEXT_TASKS = ["Text Generation", "Summarization", "Translation", "Text-to-Image", "Text-to-Speech",
                     "Conversational"]
GRADIO_ATTACHMENT_TASKS = ["Image-to-Text", "Automatic Speech Recognition"]
HF_TEXT_CLASS_IDS = [
    "HuggingFaceTextGenerationRemoteInference", "HuggingFaceTextSummarizationRemoteInference",
    "HuggingFaceTextTranslationRemoteInference", "HuggingFaceText2ImageRemoteInference",
    "HuggingFaceText2SpeechRemoteInference", "HuggingFaceConversationalRemoteInference",
    "HuggingFaceTextGenerationTransformer", "HuggingFaceTextSummarizationTransformer",
    "HuggingFaceTextTranslationTransformer", "HuggingFaceText2ImageDiffusor",
    "HuggingFaceText2SpeechTransformer",
]
HF_ATTACHMENT_CLASS_IDS = [
    "HuggingFaceAutomaticSpeechRecognitionRemoteInference", "HuggingFaceAutomaticSpeechRecognitionTransformer",
    "HuggingFaceImage2TextRemoteInference", "HuggingFaceImage2TextTransformer",
]
TEXT_STUB_IDS = GRADIO_TEXT_TASKS + [f"{t} (Local)" for t in GRADIO_TEXT_TASKS] + HF_TEXT_CLASS_IDS
ATTACHMENT_STUB_IDS = (GRADIO_ATTACHMENT_TASKS + [f"{t} (Local)" for t in GRADIO_ATTACHMENT_TASKS]
                       + HF_ATTACHMENT_CLASS_IDS)


def hf_output_text(prompt: Any, aiconfig: Any, output: Any = None) -> str:
    """``get_output_text`` of the HF extension parsers (spec §4.2).

    str -> itself; {kind, value} -> value (base64 or URI for media); anything else -> json.dumps; Error outputs
    and no output -> "". The extension's parsers call ``json.dumps(output_data, indent=2)`` (e.g.
    ``remote_inference_client/text_2_image.py``, and core ``default_parsers/hf.py``), so do we.
    """
    if output is None:
        output = aiconfig.get_latest_output(prompt)
    if output is None:
        return ""
    if output.output_type == "execute_result":
        data = output.data
        if isinstance(data, str):
            return data
        if isinstance(data, OutputDataWithStringValue):
            return data.value
        return json.dumps(data, indent=2)
    return ""


class TextStub(ParameterizedModelParser):
    """Stands in for an HF text-input parser: templated prompt, no inference."""

    def __init__(self, parser_id: str):
        super().__init__()
        self._id = parser_id

    def id(self) -> str:
        return self._id

    async def serialize(self, prompt_name, data, ai_config, parameters=None, **kwargs):
        raise NotImplementedError("oracle stub parser")

    async def deserialize(self, prompt, aiconfig, params=None):
        # What the HF text parsers send, minus settings: the resolved template.
        return {"prompt": resolve_prompt(prompt, params or {}, aiconfig)}

    async def run_inference(self, prompt, aiconfig, options, parameters):
        raise NotImplementedError("oracle stub parser: no inference")

    def get_output_text(self, prompt, aiconfig, output=None) -> str:
        return hf_output_text(prompt, aiconfig, output)


class AttachmentStub(ModelParser):
    """Stands in for HF ASR / Image-to-Text: plain ModelParser (so no template), no inference."""

    def __init__(self, parser_id: str):
        super().__init__()
        self._id = parser_id

    def id(self) -> str:
        return self._id

    async def serialize(self, prompt_name, data, ai_config, parameters=None, **kwargs):
        raise NotImplementedError("oracle stub parser")

    async def deserialize(self, prompt, aiconfig, params=None):
        return {"attachments": [a.model_dump() for a in (prompt.input.attachments or [])]}

    async def run(self, prompt, aiconfig, options=None, parameters={}, run_with_dependencies=False):
        raise NotImplementedError("oracle stub parser: no inference")

    def get_output_text(self, prompt, aiconfig, output=None) -> str:
        return hf_output_text(prompt, aiconfig, output)


def _register_if_absent(parser: ModelParser) -> None:
    if parser.id() not in ModelParserRegistry.parser_ids():
        ModelParserRegistry.register_model_parser(parser)


for _pid in TEXT_STUB_IDS:
    _register_if_absent(TextStub(_pid))
for _pid in ATTACHMENT_STUB_IDS:
    _register_if_absent(AttachmentStub(_pid))

# Built-ins + fixed stubs; restored before every request (see the module docstring).
_BASE_REGISTRY = dict(ModelParserRegistry._parsers)


def reset_registry() -> None:
    ModelParserRegistry._parsers.clear()
    ModelParserRegistry._parsers.update(_BASE_REGISTRY)


def register_stubs_for(data: Any) -> None:
    """Register a TextStub for every parser id / model name ``data`` (a parsed config) uses that nothing handles.

    Defensive about shapes: a malformed config must reach the SDK's own validation and fail there.
    """
    if not isinstance(data, dict):
        return
    known = set(ModelParserRegistry.parser_ids())
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    aliases = metadata.get("model_parsers") if isinstance(metadata.get("model_parsers"), dict) else {}
    wanted: list[str] = [pid for pid in aliases.values() if isinstance(pid, str)]
    default_model = metadata.get("default_model")
    prompts = data.get("prompts") if isinstance(data.get("prompts"), list) else []
    for prompt in prompts:
        pmeta = prompt.get("metadata") if isinstance(prompt, dict) else None
        model = pmeta.get("model") if isinstance(pmeta, dict) else None
        if isinstance(model, dict):
            model = model.get("name")
        name = model or default_model  # the SDK's get_model_name
        if isinstance(name, str) and name not in aliases:
            wanted.append(name)
    for name in wanted:
        if name not in known:
            ModelParserRegistry.register_model_parser(TextStub(name))
            known.add(name)


# ---------------------------------------------------------------------------------------------------------------
# Operations (shared by the one-shot sub-commands and serve, so both give identical answers)

class LoadFailed(Exception):
    def __init__(self, exc: BaseException):
        super().__init__(describe(exc))


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _abs(path: str) -> str:
    return path if os.path.isabs(path) else os.path.join(_START_DIR, path)


def _parse_for_scan(path: str) -> Any:
    """The parsed file, as AIConfigRuntime.load will see it; None if unparseable (load will report that)."""
    try:
        with open(path) as f:
            if is_yaml_ext(path):
                import yaml

                return yaml.safe_load(f)
            return json.load(f)
    except Exception:
        return None


def load_file(path: str) -> Any:
    path = _abs(path)
    reset_registry()
    register_stubs_for(_parse_for_scan(path))
    try:
        config = AIConfigRuntime.load(path)
    except Exception as exc:
        raise LoadFailed(exc) from exc
    config.set_callback_manager(CallbackManager([]))
    return config


def load_text(text: str, mode: str = "json") -> Any:
    reset_registry()
    try:
        if mode == "yaml":
            import yaml

            register_stubs_for(yaml.safe_load(text))
            config = AIConfigRuntime.load_yaml(text)
        else:
            try:
                register_stubs_for(json.loads(text))
            except ValueError:
                pass  # load_json reports it
            config = AIConfigRuntime.load_json(text)
    except Exception as exc:
        raise LoadFailed(exc) from exc
    config.set_callback_manager(CallbackManager([]))
    return config


def fmt_file(path: str) -> str:
    config = load_file(path)
    return config.to_string(mode="yaml" if is_yaml_ext(path) else "json")


def resolve_all(config: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prompt in config.prompts:
        try:
            out[prompt.name] = str(resolve_prompt(prompt, {}, config))
        except Exception as exc:
            out[prompt.name] = {"error": describe(exc)}
    return out


def resolve_request(req: dict[str, Any]) -> dict[str, Any]:
    try:
        # load_json, not model_validate: the runtime class and the model_parsers side effects are the SDK's.
        config = load_text(json.dumps(req["config"]))
    except LoadFailed as exc:
        return {"error": str(exc), "stage": "load"}
    try:
        ref = req["prompt"]
        prompt = config.prompts[ref] if isinstance(ref, int) else config.get_prompt(ref)
        return {"resolved": str(resolve_prompt(prompt, req.get("params") or {}, config))}
    except Exception as exc:
        return {"error": describe(exc), "stage": "resolve"}


def render_request(req: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"resolved": str(resolve_parametrized_prompt(req["template"], req.get("context") or {}))}
    except Exception as exc:
        return {"error": describe(exc)}


def model_settings_of(config) -> dict[str, Any]:  # noqa: ANN001 - an AIConfigRuntime
    result: dict[str, Any] = {}
    for prompt in config.prompts:
        try:
            parser = ModelParserRegistry.get_model_parser_for_prompt(prompt, config)
            result[prompt.name] = parser.get_model_settings(prompt, config)
        except Exception as exc:
            result[prompt.name] = f"error: {describe(exc)}"
    return result


def handle(req: dict[str, Any]) -> dict[str, Any]:
    op = req.get("op")
    if op is None:
        if "template" in req:
            return render_request(req)
        return resolve_request(req)
    try:
        if op == "fmt":
            mode = req.get("mode", "json")
            return {"text": load_text(req["text"], mode).to_string(mode=mode)}
        if op == "fmt_file":
            return {"text": fmt_file(req["path"])}
        if op == "resolve_file":
            return {"resolved": resolve_all(load_file(req["path"]))}
        if op == "check":
            load_file(req["path"])
            return {"ok": True}
        if op == "settings":
            return {"settings": model_settings_of(load_text(req["text"], "json"))}
    except LoadFailed as exc:
        return {"error": str(exc), "stage": "load"}
    return {"error": f"ValueError: unknown op {op!r}"}


def serve() -> int:
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            response = handle(json.loads(line))
        except Exception as exc:  # a bad request must not kill the session
            response = {"error": f"oracle: {describe(exc)}", "stage": "oracle",
                        "traceback": traceback.format_exc()}
        sys.stdout.write(json.dumps(response) + "\n")
        sys.stdout.flush()
    return 0


def main(argv: list[str]) -> int:
    usage = "usage: sdk_oracle.py fmt IN OUT | resolve IN | check IN | serve\n"
    if not argv:
        sys.stderr.write(usage)
        return 2
    cmd, args = argv[0], argv[1:]
    try:
        if cmd == "fmt" and len(args) == 2:
            text = fmt_file(args[0])
            with open(_abs(args[1]), "w", encoding="utf-8", newline="") as f:
                f.write(text)
            return 0
        if cmd == "resolve" and len(args) == 1:
            sys.stdout.write(json.dumps(resolve_all(load_file(args[0])), indent=2) + "\n")
            return 0
        if cmd == "check" and len(args) == 1:
            load_file(args[0])
            return 0
        if cmd == "serve" and not args:
            return serve()
    except LoadFailed as exc:
        sys.stderr.write(f"{exc}\n")
        return 3
    sys.stderr.write(usage)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
