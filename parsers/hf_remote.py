"""Remote Hugging Face tasks through huggingface_hub's InferenceClient (Inference API / Providers / Endpoints).

Same file format and settings as the reference HF extension, minus its bugs: ``temperature`` reaches the
API, non-streaming generation works without ``details``, and base64 attachments work for ASR and
image-to-text (we always send bytes). ``settings.model`` is a Hub id or an endpoint URL; the client is
imported only when a cell runs.
"""

from __future__ import annotations

from typing import Any, ClassVar, Sequence

from tui_notebook.parser_api import (
    Cancelled,
    ModelParser,
    ParserError,
    RunContext,
    RunRequest,
    text_output,
)

from . import net_cancel, schemas
from .attachments import attachments_of, check_blob, load_attachment, sniff_mime
from tui_notebook.secrets import HF_TOKEN

from .errors import RetryPolicy, explain, json_safe, known_secrets, run_guarded, with_retries
from .media import media_result, png_bytes

SERVICE = "the Hugging Face Inference API"
ROUTER_TEMPLATE = "https://router.huggingface.co/{provider}"
"""huggingface_hub's ``constants.INFERENCE_PROXY_TEMPLATE`` (a fixed value), kept here so drawing a cell header
does not import the hub."""


def _is_url(model: str | None) -> bool:
    return bool(model) and model.startswith(("http://", "https://"))  # type: ignore[union-attr]


def _request_url(model: str | None, provider: str | None) -> str:
    """Where the client sends the request: the URL itself, else Hugging Face's router (providers are reached
    through it with an HF token)."""
    if _is_url(model):
        return model  # type: ignore[return-value]
    return ROUTER_TEMPLATE.format(provider=provider or "hf-inference")


_GATED_CLIENT: list[type] = []


def _gated_client_class() -> type:
    """InferenceClient whose every request passes the run's gate last: huggingface_hub finds the user's token
    by itself (environment, saved login) when given none, so the Authorization header it builds is checked
    against the final URL and dropped unless the token may go there."""
    if not _GATED_CLIENT:
        from huggingface_hub import InferenceClient

        class GatedInferenceClient(InferenceClient):
            tuinb_gate: Any = None
            tuinb_warn: Any = None

            def _inner_post(self, request_parameters, *, stream=False):  # noqa: ANN001, ANN202
                request_parameters.headers = self.tuinb_gate.checked_headers(
                    request_parameters.url, request_parameters.headers, self.tuinb_warn)
                return super()._inner_post(request_parameters, stream=stream)

        _GATED_CLIENT.append(GatedInferenceClient)
    return _GATED_CLIENT[0]


class RemoteParser(ModelParser):
    """Shared run skeleton: settings, client, retries, error explanation and token redaction."""

    reports_unknown_settings = True  # warns via schemas.report_unknown

    local = False
    schema_props: ClassVar[dict[str, dict[str, Any]]] = {}

    def _provider(self, request: RunRequest) -> str | None:
        if _is_url(self.model_id(request)):
            return None  # a URL is called as is; the client forces hf-inference
        return request.settings.get("provider") or None

    def credential_uses(self, request: RunRequest) -> Sequence[tuple[str, str]]:
        return [(HF_TOKEN, self.destination(request) or "")]

    def destination(self, request: RunRequest) -> str | None:
        return _request_url(self.model_id(request), self._provider(request))

    def run(self, request: RunRequest, ctx: RunContext) -> Sequence[Any]:
        settings, unknown = schemas.pick_settings(request.settings, self.settings_schema)
        schemas.report_unknown(ctx, unknown, self.label)
        model = self.model_id(request)
        timeout = float(settings.get("timeout", 120))
        secrets = known_secrets(request.options.hf_token)
        where = "the endpoint" if _is_url(model) else SERVICE
        shown = model or "the recommended model"
        token = request.gate.credential(HF_TOKEN, self.destination(request) or "", warn=ctx.warn)

        def body() -> list[Any]:
            from huggingface_hub import get_session

            client = self._client(request, settings, model, timeout, token, ctx)
            net_cancel.install_hooks(get_session())  # the shared session InferenceClient sends through
            try:
                # A cancel shuts the run's sockets down, which wakes a blocked read; client.close() would not
                # (and, called from the cancelling thread, could wait on the reader's connection lock).
                with net_cancel.connections_closed_on_cancel(ctx.token):
                    return self.call(client, request, settings, ctx, model)
            except Exception:
                if ctx.token.cancelled:
                    raise Cancelled() from None
                raise
            finally:
                client.close()

        return run_guarded(body, secrets, model=shown, service=where, timeout=timeout,
                           url=self.destination(request))

    def headers(self, settings: dict[str, Any]) -> dict[str, str]:
        return {}

    def _client(self, request: RunRequest, settings: dict[str, Any], model: str | None, timeout: float,  # noqa: ANN202
                token: str | None, ctx: RunContext):
        client = _gated_client_class()(provider=self._provider(request), token=token, timeout=timeout,
                                       headers=self.headers(settings) or None)
        client.tuinb_gate = request.gate
        # A granted token that the client would send somewhere else (a provider called directly) is dropped,
        # and the user told; without a granted token a dropped header is the expected case.
        client.tuinb_warn = ctx.warn if token else None
        return client

    def retrying(self, call, ctx: RunContext, settings: dict[str, Any], model: str | None):  # noqa: ANN001, ANN201
        policy = RetryPolicy(max_retries=int(settings.get("max_retries", 4)))
        timeout = float(settings.get("timeout", 120))
        where = "the endpoint" if _is_url(model) else SERVICE
        return with_retries(call, ctx, policy, explain_error=lambda exc: explain(
            exc, model=model or "the recommended model", service=where, timeout=timeout,
            url=_request_url(model, settings.get("provider"))))

    def call(self, client, request: RunRequest, settings: dict[str, Any], ctx: RunContext,  # noqa: ANN001
             model: str | None) -> list[Any]:
        raise NotImplementedError

    def prompt_text(self, request: RunRequest) -> str:
        if request.prompt_text is None:
            raise ParserError(f"{self.label} needs a text prompt")
        return request.prompt_text


