"""Local text tasks: text generation (transformers pipeline), summarization and translation (seq2seq generate).

transformers 5 has no summarization / translation pipelines, so those two call the model's ``generate()``
directly. All three stream through :func:`context_streamer` and stop at the next token on cancel.
"""

from __future__ import annotations

from typing import Any, Sequence

from tui_notebook.parser_api import ParserError, RunContext, RunRequest, text_output

from . import schemas
from .hf_local_base import LocalParser, cancel_criteria, context_streamer


def _generation_settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in settings.items() if k in schemas.GENERATION_CONFIG}


def _wants_stream(request: RunRequest, settings: dict[str, Any], generation: dict[str, Any], ctx: RunContext,
                  label: str) -> bool:
    stream = request.options.stream and settings.get("stream", True) is not False
    if stream and int(generation.get("num_return_sequences", 1) or 1) > 1:
        ctx.warn(f"{label}: num_return_sequences > 1, so the outputs are shown when complete (no streaming)")
        return False
    return stream


PIPELINE_NEW_TOKENS = 256
"""How many tokens transformers' text-generation pipeline generates when nothing says otherwise."""


def position_limit(model: Any) -> int | None:
    """How many positions (prompt + generated tokens) the model's position embeddings cover, if it says."""
    config = getattr(model, "config", None)
    for attr in ("n_positions", "max_position_embeddings", "n_ctx"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def fit_to_positions(generation: dict[str, Any], prompt_tokens: int, limit: int | None, default_new: int,
                     ctx: RunContext, label: str) -> None:
    """Keep prompt + generated tokens within the model's position limit (beyond it torch fails with an
    IndexError): a prompt that does not fit is refused; a longer generation is shortened, with a warning."""
    if not limit:
        return
    if prompt_tokens >= limit:
        raise ParserError(f"the prompt is {prompt_tokens} tokens, but this model reads at most {limit} "
                          f"(its position limit); shorten the prompt or choose a model with a larger context")
    room = limit - prompt_tokens
    if generation.get("max_new_tokens") is None and generation.get("max_length") is not None:
        asked = int(generation["max_length"])
        if asked > limit:
            generation["max_length"] = limit
            ctx.warn(f"{label}: max_length lowered from {asked} to {limit}: this model reads at most {limit} "
                     "tokens (its position limit)")
        return
    asked = int(generation.get("max_new_tokens") or default_new)
    if asked > room:
        generation["max_new_tokens"] = room
        taken = f" and the prompt takes {prompt_tokens}" if prompt_tokens > 1 else ""
        ctx.warn(f"{label}: max_new_tokens lowered from {asked} to {room}: this model reads at most {limit} "
                 f"tokens (its position limit){taken}")
    if int(generation.get("min_new_tokens") or 0) > generation.get("max_new_tokens", asked):
        generation["min_new_tokens"] = generation["max_new_tokens"]


class LocalTextGeneration(LocalParser):
    task = "text-generation"
    schema_props = schemas.LOCAL_TEXT_GENERATION

    def _load(self, location: str, creation: dict[str, Any]) -> Any:
        from transformers import pipeline

        return pipeline("text-generation", model=location, device=creation["device"],
                        **self.loading_kwargs(creation))

    def run(self, request: RunRequest, ctx: RunContext) -> Sequence[Any]:
        settings = self.settings_for(request, ctx)
        prompt = self.text(request)
        pipe = self.load("text-generation", request, settings, ctx, self._load)
        generation = _generation_settings(settings)
        default = getattr(getattr(pipe, "_default_generation_config", None), "max_new_tokens", None)
        fit_to_positions(generation, len(pipe.tokenizer(prompt)["input_ids"]), position_limit(pipe.model),
                         default or PIPELINE_NEW_TOKENS, ctx, self.label)
        full_text = settings.get("return_full_text", True) is not False
        kwargs: dict[str, Any] = dict(generation, return_full_text=full_text,
                                      stopping_criteria=cancel_criteria(ctx))
        if _wants_stream(request, settings, generation, ctx, self.label):
            kwargs["streamer"] = context_streamer(pipe.tokenizer, ctx, skip_prompt=not full_text)
        ctx.progress(None, "generating…")
        results = pipe(prompt, **kwargs)
        ctx.check_cancelled()  # a cancel that ended generate() early must not save a partial output as done
        return [text_output(item["generated_text"], index) for index, item in enumerate(results)]


class LocalSeq2Seq(LocalParser):
    """Encoder-decoder generation (BART, T5, Marian, mBART...) shared by summarization and translation."""

    def _load(self, location: str, creation: dict[str, Any]) -> Any:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        kwargs = self.loading_kwargs(creation)
        tokenizer_kwargs = {k: v for k, v in kwargs.items() if k in ("revision", "trust_remote_code",
                                                                    "local_files_only", "cache_dir")}
        tokenizer = AutoTokenizer.from_pretrained(location, **tokenizer_kwargs)
        model = AutoModelForSeq2SeqLM.from_pretrained(location, **kwargs).to(creation["device"])
        model.eval()
        return tokenizer, model

    def prepare(self, tokenizer: Any, settings: dict[str, Any], generation: dict[str, Any]) -> None:
        """Hook for translation's language codes."""

    def run(self, request: RunRequest, ctx: RunContext) -> Sequence[Any]:
        import torch

        settings = self.settings_for(request, ctx)
        text = self.text(request)
        tokenizer, model = self.load("seq2seq", request, settings, ctx, self._load)
        generation = _generation_settings(settings)
        self.prepare(tokenizer, settings, generation)
        inputs = tokenizer(text, return_tensors="pt", truncation=True).to(model.device)
        inputs.pop("token_type_ids", None)  # BART-style models reject it
        # The decoder's positions: its start token, then what it generates.
        default = getattr(model.generation_config, "max_new_tokens", None)
        if "max_new_tokens" in generation or "max_length" in generation or default:
            fit_to_positions(generation, 1, position_limit(model) if _learned_positions(model) else None,
                             default or 0, ctx, self.label)
        kwargs: dict[str, Any] = dict(generation, stopping_criteria=cancel_criteria(ctx))
        if _wants_stream(request, settings, generation, ctx, self.label):
            # skip_prompt drops the decoder start token(s) generate() puts first.
            kwargs["streamer"] = context_streamer(tokenizer, ctx, skip_prompt=True)
        ctx.progress(None, "generating…")
        with torch.inference_mode():
            generated = model.generate(**inputs, **kwargs)
        ctx.check_cancelled()
        sequences = getattr(generated, "sequences", generated)
        texts = tokenizer.batch_decode(sequences, skip_special_tokens=True)
        return [text_output(t.strip(), index) for index, t in enumerate(texts)]


def _learned_positions(model: Any) -> bool:
    """Whether the model looks positions up in a table (BART, Marian, mBART); T5's relative positions have no
    hard limit."""
    return getattr(getattr(model, "config", None), "max_position_embeddings", None) is not None


class LocalSummarization(LocalSeq2Seq):
    task = "summarization"
    schema_props = schemas.LOCAL_SEQ2SEQ


class LocalTranslation(LocalSeq2Seq):
    task = "translation"
    schema_props = schemas.LOCAL_TRANSLATION

    def prepare(self, tokenizer: Any, settings: dict[str, Any], generation: dict[str, Any]) -> None:
        # Multilingual tokenizers (mBART, M2M100, NLLB) read the source language from an attribute and need the
        # target language forced as the first generated token.
        if settings.get("src_lang") and hasattr(tokenizer, "src_lang"):
            tokenizer.src_lang = settings["src_lang"]
        target = settings.get("tgt_lang")
        if target and "forced_bos_token_id" not in generation:
            if hasattr(tokenizer, "tgt_lang"):
                tokenizer.tgt_lang = target
            code_ids = getattr(tokenizer, "lang_code_to_id", None)
            token_id = code_ids.get(target) if isinstance(code_ids, dict) else None
            if token_id is None:
                token_id = tokenizer.convert_tokens_to_ids(target)
                if token_id == tokenizer.unk_token_id:
                    token_id = None
            if token_id is not None:
                generation["forced_bos_token_id"] = token_id


LOCAL_TEXT_BY_TASK = {cls.task: cls for cls in (LocalTextGeneration, LocalSummarization, LocalTranslation)}
