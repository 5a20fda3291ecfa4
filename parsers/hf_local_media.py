"""Local media tasks: speech recognition, text-to-speech, image captioning (transformers) and text-to-image
(diffusers), with attachments read by :mod:`.attachments` and media outputs written by :mod:`.media`."""

from __future__ import annotations

import io
from typing import Any, Sequence

from tui_notebook.parser_api import Cancelled, ParserError, RunContext, RunRequest, text_output

from . import schemas
from .attachments import attachments_of, check_blob, load_attachment
from .errors import json_safe
from .hf_local_base import LocalParser
from .media import decode_audio, media_result, png_bytes, resample, wav_bytes


class LocalSpeechRecognition(LocalParser):
    task = "automatic-speech-recognition"
    input_kind = "attachments"
    accepts = ("audio/",)
    parameterized = False
    schema_props = schemas.LOCAL_ASR

    def _load(self, location: str, creation: dict[str, Any]) -> Any:
        from transformers import pipeline

        extra = {k: creation[k] for k in ("tokenizer", "feature_extractor") if k in creation}
        return pipeline("automatic-speech-recognition", model=location, device=creation["device"],
                        **extra, **self.loading_kwargs(creation))

    def run(self, request: RunRequest, ctx: RunContext) -> Sequence[Any]:
        settings = self.settings_for(request, ctx)
        attachments = attachments_of(request.attachments, self.accepts, self.label)
        if settings.get("framework", "pt") != "pt":
            raise ParserError(f"{self.label}: only framework 'pt' (PyTorch) is available")
        if "decoder" in settings:
            ctx.warn(f"{self.label}: settings.decoder is ignored (no language-model decoder is loaded)")
        pipe = self.load("asr", request, settings, ctx, self._load)
        rate = pipe.feature_extractor.sampling_rate
        call = {k: settings[k] for k in ("chunk_length_s", "stride_length_s", "return_timestamps",
                                         "generate_kwargs") if k in settings and settings[k] != ""}
        if "max_new_tokens" in settings:
            call.setdefault("generate_kwargs", {})
            call["generate_kwargs"] = {**call["generate_kwargs"], "max_new_tokens": settings["max_new_tokens"]}
        outputs = []
        for index, attachment in enumerate(attachments):
            ctx.progress(index / len(attachments), f"transcribing {index + 1}/{len(attachments)}…")
            blob = check_blob(load_attachment(attachment, request.notebook_dir, ctx.token, gate=request.gate),
                              self.accepts, self.label)
            samples, source_rate = decode_audio(blob.data, blob.name)
            # Our own resampling: the pipeline would need torchaudio (or ffmpeg for files) to do it.
            audio = {"raw": resample(samples, source_rate, rate), "sampling_rate": rate}
            result = pipe(audio, **call)
            ctx.check_cancelled()
            metadata = {"result": json_safe(result)} if isinstance(result, dict) and result.get("chunks") else {}
            outputs.append(text_output(result["text"], index, metadata))
        return outputs


class LocalTextToSpeech(LocalParser):
    task = "text-to-speech"
    schema_props = schemas.LOCAL_TEXT_TO_SPEECH

    def _load(self, location: str, creation: dict[str, Any]) -> Any:
        from transformers import pipeline

        kwargs = self.loading_kwargs(creation)
        model_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k not in ("dtype", "trust_remote_code",
                                                                             "revision")}
        return pipeline("text-to-audio", model=location, device=creation["device"],
                        model_kwargs=model_kwargs or None, **kwargs)

    def run(self, request: RunRequest, ctx: RunContext) -> Sequence[Any]:
        settings = self.settings_for(request, ctx)
        text = self.text(request)
        for ignored in ("output_loading_info", "mirror", "resume_download"):
            if ignored in settings:
                ctx.warn(f"{self.label}: settings.{ignored} has no effect with current transformers")
        pipe = self.load("tts", request, settings, ctx, self._load)
        ctx.progress(None, "synthesising…")
        forward = settings.get("forward_params") or {}
        result = pipe(text, forward_params=forward) if forward else pipe(text)
        ctx.check_cancelled()
        data = wav_bytes(result["audio"], int(result["sampling_rate"]))  # keep the model's own rate
        return [media_result(request, data, "audio/wav", 0)]


class LocalImageToText(LocalParser):
    task = "image-to-text"
    input_kind = "attachments"
    accepts = ("image/",)
    parameterized = False
    schema_props = schemas.LOCAL_IMAGE_TO_TEXT

    def _load(self, location: str, creation: dict[str, Any]) -> Any:
        from transformers import AutoConfig, pipeline

        kwargs = self.loading_kwargs(creation)
        config = AutoConfig.from_pretrained(location, **{k: v for k, v in kwargs.items()
                                                         if k in ("revision", "trust_remote_code", "cache_dir",
                                                                  "local_files_only")})
        if getattr(config, "model_type", "") == "vision-encoder-decoder":
            return _load_vision_encoder_decoder(location, creation["device"], kwargs)
        # transformers 5 redirects image-to-text here; this pipeline needs `text=` ("" = plain captioning).
        return pipeline("image-text-to-text", model=location, device=creation["device"], **kwargs)

    def run(self, request: RunRequest, ctx: RunContext) -> Sequence[Any]:
        from PIL import Image

        settings = self.settings_for(request, ctx)
        attachments = attachments_of(request.attachments, self.accepts, self.label)
        captioner = self.load("image-to-text", request, settings, ctx, self._load)
        timeout = float(settings.get("timeout", 30))
        outputs = []
        for index, attachment in enumerate(attachments):
            ctx.progress(index / len(attachments), f"captioning {index + 1}/{len(attachments)}…")
            blob = check_blob(load_attachment(attachment, request.notebook_dir, ctx.token, timeout, request.gate),
                              self.accepts, self.label)
            try:
                image = Image.open(io.BytesIO(blob.data)).convert("RGB")
            except Exception as exc:  # noqa: BLE001
                raise ParserError(f"cannot read image {blob.name}: {exc}") from None
            generate = {"max_new_tokens": settings["max_new_tokens"]} if "max_new_tokens" in settings else {}
            if callable(captioner) and not isinstance(captioner, tuple):
                result = captioner(images=image, text=settings.get("prompt", ""), **generate)
                caption = result[0]["generated_text"]
            else:
                caption = _caption_vision_encoder_decoder(captioner, image, generate)
            ctx.check_cancelled()
            outputs.append(text_output(caption if isinstance(caption, str) else str(caption), index))
        return outputs


