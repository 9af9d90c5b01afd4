"""Bytes in and out of Redis: payloads and results (error records: ``error_records``).

Payloads and results are stored as the JSON of their pydantic model dumped by
alias (the wire names of jobs.yaml).
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .contract import WIRE_CONTEXT, ContractModel, SchemaViolation, error_details, to_wire
from .definitions import JobDefinition, QueueDefinition
from .error_records import ErrorRecord as ErrorRecord  # re-exported for existing importers
from .error_records import error_record as error_record
from .error_records import parse_errors as parse_errors
from .errors import InvalidPayloadError, UnknownJobError

ModelT = TypeVar("ModelT", bound=BaseModel)
Payload = BaseModel | Mapping[str, Any]


def job_definition(queue: QueueDefinition, name: str) -> JobDefinition[Any, Any]:
    definition = queue.jobs.get(name)
    if definition is None:
        import difflib  # only for this message, never on a path that succeeds

        known = ", ".join(sorted(queue.jobs)) or "none"
        close = difflib.get_close_matches(name, list(queue.jobs), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UnknownJobError(f"domain {queue.domain!r} has no job {name!r}{hint} (known: {known})")
    return definition


def _invalid(
    queue: QueueDefinition, name: str, errors: list[tuple[str, str]]
) -> InvalidPayloadError:
    detail = "; ".join(f"{where}: {message}" for where, message in errors)
    return InvalidPayloadError(
        f"invalid payload for job {queue.domain}.{name}: {detail}",
        domain=queue.domain,
        job_name=name,
        fields=tuple(where for where, _ in errors),
    )


def wire_value(model: type[BaseModel], value: object) -> Any:
    """The JSON value to store for ``value`` (a model or a mapping), judged by the schema.

    A mapping travels exactly as given (Python objects such as ``UUID`` turned
    into their JSON text); a model travels as what was set on it, extras
    included. Either way the stored value is judged by the schema, so a model
    changed after it was built cannot smuggle in what its schema forbids. That
    the models admit every value their schema admits is what the conformance
    test checks, so enqueueing a mapping does not build one.
    Raises ``SchemaViolation``, pydantic's ``ValidationError`` or ``ValueError``.
    """
    wire = to_wire(value)
    if issubclass(model, ContractModel):
        # The schema is the judge; the model is only built where the value is used (the
        # worker, Job.result()). A model is judged as it is now, not as it was built.
        problems = model.contract_problems(wire)
        if problems:
            raise SchemaViolation(problems)
    elif not isinstance(value, model):
        model.model_validate(wire)
    return wire


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_FLAGS = (False, False, True)
_SAMPLE: dict[str, object] = {"k": [1, -2.5, 1e300, 'é"\n', None, True, {}, []], "": "x"}


def _compact_json() -> Callable[[Any], str]:
    """Compact JSON, non-ASCII kept, as ``_ENCODER.encode`` writes it, for less per call.

    ``encode`` builds its C encoder anew on every call, which is most of its cost
    for a small payload; here the C encoder is built once, without the circular
    check (whose memo would be shared by threads; the values come fresh from
    ``to_wire``). Kept only where it writes what ``encode`` writes.
    """
    make: Callable[..., Callable[[Any, int], list[str]]] | None = getattr(
        json.encoder, "c_make_encoder", None
    )
    if make is None:
        return _ENCODER.encode
    # (markers, default, string encoder, indent, separators, sort_keys, skipkeys, allow_nan)
    chunks = make(None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", *_FLAGS)

    def encode(value: Any) -> str:
        return "".join(chunks(value, 0))

    try:
        same = encode(_SAMPLE) == _ENCODER.encode(_SAMPLE)
    except TypeError:  # an interpreter whose C encoder takes other arguments
        same = False
    return encode if same else _ENCODER.encode


compact_json = _compact_json()
"""Compact JSON, non-ASCII kept: how payloads and results are stored."""


def dump_payload(queue: QueueDefinition, name: str, payload: Payload) -> str:
    """Validate ``payload`` against the job's schema and return its wire JSON.

    Raises ``UnknownJobError`` or ``InvalidPayloadError`` (naming the domain, job
    and fields); runs before anything touches Redis.
    """
    return dump_job_payload(queue, name, job_definition(queue, name), payload)


def dump_job_payload(
    queue: QueueDefinition, name: str, definition: JobDefinition[Any, Any], payload: Payload
) -> str:
    """``dump_payload`` for the job kind ``name`` already looked up (the producer needs both)."""
    try:
        wire = wire_value(definition.payload_model, payload)
    except (ValidationError, SchemaViolation) as exc:
        raise _invalid(queue, name, error_details(exc, "<payload>")) from None
    except ValueError as exc:
        raise _invalid(queue, name, [("<payload>", str(exc))]) from None
    return compact_json(wire)


def load_payload(payload_model: type[ModelT], raw: str | bytes) -> ModelT:
    """The worker's side: stored JSON to the payload model, judged by the same schema."""
    return payload_model.model_validate_json(raw, context=WIRE_CONTEXT)


def dump_result(result_model: type[BaseModel] | None, value: object) -> str:
    """The stored JSON of a handler's return value, judged by the result schema."""
    if result_model is None:
        return "null"
    return compact_json(wire_value(result_model, value))


def load_result(result_model: type[BaseModel] | None, raw: str | bytes) -> Any:
    """A stored result as ``Job.result()`` returns it."""
    if result_model is None:
        return None
    return result_model.model_validate_json(raw, context=WIRE_CONTEXT)


def format_duration(ms: int) -> str:
    """``30000`` -> ``30s``, ``200`` -> ``0.2s``: what reasons and logs show."""
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms / 1000:g}s"
