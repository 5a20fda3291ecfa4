"""Chat completions against any OpenAI-compatible server: TGI, vLLM, llama.cpp server, Ollama, and the
Inference Providers router (https://router.huggingface.co/v1).

We speak the wire format ourselves (httpx2, which huggingface_hub already depends on) rather than through
InferenceClient, so the only credential ever sent is the one named by ``settings.api_key_env`` (default: the
user's configured key variable), and only through the run's gate: to a host the user approved, never over
plain http to another machine.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from tui_notebook.parser_api import Cancelled, ModelParser, ParserError, RunContext, RunRequest, text_output

from . import net_cancel, schemas
from tui_notebook.secrets import DEFAULT_API_KEY_VAR, is_variable_name

from .errors import HttpStatusError, RetryPolicy, explain, known_secrets, run_guarded, with_retries


class OpenAICompatibleChat(ModelParser):

    reports_unknown_settings = True  # warns via schemas.report_unknown
    id = "OpenAICompatibleChat"
    label = "OpenAI-compatible chat"
    task = "chat-completion"
    description = "Chat completions from a TGI, vLLM, llama.cpp, Ollama or Inference Providers endpoint"
    default_model = "default"
    settings_schema = schemas.OPENAI_CHAT
    local = False

    def model_id(self, request: RunRequest) -> str | None:
        value = request.settings.get("model")
        return value.strip() if isinstance(value, str) and value.strip() else self.default_model

    def _endpoint(self, request: RunRequest) -> str | None:
        base_url = str(request.settings.get("base_url") or "").strip()
        if not base_url.startswith(("http://", "https://")):
            return None
        url = base_url.rstrip("/")
        return url if url.endswith("/chat/completions") else url + "/chat/completions"

    def _key_env(self, request: RunRequest) -> str:
        value = request.settings.get("api_key_env") or request.options.api_key_env or DEFAULT_API_KEY_VAR
        return str(value).strip()

    def credential_uses(self, request: RunRequest) -> Sequence[tuple[str, str]]:
        url = self._endpoint(request)
        key_env = self._key_env(request)
        return [(key_env, url)] if url and is_variable_name(key_env) else []

    def destination(self, request: RunRequest) -> str | None:
        return self._endpoint(request)

    def run(self, request: RunRequest, ctx: RunContext) -> Sequence[Any]:
        settings, unknown = schemas.pick_settings(request.settings, self.settings_schema)
        schemas.report_unknown(ctx, unknown, self.label)
        base_url = str(settings.get("base_url") or "").strip()
        url = self._endpoint(request)
        if url is None:
            raise ParserError(f"{self.label} needs settings.base_url, the server's http(s) URL ending in /v1 "
                              "(e.g. http://localhost:8080/v1)")
        key_env = self._key_env(request)
        if not is_variable_name(key_env):
            raise ParserError(f"settings.api_key_env must name an environment variable (letters, digits, _), "
                              f"got {key_env[:40]!r}")
        api_key = request.gate.credential(key_env, url, warn=ctx.warn)
        timeout = float(settings.get("timeout", 120))
        model = self.model_id(request) or "default"
        if request.prompt_text is None:
            raise ParserError(f"{self.label} needs a text prompt")
        messages = []
        if settings.get("system_prompt"):
            messages.append({"role": "system", "content": settings["system_prompt"]})
        messages.append({"role": "user", "content": request.prompt_text})
        stream = request.options.stream and settings.get("stream", True) is not False
        body: dict[str, Any] = {"model": model, "messages": messages, "stream": stream}
        for key in ("max_tokens", "temperature", "top_p", "seed"):
            if key in settings:
                body[key] = settings[key]
        if "stop" in settings:
            body["stop"] = [settings["stop"]] if isinstance(settings["stop"], str) else list(settings["stop"])
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream" if stream else "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        secrets = known_secrets(api_key)
        policy = RetryPolicy(max_retries=int(settings.get("max_retries", 4)))
        service = f"the chat server at {base_url}"

        def explain_error(exc: BaseException) -> BaseException:
            error = explain(exc, model=model, service=service, timeout=timeout)
            if isinstance(exc, HttpStatusError) and exc.status in (401, 403):
                detail = exc.body.strip()[:200]
                return ParserError(f"{service} refused the request ({exc.status}): put the API key in the "
                                   f"environment variable {key_env} (settings.api_key_env names it; the key is "
                                   f"never stored in the notebook)" + (f" (server said: {detail})" if detail else ""))
            return error

        def call() -> list[Any]:
            import httpx2

            with httpx2.Client(timeout=timeout, event_hooks=net_cancel.event_hooks()) as client:
                try:
                    # A cancel shuts the run's sockets down, which wakes a blocked read; client.close() would
                    # not (and, called from the cancelling thread, could wait on the reader's connection lock).
                    with net_cancel.connections_closed_on_cancel(ctx.token):
                        return with_retries(lambda: self._exchange(client, url, headers, body, stream, ctx), ctx,
                                            policy, explain_error=explain_error)
                except Exception:
                    if ctx.token.cancelled:
                        raise Cancelled() from None
                    raise

        return run_guarded(call, secrets, model=model, service=service, timeout=timeout)

    def _exchange(self, client: Any, url: str, headers: dict[str, str], body: dict[str, Any], stream: bool,
                  ctx: RunContext) -> list[Any]:
        with client.stream("POST", url, headers=headers, json=body) as response:
            if response.status_code >= 400:
                response.read()
                raise HttpStatusError(response.status_code, dict(response.headers), response.text)
            if not stream:
                response.read()
                return [self._complete(json.loads(response.text))]
            return [self._streamed(response, ctx)]

    @staticmethod
    def _complete(data: Any) -> Any:
        try:
            choice = data["choices"][0]
            content = choice["message"].get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise ValueError(f"not a chat.completion object: {str(data)[:200]}") from None
        metadata = {k: data[k] for k in ("model", "usage") if k in data}
        if choice.get("finish_reason"):
            metadata["finish_reason"] = choice["finish_reason"]
        return text_output(content, metadata=metadata)

    @staticmethod
    def _streamed(response: Any, ctx: RunContext) -> Any:
        finish_reason = None
        done = False
        chunks = 0
        for line in response.iter_lines():
            ctx.check_cancelled()
            line = line.strip()
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                done = True
                break
            event = json.loads(payload)
            if isinstance(event, dict) and "error" in event:
                raise ParserError(f"the chat server reported an error mid-stream: {event['error']}")
            for choice in event.get("choices") or []:
                delta = choice.get("delta") or {}
                if delta.get("content"):
                    chunks += 1
                    ctx.stream(delta["content"])
                finish_reason = choice.get("finish_reason") or finish_reason
        if not done and finish_reason is None:
            raise ParserError(f"the chat stream ended early after {chunks} chunks (no [DONE] / finish_reason); "
                              "the partial answer was not saved")
        return text_output(ctx.accumulated, metadata={"finish_reason": finish_reason} if finish_reason else {})
