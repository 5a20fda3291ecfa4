"""Local text tasks: text generation (transformers pipeline), summarization and translation (seq2seq generate).

transformers 5 has no summarization / translation pipelines, so those two call the model's ``generate()``
directly. All three stream through :func:`context_streamer` and stop at the next token on cancel.
"""

from __future__ import annotations

from typing import Any, Sequence

from tui_notebook.parser_api import RunContext, RunRequest, text_output

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
