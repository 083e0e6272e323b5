"""The ``openai`` package's models of the realtime events, to check frames against.

GA frames go against ``openai.types.realtime``, beta frames against
``openai.types.beta.realtime``: strict pydantic validation of the model that the frame's
``type`` names, which the generation's union must pick too.
"""

from __future__ import annotations

import functools
import importlib
import json
import typing
from typing import Any, NamedTuple

import pytest
from pydantic import BaseModel, TypeAdapter

import realtime_proto as rp


@functools.cache
def adapter(schema: Any) -> TypeAdapter[Any]:
    """pydantic builds a validator per schema once: the SDK unions are slow to build."""
    return TypeAdapter(schema)


def members_by_type(union: Any) -> dict[str, Any]:
    """The members (models or TypedDicts) of a ``type``-discriminated SDK union, by their
    ``type`` literal."""
    members = typing.get_args(union)[0]  # Annotated[Union[...], PropertyInfo(discriminator)]
    out: dict[str, Any] = {}
    for member in typing.get_args(members):
        if isinstance(member, type) and issubclass(member, BaseModel):
            annotation = member.model_fields["type"].annotation
        else:  # a TypedDict
            annotation = typing.get_type_hints(member, include_extras=True)["type"]
            annotation = typing.get_args(annotation)[0]  # Required[Literal[...]]
        for literal in typing.get_args(annotation):
            out[literal] = member
    return out


class Models(NamedTuple):
    """One generation's union of client (or server) events, and its members by type."""

    name: str
    union: Any
    by_type: dict[str, Any]


@functools.cache
def _models(dialect: rp.Dialect, side: str) -> Models:
    """The ``Realtime{Client,Server}Event`` union of ``dialect``'s generation of the SDK."""
    generation = "realtime" if dialect is rp.Dialect.GA else "beta.realtime"
    union = getattr(importlib.import_module(f"openai.types.{generation}"), f"Realtime{side}Event")
    return Models(f"{dialect.value} {side.lower()} event", union, members_by_type(union))


def client_models(dialect: rp.Dialect) -> Models:
    return _models(dialect, "Client")


def server_models(dialect: rp.Dialect) -> Models:
    return _models(dialect, "Server")


def validate(frame: dict[str, Any], models: Models) -> BaseModel:
    """Strict validation against the model of the frame's ``type``, which the union picks too;
    returns the validated model."""
    model = models.by_type.get(frame["type"])
    assert model is not None, f"{frame['type']} is not a {models.name} in the SDK"
    validated: BaseModel = adapter(model).validate_python(frame, strict=True)
    assert type(adapter(models.union).validate_python(frame, strict=True)) is model
    return validated


def validate_server_event(text: str, dialect: rp.Dialect) -> None:
    """Strict validation of one server frame against the SDK model of its type."""
    try:
        models = server_models(dialect)
    except ImportError:  # pragma: no cover - depends on the installed openai
        pytest.skip(f"this openai version has no {dialect.value} server event union")
    validate(json.loads(text), models)
