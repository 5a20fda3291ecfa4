"""The Hugging Face task catalogue: every name a Gradio Notebook or the HF extension uses (spec §4.1, §9.11).

Each task is reachable by its Gradio task name (remote Inference API), ``"<task> (Local)"`` (transformers /
diffusers on this machine) and the HF extension's class ids, so files from Spaces and cookbooks run unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui_notebook.parser_api import InputKind, ModelParser, NotRunnable


@dataclass(frozen=True)
class TaskSpec:
    label: str
    task: str
    remote_id: str
    local_id: str | None
    input_kind: InputKind = "text"
    accepts: tuple[str, ...] = ()
    remote_default: str | None = None
    local_default: str | None = None


TASKS: tuple[TaskSpec, ...] = (
    TaskSpec("Text Generation", "text-generation", "HuggingFaceTextGenerationRemoteInference",
             "HuggingFaceTextGenerationTransformer", remote_default="HuggingFaceH4/zephyr-7b-beta",
             local_default="openai-community/gpt2"),
    TaskSpec("Summarization", "summarization", "HuggingFaceTextSummarizationRemoteInference",
             "HuggingFaceTextSummarizationTransformer", remote_default="facebook/bart-large-cnn",
             local_default="sshleifer/distilbart-cnn-12-6"),
    TaskSpec("Translation", "translation", "HuggingFaceTextTranslationRemoteInference",
             "HuggingFaceTextTranslationTransformer", remote_default="facebook/mbart-large-50-many-to-many-mmt",
             local_default="Helsinki-NLP/opus-mt-en-fr"),
    TaskSpec("Text-to-Image", "text-to-image", "HuggingFaceText2ImageRemoteInference",
             "HuggingFaceText2ImageDiffusor", remote_default="CompVis/stable-diffusion-v1-4",
             local_default=None),
    TaskSpec("Text-to-Speech", "text-to-speech", "HuggingFaceText2SpeechRemoteInference",
             "HuggingFaceText2SpeechTransformer", remote_default="facebook/fastspeech2-en-ljspeech",
             local_default="suno/bark-small"),
    TaskSpec("Automatic Speech Recognition", "automatic-speech-recognition",
             "HuggingFaceAutomaticSpeechRecognitionRemoteInference",
             "HuggingFaceAutomaticSpeechRecognitionTransformer", input_kind="attachments", accepts=("audio/",),
             remote_default="openai/whisper-large-v2", local_default="facebook/wav2vec2-base-960h"),
    TaskSpec("Image-to-Text", "image-to-text", "HuggingFaceImage2TextRemoteInference",
             "HuggingFaceImage2TextTransformer", input_kind="attachments", accepts=("image/",),
             remote_default="Salesforce/blip-image-captioning-base", local_default="ydshieh/vit-gpt2-coco-en"),
    TaskSpec("Conversational", "conversational", "HuggingFaceConversationalRemoteInference", None,
             remote_default="facebook/blenderbot-400M-distill"),
)


def _parser_class(spec: TaskSpec, local: bool) -> type[ModelParser] | None:
    """The runner class for a catalogue entry (imports only our light modules, never torch / hub clients)."""
    if local:
        from .hf_local_media import LOCAL_MEDIA_BY_TASK
        from .hf_local_text import LOCAL_TEXT_BY_TASK

        return {**LOCAL_TEXT_BY_TASK, **LOCAL_MEDIA_BY_TASK}.get(spec.task)
    from .hf_remote import REMOTE_BY_TASK

    return REMOTE_BY_TASK.get(spec.task)


def make_parser(spec: TaskSpec, parser_id: str, local: bool) -> ModelParser:
    """A parser instance for ``spec`` with its catalogue identity (id, label, default model, settings schema)."""
    from . import schemas

    base = _parser_class(spec, local)
    default = spec.local_default if local else spec.remote_default
    if base is None:
        return _pending(spec, parser_id, local)
    props = getattr(base, "schema_props", {})
    schema = schemas.local_schema(props, default) if local else schemas.remote_schema(props, default)
    attrs = dict(
        id=parser_id, task=spec.task, label=spec.label + (" (Local)" if local else ""), input_kind=spec.input_kind,
        accepts=spec.accepts, default_model=default, parameterized=spec.input_kind == "text",
        settings_schema=schema, local=local,
        description=f"{spec.label} on this machine (transformers / diffusers)" if local
        else f"{spec.label} through the Hugging Face Inference API / Providers, or an endpoint URL",
    )
    return type(parser_id, (base,), attrs)()


def _pending(spec: TaskSpec, parser_id: str, local: bool) -> ModelParser:
    """A catalogue entry whose runner is not available: it resolves and saves like the real one."""

    class Pending(ModelParser):
        id = parser_id
        task = spec.task
        label = spec.label + (" (Local)" if local else "")
        input_kind = spec.input_kind
        accepts = spec.accepts
        default_model = spec.local_default if local else spec.remote_default
        parameterized = spec.input_kind == "text"

        def run(self, request, ctx):  # noqa: ANN001
            raise NotRunnable(f"{self.label} is not available in this build of tuinb")

    Pending.__name__ = parser_id
    return Pending()


def core_text_generation() -> ModelParser:
    """python-aiconfig's own ``HuggingFaceTextGenerationParser``: runs like the remote text generation parser,
    reads outputs with the SDK core parser's rules (non-string data is JSON-dumped)."""
    from .sdk_compat import HuggingFaceCoreTextGeneration

    spec = TASKS[0]
    remote = type(make_parser(spec, "HuggingFaceTextGenerationParser", local=False))

    class CoreTextGeneration(remote):  # type: ignore[misc, valid-type]
        output_text = HuggingFaceCoreTextGeneration.output_text

    return CoreTextGeneration()


def register(registry) -> None:  # noqa: ANN001
    from .openai_chat import OpenAICompatibleChat

    for spec in TASKS:
        registry.register(make_parser(spec, spec.remote_id, local=False), [spec.label])
        if spec.local_id:
            registry.register(make_parser(spec, spec.local_id, local=True), [f"{spec.label} (Local)"])
    # The SDK's own core text-generation parser id (registered by default in python-aiconfig).
    registry.register(core_text_generation())
    chat = OpenAICompatibleChat()
    registry.register(chat, [chat.label])