def _load_vision_encoder_decoder(location: str, device: str, kwargs: dict[str, Any]) -> tuple:
    """ViT+GPT-2 style captioners (the reference's default model) do not load in the v5 pipeline."""
    from transformers import AutoImageProcessor, AutoTokenizer, VisionEncoderDecoderModel

    small = {k: v for k, v in kwargs.items() if k in ("revision", "trust_remote_code", "cache_dir",
                                                      "local_files_only")}
    model = VisionEncoderDecoderModel.from_pretrained(location, **kwargs).to(device).eval()
    return AutoImageProcessor.from_pretrained(location, **small), AutoTokenizer.from_pretrained(location, **small), \
        model


def _caption_vision_encoder_decoder(parts: tuple, image: Any, generate: dict[str, Any]) -> str:
    import torch

    processor, tokenizer, model = parts
    pixels = processor(images=image, return_tensors="pt").pixel_values.to(model.device)
    with torch.inference_mode():
        ids = model.generate(pixel_values=pixels, **generate)
    return tokenizer.batch_decode(ids, skip_special_tokens=True)[0].strip()


class LocalTextToImage(LocalParser):
    task = "text-to-image"
    uses_diffusers = True
    schema_props = schemas.LOCAL_TEXT_TO_IMAGE

    _CALL = ("height", "width", "num_inference_steps", "guidance_scale", "negative_prompt", "num_images_per_prompt",
             "eta", "guidance_rescale", "clip_skip", "cross_attention_kwargs")

    def _load(self, location: str, creation: dict[str, Any]) -> Any:
        from diffusers import AutoPipelineForText2Image, DiffusionPipeline

        kwargs = self.loading_kwargs(creation)
        if "dtype" in kwargs:
            kwargs["torch_dtype"] = kwargs.pop("dtype")
        if creation.get("requires_safety_checker") is False:
            kwargs.update(safety_checker=None, requires_safety_checker=False)
        try:
            pipe = AutoPipelineForText2Image.from_pretrained(location, **kwargs)
        except (ValueError, KeyError):
            # Pipelines AutoPipeline does not map (custom / community classes) still load generically.
            pipe = DiffusionPipeline.from_pretrained(location, **kwargs)
        pipe.set_progress_bar_config(disable=True)
        return pipe.to(creation["device"])

    def run(self, request: RunRequest, ctx: RunContext) -> Sequence[Any]:
        import torch

        settings = self.settings_for(request, ctx)
        prompt = self.text(request)
        for ignored in ("return_dict", "callback_steps"):
            if ignored in settings:
                ctx.warn(f"{self.label}: settings.{ignored} is ignored (progress is reported every step)")
        if settings.get("output_type", "pil") != "pil":
            ctx.warn(f"{self.label}: output_type {settings['output_type']!r} ignored; images are saved as PNG")
        pipe = self.load("text-to-image", request, settings, ctx, self._load)
        call = {k: settings[k] for k in self._CALL if k in settings}
        call.update(settings.get("kwargs") or {})
        steps = int(call.get("num_inference_steps", 50))
        if "seed" in settings:
            call["generator"] = torch.Generator(device="cpu").manual_seed(int(settings["seed"]))

        def on_step_end(pipeline: Any, step: int, timestep: Any, callback_kwargs: dict[str, Any]) -> dict[str, Any]:
            # Raising here leaves the denoising loop at once; diffusers' own interrupt flag would still decode.
            if ctx.token.cancelled:
                raise Cancelled()
            ctx.progress(min(1.0, (step + 1) / max(steps, 1)), f"step {step + 1}/{steps}")
            return callback_kwargs

        ctx.progress(0.0, f"step 0/{steps}")
        result = pipe(prompt, output_type="pil", callback_on_step_end=on_step_end, **call)
        ctx.check_cancelled()
        nsfw = getattr(result, "nsfw_content_detected", None)
        outputs = []
        for index, image in enumerate(result.images):
            flag = nsfw[index] if isinstance(nsfw, (list, tuple)) and index < len(nsfw) else None
            outputs.append(media_result(request, png_bytes(image), "image/png", index,
                                        metadata={"nsfw_content_detected": flag}))
        return outputs


LOCAL_MEDIA_BY_TASK = {cls.task: cls for cls in (LocalSpeechRecognition, LocalTextToSpeech, LocalImageToText,
                                                 LocalTextToImage)}
