"""File -> document: the AIConfig model, lenient loading with located errors, SDK-exact writing."""

from .atomic import NotAFileError, Written, atomic_write_bytes, atomic_write_text, write_file
from .loader import LoadResult, is_yaml_path, load_path, load_text
from .models import (
    AIConfig,
    Attachment,
    AttachmentDataWithStringValue,
    ConfigMetadata,
    Error,
    ExecuteResult,
    ModelMetadata,
    Output,
    OutputDataWithStringValue,
    Prompt,
    PromptInput,
    PromptMetadata,
    new_config,
)
from .problems import DocumentError, Problem
from .writer import dumps, to_jsonable

__all__ = [
    "AIConfig", "Attachment", "AttachmentDataWithStringValue", "ConfigMetadata", "DocumentError", "Error",
    "ExecuteResult", "LoadResult", "ModelMetadata", "NotAFileError", "Output", "OutputDataWithStringValue",
    "Problem", "Prompt", "PromptInput", "PromptMetadata", "Written", "atomic_write_bytes", "atomic_write_text",
    "dumps", "is_yaml_path", "load_path", "load_text", "new_config", "to_jsonable", "write_file",
]
