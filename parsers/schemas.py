"""JSON Schemas of every built-in parser's settings (spec §5.5); the sidebar form is generated from these.

Also the one place that reads settings against a schema: :func:`pick_settings` keeps the keys a parser
knows (case-insensitively, as the reference does), maps the reference UI's misspelt keys to the real ones,
and returns the rest so the parser can report them instead of dropping them silently.
"""

from __future__ import annotations

from typing import Any, Mapping


def _s(type_: str | list, description: str, **extra: Any) -> dict[str, Any]:
    return {"type": type_, "description": description, **extra}


def obj(properties: dict[str, dict[str, Any]], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def model_prop(default: str | None, local: bool) -> dict[str, Any]:
    if local:
        text = "Model id on the Hugging Face Hub (must already be in the local cache offline) or a local directory"
    else:
        text = "Model id on the Hugging Face Hub, or the URL of an Inference Endpoint / TGI server"
    prop = _s("string", text)
    if default:
        prop["default"] = default
    return prop


# -- remote (InferenceClient) ------------------------------------------------------------------------------

REMOTE_COMMON: dict[str, dict[str, Any]] = {
    "provider": _s("string", "Inference Provider; 'auto' picks the first available for the model (ignored "
                   "when model is a URL)", default="auto",
                   enum=["auto", "hf-inference", "baseten", "cerebras", "cohere", "deepinfra", "fal-ai",
                         "featherless-ai", "fireworks-ai", "groq", "novita", "nscale", "openai", "ovhcloud",
                         "publicai", "replicate", "scaleway", "together", "wavespeed", "zai-org"]),
    "timeout": _s("number", "Seconds to wait for an answer", default=120, minimum=1, maximum=3600),
    "max_retries": _s("integer", "Retries while the server is rate-limiting (429) or loading the model (503)",
                      default=4, minimum=0, maximum=20),
}

REMOTE_TEXT_GENERATION = {
    "temperature": _s("number", "Sampling temperature (higher = more random)", minimum=0, maximum=100),
    "top_k": _s("integer", "Keep only the k most likely tokens", minimum=1),
    "top_p": _s("number", "Nucleus sampling: keep tokens up to this cumulative probability", minimum=0, maximum=1),
    "details": _s("boolean", "Return token details (stored in the output metadata)", default=False),
    "stream": _s("boolean", "Stream tokens as they are generated", default=True),
    "do_sample": _s("boolean", "Sample instead of greedy decoding"),
    "max_new_tokens": _s("integer", "Maximum number of generated tokens", default=400, minimum=1),
    "best_of": _s("integer", "Generate best_of sequences and return the most likely (legacy TGI)", minimum=1),
    "repetition_penalty": _s("number", "Penalty for repeated tokens (1.0 = none)", minimum=0, maximum=100),
    "frequency_penalty": _s("number", "Penalty proportional to how often a token appeared", minimum=-2, maximum=2),
    "return_full_text": _s("boolean", "Prepend the prompt to the generated text"),
    "seed": _s("integer", "Random seed for sampling"),
    "stop_sequences": _s("array", "Stop generating when one of these strings appears", items={"type": "string"}),
    "truncate": _s("integer", "Truncate the prompt to this many tokens", minimum=1),
    "typical_p": _s("number", "Typical decoding mass", minimum=0, maximum=1),
    "watermark": _s("boolean", "Watermark the output (TGI)"),
    "decoder_input_details": _s("boolean", "Return decoder input token details (needs details)"),
    "top_n_tokens": _s("integer", "Return the n most likely tokens at each step (needs details)", minimum=1),
}

REMOTE_SUMMARIZATION = {
    "min_length": _s("integer", "Minimum summary length in tokens", minimum=0),
    "max_length": _s("integer", "Maximum summary length in tokens", minimum=1),
    "top_k": _s("integer", "Keep only the k most likely tokens", minimum=1),
    "top_p": _s("number", "Nucleus sampling probability", minimum=0, maximum=1),
    "temperature": _s("number", "Sampling temperature", minimum=0, maximum=100),
    "repetition_penalty": _s("number", "Penalty for repeated tokens", minimum=0, maximum=100),
    "max_time": _s("number", "Maximum seconds the model may spend", minimum=0, maximum=120),
    "use_cache": _s("boolean", "Allow the API to answer from its cache", default=True),
    "wait_for_model": _s("boolean", "Ask the API to wait for a cold model instead of answering 503", default=False),
    "options": _s("object", "Legacy Inference API options {use_cache, wait_for_model}"),
    "truncation": _s("string", "Truncation strategy", enum=["do_not_truncate", "longest_first", "only_first",
                                                             "only_second"]),
    "clean_up_tokenization_spaces": _s("boolean", "Remove spaces the tokenizer added"),
}

REMOTE_TRANSLATION = {
    "src_lang": _s("string", "Source language code, e.g. en_XX (multilingual models)"),
    "tgt_lang": _s("string", "Target language code, e.g. fr_XX (multilingual models)"),
    "clean_up_tokenization_spaces": _s("boolean", "Remove spaces the tokenizer added"),
    "truncation": _s("string", "Truncation strategy", enum=["do_not_truncate", "longest_first", "only_first",
                                                             "only_second"]),
    "generate_parameters": _s("object", "Extra generation parameters passed to the model"),
}

REMOTE_TEXT_TO_IMAGE = {
    "negative_prompt": _s("string", "What the image should not show"),
    "height": _s("integer", "Image height in pixels", minimum=8),
    "width": _s("integer", "Image width in pixels", minimum=8),
    "num_inference_steps": _s("integer", "Denoising steps (more = slower, finer)", minimum=1, maximum=500),
    "guidance_scale": _s("number", "How strongly the image follows the prompt", minimum=0),
    "seed": _s("integer", "Random seed"),
    "scheduler": _s("string", "Scheduler override (provider-specific)"),
}

REMOTE_TEXT_TO_SPEECH = {
    "do_sample": _s("boolean", "Sample instead of greedy decoding"),
    "temperature": _s("number", "Sampling temperature", minimum=0),
    "top_k": _s("integer", "Keep only the k most likely tokens", minimum=1),
    "top_p": _s("number", "Nucleus sampling probability", minimum=0, maximum=1),
    "max_new_tokens": _s("integer", "Maximum generated tokens", minimum=1),
}

REMOTE_CONVERSATIONAL = {
    "parameters": _s("object", "Generation parameters: min_length, max_length, top_k, top_p, temperature, "
                     "repetition_penalty, max_time"),
    "system_prompt": _s("string", "Optional system message"),
}


def remote_schema(task_props: dict[str, dict[str, Any]], default_model: str | None) -> dict[str, Any]:
    return obj({"model": model_prop(default_model, local=False), **task_props, **REMOTE_COMMON})


# -- local (transformers / diffusers) ---------------------------------------------------------------------

LOCAL_COMMON = {
    "device": _s("string", "Where the model runs; auto = cuda, then mps, then cpu", default="auto",
                 enum=["auto", "cpu", "cuda", "mps"]),
    "torch_dtype": _s("string", "Weights dtype; auto = the checkpoint's own", default="auto",
                      enum=["auto", "float32", "float16", "bfloat16"]),
    "trust_remote_code": _s("boolean", "Run Python code shipped with the model (refused unless the app allows it)",
                            default=False),
    "revision": _s("string", "Model revision (branch, tag or commit)"),
}

_GEN_INT = ("max_length", "max_new_tokens", "min_length", "min_new_tokens", "num_beams", "num_beam_groups",
            "top_k", "no_repeat_ngram_size", "num_return_sequences", "pad_token_id", "bos_token_id",
            "eos_token_id", "encoder_no_repeat_ngram_size", "decoder_start_token_id", "forced_bos_token_id",
            "forced_eos_token_id", "num_assistant_tokens")
_GEN_NUM = ("max_time", "penalty_alpha", "temperature", "top_p", "typical_p", "epsilon_cutoff", "eta_cutoff",
            "diversity_penalty", "repetition_penalty", "encoder_repetition_penalty", "length_penalty",
            "guidance_scale")
_GEN_BOOL = ("do_sample", "use_cache", "renormalize_logits", "remove_invalid_values", "low_memory",
             "output_attentions", "output_hidden_states", "output_scores", "return_dict_in_generate")
_GEN_ANY = ("early_stopping", "bad_words_ids", "force_words_ids", "constraints", "exponential_decay_length_penalty",
            "suppress_tokens", "begin_suppress_tokens", "forced_decoder_ids", "sequence_bias",
            "num_assistant_tokens_schedule")

GENERATION_CONFIG: dict[str, dict[str, Any]] = {
    **{k: _s("integer", f"generate(): {k}", minimum=0) for k in _GEN_INT},
    **{k: _s("number", f"generate(): {k}") for k in _GEN_NUM},
    **{k: _s("boolean", f"generate(): {k}") for k in _GEN_BOOL},
    **{k: {"description": f"generate(): {k}"} for k in _GEN_ANY},
}
GENERATION_CONFIG["max_new_tokens"].update(minimum=1, description="Maximum number of generated tokens")
GENERATION_CONFIG["temperature"].update(minimum=0, maximum=100, description="Sampling temperature")
GENERATION_CONFIG["top_p"].update(minimum=0, maximum=1, description="Nucleus sampling probability")
GENERATION_CONFIG["num_return_sequences"].update(minimum=1, description="How many outputs (disables streaming)")
GENERATION_CONFIG["early_stopping"] = {"type": ["boolean", "string"], "description": "Beam search stop rule"}

LOCAL_TEXT_GENERATION = {
    **GENERATION_CONFIG,
    "stream": _s("boolean", "Stream tokens as they are generated", default=True),
    "return_full_text": _s("boolean", "Include the prompt in the output (the reference's behaviour)", default=True),
}
LOCAL_SEQ2SEQ = {**GENERATION_CONFIG, "stream": _s("boolean", "Stream tokens as they are generated", default=True)}
LOCAL_TRANSLATION = {
    **LOCAL_SEQ2SEQ,
    "src_lang": _s("string", "Source language code for multilingual models (e.g. en_XX)"),
    "tgt_lang": _s("string", "Target language code for multilingual models (e.g. fr_XX)"),
}

LOCAL_TEXT_TO_IMAGE = {
    "height": _s("integer", "Image height in pixels (multiple of 8)", minimum=8),
    "width": _s("integer", "Image width in pixels (multiple of 8)", minimum=8),
    "num_inference_steps": _s("integer", "Denoising steps", default=50, minimum=1, maximum=500),
    "guidance_scale": _s("number", "How strongly the image follows the prompt", default=7.5, minimum=0),
    "negative_prompt": {"type": ["string", "array"], "items": {"type": "string"},
                        "description": "What the image should not show"},
    "num_images_per_prompt": _s("integer", "How many images (one output each)", default=1, minimum=1, maximum=16),
    "seed": _s("integer", "Random seed (same seed + settings = same image)"),
    "eta": _s("number", "DDIM eta", minimum=0, maximum=1),
    "guidance_rescale": _s("number", "Guidance rescale factor", minimum=0, maximum=1),
    "clip_skip": _s("integer", "Skip the last n CLIP layers", minimum=0),
    "cross_attention_kwargs": _s("object", "Extra attention-processor arguments (e.g. {scale})"),
    "requires_safety_checker": _s("boolean", "false: load without the safety checker"),
    "output_type": _s("string", "Image format inside the pipeline (outputs are always PNG)", default="pil",
                      enum=["pil", "np", "array"]),
    "return_dict": _s("boolean", "Ignored: the pipeline always returns its output object here"),
    "callback_steps": _s("integer", "Ignored: progress is reported every step", minimum=1),
    "kwargs": _s("object", "Extra call arguments for the pipeline"),
    "use_safetensors": _s("boolean", "Load .safetensors weights only"),
    "variant": _s("string", "Weights variant, e.g. fp16"),
    "low_cpu_mem_usage": _s("boolean", "Load weights lazily (needs accelerate)"),
    "local_files_only": _s("boolean", "Never try to download"),
    "cache_dir": _s("string", "Hugging Face cache directory"),
}

_LOADING = {
    "force_download": _s("boolean", "Download again even if cached"),
    "cache_dir": _s("string", "Hugging Face cache directory"),
    "resume_download": _s("boolean", "Deprecated; downloads always resume"),
    "proxies": _s("object", "Proxy per protocol"),
    "output_loading_info": _s("boolean", "Ignored"),
    "local_files_only": _s("boolean", "Never try to download"),
    "use_auth_token": _s(["string", "boolean"], "Deprecated: use HF_TOKEN instead (never stored in notebooks)"),
    "mirror": _s("string", "Ignored (deprecated)"),
    "low_cpu_mem_usage": _s("boolean", "Load weights lazily (needs accelerate)"),
    "max_memory": _s("object", "Max memory per device"),
    "offload_folder": _s("string", "Folder for offloaded weights"),
    "offload_state_dict": _s("boolean", "Offload the state dict to disk while loading"),
    "use_safetensors": _s("boolean", "Load .safetensors weights only"),
    "variant": _s("string", "Weights variant, e.g. fp16"),
}
LOCAL_TEXT_TO_SPEECH = {**_LOADING, "forward_params": _s("object", "Extra arguments for the model's generate / "
                                                         "forward call (e.g. {do_sample: true})")}

LOCAL_ASR = {
    "chunk_length_s": _s("number", "Split long audio into chunks of this many seconds", minimum=0),
    "stride_length_s": _s("number", "Overlap between chunks in seconds", minimum=0),
    "framework": _s("string", "Only pt (PyTorch) is supported", enum=["pt"]),
    "tokenizer": _s("string", "Tokenizer id or path, if not the model's"),
    "decoder": _s("string", "Ignored: no language-model decoder is loaded"),
    "feature_extractor": _s("string", "Feature extractor id or path, if not the model's"),
    "return_timestamps": {"type": ["boolean", "string"], "enum": [True, False, "word", "char", ""],
                          "description": "Return timestamps (saved in the output metadata)"},
    "generate_kwargs": _s("object", "Extra generate() arguments, e.g. {language: 'en'} for Whisper"),
    "max_new_tokens": _s("integer", "Maximum generated tokens (seq2seq models)", minimum=1),
}

LOCAL_IMAGE_TO_TEXT = {
    "max_new_tokens": _s("integer", "Maximum caption length in tokens", minimum=1),
    "timeout": _s("number", "Seconds allowed to download an image attachment given by URL", default=30, minimum=1),
    "prompt": _s("string", "Optional text to start the caption with (empty = plain captioning)", default=""),
}


def local_schema(task_props: dict[str, dict[str, Any]], default_model: str | None) -> dict[str, Any]:
    return obj({"model": model_prop(default_model, local=True), **LOCAL_COMMON, **task_props})


# -- OpenAI-compatible chat -------------------------------------------------------------------------------

OPENAI_CHAT = obj({
    "base_url": _s("string", "Server base URL ending in /v1, e.g. http://localhost:8080/v1 (llama.cpp, TGI, "
                   "vLLM), http://localhost:11434/v1 (Ollama), https://router.huggingface.co/v1",
                   default="http://localhost:8080/v1"),
    "model": _s("string", "Model name as the server knows it", default="default"),
    "system_prompt": _s("string", "System message sent before the prompt"),
    "max_tokens": _s("integer", "Maximum generated tokens", minimum=1),
    "temperature": _s("number", "Sampling temperature", minimum=0, maximum=2),
    "top_p": _s("number", "Nucleus sampling probability", minimum=0, maximum=1),
    "stop": {"type": ["string", "array"], "items": {"type": "string"}, "description": "Stop sequence(s)"},
    "seed": _s("integer", "Random seed"),
    "stream": _s("boolean", "Stream tokens as they are generated", default=True),
    "api_key_env": _s("string", "Name of the environment variable holding the API key (the key itself is never "
                      "stored)", default="OPENAI_API_KEY"),
    "timeout": _s("number", "Seconds to wait for an answer", default=120, minimum=1, maximum=3600),
    "max_retries": _s("integer", "Retries on 429 / 503", default=4, minimum=0, maximum=20),
}, required=["base_url"])


# -- reading settings ------------------------------------------------------------------------------------

# Keys the reference editor's forms wrote with typos (spec §5.5): read them as the intended setting.
MISSPELLINGS = {"penality_alpha": "penalty_alpha", "diveristy_penalty": "diversity_penalty",
                "forced_decover_ids": "forced_decoder_ids"}
# Keys that never configure the call: the model, and the engine's own bookkeeping.
NOT_PARAMETERS = {"model"}


def pick_settings(settings: Mapping[str, Any], schema: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(known settings with lower-cased keys, names of unknown settings). ``None`` values count as unset."""
    known = set(schema.get("properties", {}))
    picked: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in settings.items():
        name = key.lower()
        name = MISSPELLINGS.get(name, name) if MISSPELLINGS.get(name) in known else name
        if name in known:
            if value is not None:
                picked[name] = value
        else:
            unknown.append(key)
    return picked, unknown


def report_unknown(ctx: Any, unknown: list[str], label: str) -> None:
    if unknown:
        names = ", ".join(sorted(unknown))
        ctx.warn(f"{label} ignores setting{'s' if len(unknown) > 1 else ''} {names} (not a setting of this task)")
