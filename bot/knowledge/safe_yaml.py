"""YAML from untrusted hands (imports, modals): size, anchors/aliases, tags and depth refused."""

from __future__ import annotations

from typing import Any

import yaml

from bot.knowledge.parsing import describe_yaml_error, parse_yaml

MAX_BYTES = 1_000_000
MAX_DEPTH = 10
_COLLECTION_START = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_END = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class UnsafeYaml(ValueError):
    """The text is not YAML we accept; the message says why in one sentence."""


def load_untrusted(text: str) -> Any:
    if len(text.encode()) > MAX_BYTES:
        raise UnsafeYaml(f"The file is over {MAX_BYTES // 1_000_000} MB.")
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise UnsafeYaml("YAML anchors and aliases (& and *) are not accepted.")
            if getattr(event, "tag", None):  # only explicit tags are reported; plain YAML has none
                raise UnsafeYaml("YAML tags (such as !!python) are not accepted.")
            if isinstance(event, _COLLECTION_START):
                depth += 1
                if depth > MAX_DEPTH:
                    raise UnsafeYaml(f"The YAML is nested more than {MAX_DEPTH} levels deep.")
            elif isinstance(event, _COLLECTION_END):
                depth -= 1
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        raise UnsafeYaml(f"The file is {describe_yaml_error(exc)}.") from None
