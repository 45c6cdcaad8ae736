"""YAML from untrusted hands (imports, modals): on top of parse_yaml's limits (size,
anchors and aliases, depth, checked first), explicit tags are refused."""

from __future__ import annotations

from typing import Any

import yaml

from bot.knowledge.parsing import MAX_BYTES, TagRefused, describe_yaml_error, parse_yaml

__all__ = ["MAX_BYTES", "UnsafeYaml", "load_untrusted"]


class UnsafeYaml(ValueError):
    """The text is not YAML we accept; the message says why in one sentence."""


def load_untrusted(text: str) -> Any:
    if len(text.encode()) > MAX_BYTES:
        raise UnsafeYaml(f"The file is over {MAX_BYTES // 1_000_000} MB.")
    try:
        return parse_yaml(text, tags=False)
    except TagRefused:
        raise UnsafeYaml("YAML tags (such as !!python) are not accepted.") from None
    except yaml.YAMLError as exc:
        raise UnsafeYaml(f"The file is {describe_yaml_error(exc)}.") from None
