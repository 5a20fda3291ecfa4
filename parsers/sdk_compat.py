"""The reference SDK's own built-in model names (OpenAI, PaLM, Gemini, DALL·E, Claude, Anyscale).

tuinb does not call these services itself, but corpus files use these names, and resolving a later prompt
reads every earlier prompt's template and output text *through that prompt's parser*. Each family below
reproduces the SDK parser's rules for that (spec §2.4), so chains resolve to the SDK's exact text. Running
them reports what to do instead (an OpenAI-compatible endpoint cell) rather than failing obscurely.
"""

from __future__ import annotations

from typing import Any

from tui_notebook.document.models import (
    Error,
    Output,
    OutputDataWithStringValue,
    OutputDataWithToolCallsValue,
    Prompt,
    PromptInput,
)
from tui_notebook.parser_api import ModelParser, NotRunnable, ParserError, sdk_json_dumps, text_template


def _template_error(prompt: Prompt) -> ParserError:
    return ParserError(f"Cannot get prompt template string from prompt input: {prompt.input!r}")


class _Foreign(ModelParser):
    service = "this service"

    def __init__(self, parser_id: str) -> None:
        self._id = parser_id

    @property
    def id(self) -> str:  # type: ignore[override]
        return self._id

    def run(self, request, ctx):  # noqa: ANN001 - signature fixed by ModelParser
        raise NotRunnable(
            f"{self._id!r} is a {self.service} model, which tuinb does not call directly; switch the cell to "
            "the 'OpenAI-compatible chat' model (base_url + model) or register a parser in model_parsers.py"
        )


def _is_value(data: Any) -> bool:
    return isinstance(data, (OutputDataWithStringValue, OutputDataWithToolCallsValue))


class OpenAIFamily(_Foreign):
    """DefaultOpenAIParser, OpenAIVisionParser, AnyscaleEndpoint."""

    service = "OpenAI-style"

    def prompt_template(self, prompt: Prompt) -> str | None:
        template = text_template(prompt)
        if template is not None:
            return template
        content = getattr(prompt.input, "content", None) if isinstance(prompt.input, PromptInput) else None
        if isinstance(prompt.input, PromptInput) and not hasattr(prompt.input, "content"):
            raise ParserError("'PromptInput' object has no attribute 'content'")
        return content or ""

    def output_text(self, output: Output | None) -> str:
        if output is None or isinstance(output, Error):
            return ""
        data = output.data
        if isinstance(data, str):
            return data
        if isinstance(data, OutputDataWithStringValue):
            return data.value
        if isinstance(data, OutputDataWithToolCallsValue):
            return data.model_dump_json(exclude_none=True, indent=2)
        return ""


class GeminiFamily(_Foreign):
    service = "Google Gemini"

    def prompt_template(self, prompt: Prompt) -> str | None:
        if isinstance(prompt.input, str):
            return prompt.input
        if not isinstance(prompt.input, PromptInput):
            raise _template_error(prompt)
        if not hasattr(prompt.input, "contents"):
            return None  # the SDK's method falls through without a value here
        contents = getattr(prompt.input, "contents")
        if isinstance(contents, str):
            return contents
        if isinstance(contents, list):
            return " ".join(contents)
        if isinstance(contents, dict):
            parts = contents["parts"]
            if isinstance(parts, str):
                return parts
            if isinstance(parts, list):
                return " ".join(parts)
        raise _template_error(prompt)

    def output_text(self, output: Output | None) -> str:
        if output is None:
            return ""
        if not isinstance(output, Error):
            data = output.data
            if isinstance(data, str):
                return data
            if _is_value(data) and isinstance(data.value, str):
                return data.value
        raise ParserError("Gemini chats only support prior messages that are a single string")


class DalleFamily(_Foreign):
    service = "OpenAI DALL·E"

    def output_text(self, output: Output | None) -> str:
        if output is None or isinstance(output, Error):
            return ""
        if isinstance(output.data, OutputDataWithStringValue):
            return output.data.value
        if isinstance(output.data, str):
            return output.data
        return ""


class _TextOrJson(_Foreign):
    """Text as is, anything else through ``json.dumps(indent=2)`` (Claude and the SDK's core HF parser)."""

    def output_text(self, output: Output | None) -> str:
        if output is None or isinstance(output, Error):
            return ""
        data = output.data
        if isinstance(data, str):
            return data
        return sdk_json_dumps(data)


class ClaudeFamily(_TextOrJson):
    service = "Anthropic Claude (Bedrock)"


class PaLMTextFamily(_Foreign):
    service = "Google PaLM"

    def output_text(self, output: Output | None) -> Any:  # the SDK returns ``output.data`` as is
        if output is None:
            return None
        if isinstance(output, Error):
            raise ParserError("'Error' object has no attribute 'data'")
        return output.data


class PaLMChatFamily(_Foreign):
    service = "Google PaLM"

    def output_text(self, output: Output | None) -> str:
        if output is None or isinstance(output, Error):
            return ""
        data = output.data
        if isinstance(data, str):
            return data
        if _is_value(data):
            if isinstance(data.value, str):
                return data.value
            return sdk_json_dumps(data.value)
        # The SDK then checks isinstance(data, MessageDict), a TypedDict: that check itself raises.
        raise ParserError("TypedDict does not support instance and class checks")


class HuggingFaceCoreTextGeneration(_TextOrJson):
    """The SDK's own ``HuggingFaceTextGenerationParser`` rules (it is also a runnable parser: see huggingface)."""

    service = "Hugging Face"


OPENAI_NAMES = [
    "gpt-3.5-turbo", "gpt-4", "gpt-3.5-turbo-16k", "gpt-3.5-turbo-0301", "gpt-3.5-turbo-0613",
    "gpt-3.5-turbo-16k-0613", "gpt-4-0314", "gpt-4-0613", "gpt-4-32k", "gpt-4-32k-0314", "gpt-4-32k-0613",
    "gpt-4-vision-preview", "AnyscaleEndpoint",
]


def register(registry) -> None:  # noqa: ANN001
    for name in OPENAI_NAMES:
        registry.register(OpenAIFamily(name))
    registry.register(GeminiFamily("gemini-pro"))
    registry.register(DalleFamily("dall-e-2"))
    registry.register(DalleFamily("dall-e-3"))
    registry.register(ClaudeFamily("ClaudeBedrockModelParser"))
    registry.register(PaLMTextFamily("models/text-bison-001"))
    registry.register(PaLMChatFamily("models/chat-bison-001"))