def _only(settings: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    return {k: settings[k] for k in names if k in settings}


class RemoteTextGeneration(RemoteParser):
    task = "text-generation"
    schema_props = schemas.REMOTE_TEXT_GENERATION

    _PARAMS = ("best_of", "decoder_input_details", "do_sample", "frequency_penalty", "max_new_tokens",
               "repetition_penalty", "return_full_text", "seed", "temperature", "top_k", "top_n_tokens", "top_p",
               "truncate", "typical_p", "watermark")

    def call(self, client, request, settings, ctx, model):  # noqa: ANN001
        params = _only(settings, self._PARAMS)
        params.setdefault("max_new_tokens", 400)  # the reference's default
        if "stop_sequences" in settings:
            stops = settings["stop_sequences"]
            params["stop"] = [stops] if isinstance(stops, str) else list(stops)
        details = bool(settings.get("details", False))
        stream = request.options.stream and settings.get("stream", True) is not False
        prompt = self.prompt_text(request)
        if not stream:
            result = self.retrying(lambda: client.text_generation(
                prompt, model=model, details=details or None, stream=False, **params), ctx, settings, model)
            if isinstance(result, str):
                return [text_output(result)]
            metadata = {"details": json_safe(getattr(result, "details", None))} if details else {}
            return [text_output(result.generated_text, metadata=metadata)]
        # Ask for token objects even without `details`: they tell special tokens (not shown) from text.
        chunks = self.retrying(lambda: client.text_generation(
            prompt, model=model, details=True, stream=True, **params), ctx, settings, model)
        last = None
        received = 0
        for chunk in chunks:
            received += 1
            if isinstance(chunk, str):
                ctx.stream(chunk)
                continue
            last = chunk
            token = getattr(chunk, "token", None)
            if token is not None and not getattr(token, "special", False):
                ctx.stream(token.text)
        ctx.check_cancelled()
        # The server's last event carries the whole generated text; a stream that stops before it was cut
        # short (proxy, restart, dropped connection closed cleanly) and its text is not the answer.
        if last is None or getattr(last, "generated_text", None) is None:
            raise ParserError(f"the stream ended after {received} tokens without its final event "
                              f"({len(ctx.accumulated)} characters received); the partial answer was not saved")
        metadata: dict[str, Any] = {}
        if details and last is not None:
            metadata = {"token": json_safe(getattr(last, "token", None)),
                        "details": json_safe(getattr(last, "details", None))}
        return [text_output(ctx.accumulated, metadata=metadata)]


class RemoteSummarization(RemoteParser):
    task = "summarization"
    schema_props = schemas.REMOTE_SUMMARIZATION
    _GENERATE = ("min_length", "max_length", "top_k", "top_p", "temperature", "repetition_penalty", "max_time")

    def headers(self, settings):  # noqa: ANN001, ANN201
        # The old API's `options` became request headers; the reference dropped the top-level keys.
        options = dict(settings.get("options") or {})
        for key in ("use_cache", "wait_for_model"):
            if key in settings:
                options[key] = settings[key]
        headers = {}
        if "use_cache" in options:
            headers["x-use-cache"] = "true" if options["use_cache"] else "false"
        if "wait_for_model" in options:
            headers["x-wait-for-model"] = "true" if options["wait_for_model"] else "false"
        return headers

    def call(self, client, request, settings, ctx, model):  # noqa: ANN001
        generate = _only(settings, self._GENERATE)
        extra = _only(settings, ("truncation", "clean_up_tokenization_spaces"))
        text = self.prompt_text(request)
        result = self.retrying(lambda: client.summarization(
            text, model=model, generate_parameters=generate or None, **extra), ctx, settings, model)
        summary = result.summary_text
        return [text_output(summary, metadata={"raw_response": summary})]


class RemoteTranslation(RemoteParser):
    task = "translation"
    schema_props = schemas.REMOTE_TRANSLATION

    def call(self, client, request, settings, ctx, model):  # noqa: ANN001
        params = _only(settings, ("src_lang", "tgt_lang", "clean_up_tokenization_spaces", "truncation",
                                  "generate_parameters"))
        text = self.prompt_text(request)
        result = self.retrying(lambda: client.translation(text, model=model, **params), ctx, settings, model)
        return [text_output(result.translation_text)]


class RemoteTextToImage(RemoteParser):
    task = "text-to-image"
    schema_props = schemas.REMOTE_TEXT_TO_IMAGE

    def call(self, client, request, settings, ctx, model):  # noqa: ANN001
        params = _only(settings, ("negative_prompt", "height", "width", "num_inference_steps", "guidance_scale",
                                  "seed", "scheduler"))
        prompt = self.prompt_text(request)
        image = self.retrying(lambda: client.text_to_image(prompt, model=model, **params), ctx, settings, model)
        return [media_result(request, png_bytes(image), "image/png", 0)]


class RemoteTextToSpeech(RemoteParser):
    task = "text-to-speech"
    schema_props = schemas.REMOTE_TEXT_TO_SPEECH

    def call(self, client, request, settings, ctx, model):  # noqa: ANN001
        params = _only(settings, ("do_sample", "temperature", "top_k", "top_p", "max_new_tokens"))
        text = self.prompt_text(request)
        audio = self.retrying(lambda: client.text_to_speech(text, model=model, **params), ctx, settings, model)
        data, mime = _as_wav(bytes(audio))
        return [media_result(request, data, mime, 0)]


def _as_wav(audio: bytes) -> tuple[bytes, str]:
    """WAV as the notebook expects; other formats are converted when soundfile can, else kept and labelled."""
    mime = sniff_mime(audio)
    if mime == "audio/wav":
        return audio, mime
    if mime is None:
        raise ParserError(f"the text-to-speech answer is not audio (starts with {audio[:40]!r})")
    try:
        from .media import decode_audio, wav_bytes

        samples, rate = decode_audio(audio)
        return wav_bytes(samples, rate), "audio/wav"
    except (ParserError, ImportError):
        return audio, mime


class _RemoteAttachmentParser(RemoteParser):
    """One request per attachment (ASR, image-to-text), one text output each, in attachment order."""

    input_kind = "attachments"
    parameterized = False
    schema_props = {}

    def call(self, client, request, settings, ctx, model):  # noqa: ANN001
        outputs = []
        for index, attachment in enumerate(attachments_of(request.attachments, self.accepts, self.label)):
            blob = check_blob(load_attachment(attachment, request.notebook_dir, ctx.token, gate=request.gate),
                              self.accepts, self.label)
            # Raw bytes carry no file name, so tell the server the format.
            client.headers["Content-Type"] = blob.mime_type
            outputs.append(self.call_one(client, blob, settings, ctx, model, index))
        return outputs

    def call_one(self, client, blob, settings, ctx, model, index):  # noqa: ANN001, ANN201
        raise NotImplementedError


class RemoteSpeechRecognition(_RemoteAttachmentParser):
    task = "automatic-speech-recognition"
    accepts = ("audio/",)

    def call_one(self, client, blob, settings, ctx, model, index):  # noqa: ANN001, ANN201
        result = self.retrying(lambda: client.automatic_speech_recognition(blob.data, model=model),
                               ctx, settings, model)
        chunks = getattr(result, "chunks", None)
        return text_output(result.text, index, {"chunks": json_safe(chunks)} if chunks else {})


class RemoteImageToText(_RemoteAttachmentParser):
    task = "image-to-text"
    accepts = ("image/",)

    def call_one(self, client, blob, settings, ctx, model, index):  # noqa: ANN001, ANN201
        result = self.retrying(lambda: client.image_to_text(blob.data, model=model), ctx, settings, model)
        return text_output(result.generated_text, index)


class RemoteConversational(RemoteParser):
    """The ``conversational`` task is gone from the Inference API; the chat-completion route replaces it."""

    task = "conversational"
    schema_props = schemas.REMOTE_CONVERSATIONAL

    def call(self, client, request, settings, ctx, model):  # noqa: ANN001
        params = dict(settings.get("parameters") or {})
        call: dict[str, Any] = {}
        if "max_length" in params:
            call["max_tokens"] = params["max_length"]
        for key in ("temperature", "top_p"):
            if key in params:
                call[key] = params[key]
        ignored = sorted(set(params) - {"max_length", "temperature", "top_p"})
        if ignored:
            ctx.warn(f"{self.label}: parameters {', '.join(ignored)} have no chat-completion equivalent; not sent")
        messages = []
        if settings.get("system_prompt"):
            messages.append({"role": "system", "content": settings["system_prompt"]})
        messages.append({"role": "user", "content": self.prompt_text(request)})
        result = self.retrying(lambda: client.chat_completion(messages, model=model, **call), ctx, settings, model)
        content = result.choices[0].message.content or ""
        return [text_output(content, metadata={"raw_response": json_safe(result)})]


REMOTE_BY_TASK: dict[str, type[RemoteParser]] = {
    cls.task: cls for cls in (RemoteTextGeneration, RemoteSummarization, RemoteTranslation, RemoteTextToImage,
                              RemoteTextToSpeech, RemoteSpeechRecognition, RemoteImageToText, RemoteConversational)
}

