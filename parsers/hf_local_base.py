"""What every local (transformers / diffusers) parser shares: settings, model location, loading through the
shared cache with progress and clear failures, the trust_remote_code gate, and cancellation hooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, ClassVar

from tui_notebook.parser_api import (
    Cancelled,
    ModelParser,
    NotRunnable,
    ParserError,
    RunContext,
    RunRequest,
)

from . import schemas
from .hub_reach import hub_reachable, in_local_cache
from .model_cache import CACHE, cache_key, pick_device, pick_dtype, quiet_libraries

#: Settings that decide what gets loaded (part of the cache key), not how it runs.
LOADING_KEYS = ("device", "torch_dtype", "trust_remote_code", "revision", "use_safetensors", "variant",
                "low_cpu_mem_usage", "local_files_only", "cache_dir", "force_download", "proxies", "max_memory",
                "offload_folder", "offload_state_dict", "requires_safety_checker", "tokenizer", "feature_extractor")


class LocalParser(ModelParser):

    reports_unknown_settings = True  # warns via schemas.report_unknown
    local = True
    schema_props: ClassVar[dict[str, dict[str, Any]]] = {}
    uses_diffusers: ClassVar[bool] = False

    def settings_for(self, request: RunRequest, ctx: RunContext) -> dict[str, Any]:
        settings, unknown = schemas.pick_settings(request.settings, self.settings_schema)
        schemas.report_unknown(ctx, unknown, self.label)
        if settings.get("trust_remote_code") and not request.options.allow_trust_remote_code:
            raise NotRunnable(
                f"{self.label}: settings.trust_remote_code is true, which would run Python code downloaded with the "
                "model; tuinb refuses that unless you allow it explicitly (tuinb --allow-remote-code)")
        if "use_auth_token" in settings:
            ctx.warn("settings.use_auth_token is ignored: tokens come from HF_TOKEN or `hf auth login`")
        return settings

    def model_location(self, request: RunRequest) -> str:
        """A local directory (absolute, or relative to the notebook) or a Hub id."""
        model = self.model_id(request)
        if not model:
            raise ParserError(f"{self.label} has no default model: set settings.model to a Hub id or a local "
                              "model directory")
        path = Path(model).expanduser()
        if not path.is_absolute() and (Path(request.notebook_dir) / path).exists():
            path = Path(request.notebook_dir) / path
        if path.exists():
            return str(path.resolve())
        return model

    def load(self, kind: str, request: RunRequest, settings: dict[str, Any], ctx: RunContext,
             loader: Callable[[str, dict[str, Any]], Any]) -> Any:
        """The cached model object for this request, loading it (with progress) on first use."""
        location = self.model_location(request)
        creation = {k: settings[k] for k in LOADING_KEYS if k in settings}
        creation["device"] = pick_device(settings.get("device"))
        key = cache_key(kind, location, **creation)

        def load_now() -> Any:
            ctx.check_cancelled()
            ctx.progress(None, f"loading {location}…")
            quiet_libraries(diffusers=self.uses_diffusers)
            now = creation
            if not Path(location).exists() and not creation.get("local_files_only") and not hub_reachable():
                # Offline: the local cache or nothing, at once (the libraries would retry for minutes).
                if not in_local_cache(location, creation.get("cache_dir")):
                    raise not_cached_error(location)
                now = {**creation, "local_files_only": True}
            try:
                value = loader(location, now)
            except (Cancelled, ParserError):
                raise
            except Exception as exc:  # noqa: BLE001
                raise loading_error(location, exc) from None
            ctx.progress(None, f"loaded {location}")
            return value

        return CACHE.get(key, load_now)

    def loading_kwargs(self, creation: dict[str, Any]) -> dict[str, Any]:
        """from_pretrained() keyword arguments for the creation settings."""
        kwargs: dict[str, Any] = {}
        dtype = pick_dtype(creation.get("torch_dtype"))
        if dtype != "auto":
            kwargs["dtype"] = dtype
        if creation.get("trust_remote_code"):
            kwargs["trust_remote_code"] = True
        for key in ("revision", "use_safetensors", "variant", "low_cpu_mem_usage", "local_files_only", "cache_dir",
                    "force_download", "proxies", "max_memory", "offload_folder", "offload_state_dict"):
            if key in creation:
                kwargs[key] = creation[key]
        return kwargs

    def text(self, request: RunRequest) -> str:
        if request.prompt_text is None:
            raise ParserError(f"{self.label} needs a text prompt")
        return request.prompt_text


def loading_error(location: str, exc: BaseException) -> ParserError:
    """Why a model did not load, worded for the person at the terminal."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if Path(location).exists():
        return ParserError(f"cannot load the model in {location}: {type(exc).__name__}: {message}")
    names = {cls.__name__ for cls in type(exc).__mro__}
    text = str(exc).lower()
    offline_like = names & {"LocalEntryNotFoundError", "OfflineModeIsEnabled", "RepositoryNotFoundError",
                            "HFValidationError", "GatedRepoError", "ConnectError", "OSError"} or any(
        hint in text for hint in ("couldn't connect", "offline", "not a valid model identifier", "connection",
                                  "not a local folder", "does not appear to have", "cannot find the requested"))
    if offline_like:
        return not_cached_error(location, certain=False)
    return ParserError(f"cannot load model {location!r}: {type(exc).__name__}: {message}")


def not_cached_error(location: str, *, certain: bool = True) -> ParserError:
    why = ("it is not in the local Hugging Face cache and the Hub cannot be reached" if certain else
           "it is not in the local Hugging Face cache and the Hub cannot be reached, or the id is wrong")
    return ParserError(
        f"cannot download model {location!r} here ({why}). Set settings.model to a local model directory or a "
        f"model already in the cache; on a machine with network access, `hf download {location}` fills the cache.")


def cancel_criteria(ctx: RunContext) -> Any:
    """A transformers StoppingCriteriaList that ends generate() at the next token once the run is cancelled."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _Cancel(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):  # noqa: ANN001, ANN204
            return torch.full((input_ids.shape[0],), ctx.token.cancelled, dtype=torch.bool,
                              device=input_ids.device)

    return StoppingCriteriaList([_Cancel()])


def context_streamer(tokenizer: Any, ctx: RunContext, *, skip_prompt: bool) -> Any:
    """A streamer that hands newly decoded text to ``ctx.stream`` in the generating thread, token by token.

    transformers' TextStreamer holds text back until a space, which makes a terminal feel laggy; we emit as
    soon as the decoded text does not end in a partial UTF-8 character. ``ctx.stream`` raises
    :class:`Cancelled` once the run is cancelled, which unwinds generate() right after the current token: no
    helper thread, no queue, no extra latency.
    """
    from transformers.generation.streamers import BaseStreamer

    class _ToContext(BaseStreamer):
        def __init__(self) -> None:
            self.ids: list[int] = []
            self.shown = 0
            self.skip_next = skip_prompt  # generate() first puts the prompt (or decoder start) ids

        def put(self, value: Any) -> None:
            if self.skip_next:
                self.skip_next = False
                return
            if value.dim() > 1:
                value = value[0]  # batch of one: streaming is off for several sequences
            self.ids.extend(value.tolist())
            self._emit(final=False)

        def _emit(self, final: bool) -> None:
            text = tokenizer.decode(self.ids, skip_special_tokens=True)
            if not final and text.endswith("\ufffd"):
                return
            if len(text) > self.shown:
                new, self.shown = text[self.shown:], len(text)
                ctx.stream(new)

        def end(self) -> None:
            self._emit(final=True)

    return _ToContext()
