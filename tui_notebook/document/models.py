"""The AIConfig document model.

The field declarations deliberately mirror the reference SDK's pydantic schema (python-aiconfig 1.1.34,
spec §1.2): same field order, same unions, same defaults, same ``extra="allow"`` places. Serialising these
models with ``model_dump(mode="json", exclude_none=True)`` therefore yields the SDK's key order, its dropped
nulls and its materialised defaults by construction, which is what makes byte-identical saves possible.
Leniency (files the SDK refuses) is handled before validation, in :mod:`.loader`, never by loosening types.
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict

JSONObject = Dict[str, Any]
InferenceSettings = JSONObject

SCHEMA_URL = "https://json.schemastore.org/aiconfig-1.0"


class OutputDataWithStringValue(BaseModel):
    """Media or text stored as a string; ``kind`` says how to read ``value``."""

    kind: Literal["file_uri", "base64"]
    value: str


class FunctionCallData(BaseModel):
    model_config = ConfigDict(extra="allow")

    arguments: str
    name: str


class ToolCallData(BaseModel):
    id: Optional[str]
    function: FunctionCallData
    type: Literal["function"]


class OutputDataWithToolCallsValue(BaseModel):
    kind: Literal["tool_calls"]
    value: List[ToolCallData]


OutputDataWithValue = Union[OutputDataWithStringValue, OutputDataWithToolCallsValue]


class AttachmentDataWithStringValue(BaseModel):
    kind: Literal["file_uri", "base64"]
    value: str


class ExecuteResult(BaseModel):
    output_type: Literal["execute_result"]
    execution_count: Union[int, None] = None
    data: Union[OutputDataWithValue, str, Any]
    mime_type: Optional[str] = None
    # Required by the SDK (a missing value makes the whole file unloadable there), so we always write it.
    metadata: Dict[str, Any]


class Error(BaseModel):
    output_type: Literal["error"]
    ename: str
    evalue: str
    traceback: List[str]


Output = Union[ExecuteResult, Error]


class ModelMetadata(BaseModel):
    name: str
    settings: Optional[InferenceSettings] = {}


class PromptMetadata(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: Optional[Union[ModelMetadata, str]] = None
    tags: Optional[List[str]] = None
    parameters: Optional[JSONObject] = {}


class Attachment(BaseModel):
    data: Union[AttachmentDataWithStringValue, str, Any]
    mime_type: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None


class PromptInput(BaseModel):
    model_config = ConfigDict(extra="allow")

    attachments: Optional[List[Attachment]] = None
    data: Optional[Any] = None


class Prompt(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    input: Union[str, PromptInput]
    metadata: Optional[PromptMetadata] = None
    outputs: Optional[List[Output]] = []


class SchemaVersion(BaseModel):
    major: int
    minor: int


class ConfigMetadata(BaseModel):
    model_config = ConfigDict(extra="allow")

    parameters: Optional[JSONObject] = {}
    models: Optional[Dict[str, InferenceSettings]] = {}
    default_model: Optional[str] = None
    model_parsers: Optional[Dict[str, str]] = None


class AIConfig(BaseModel):
    """A whole notebook file. ``prompts`` order is meaningful: chaining only sees earlier prompts."""

    model_config = ConfigDict(extra="allow")

    name: str
    schema_version: Union[SchemaVersion, Literal["v1", "latest"]] = "latest"
    metadata: ConfigMetadata
    description: Optional[str] = ""
    prompts: List[Prompt] = []


def new_config(name: str = "Untitled notebook", description: str = "") -> AIConfig:
    """What ``AIConfigRuntime.create(name)`` builds: an empty notebook."""
    return AIConfig(name=name, description=description, metadata=ConfigMetadata())
