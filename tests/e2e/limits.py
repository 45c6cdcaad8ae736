"""Discord's documented limits, checked on every payload the bot sends to the fake Discord.

Each check returns a list of violations ("embeds[0].title: 300 > 256 characters"); the fake
answers 400 for any, as Discord would, and the test fails.
"""

from __future__ import annotations

import re
from typing import Any

# interactions/application-commands#application-command-object-application-command-naming:
# CHAT_INPUT names match ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$ (Python's re has no
# \p{…}: letters and numbers are str.isalnum, Devanagari and Thai by code point range), in
# lower case where the letter has one; USER and MESSAGE (context menu) names are free text.
NAME = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")
MENU_NAME = re.compile(r"^[^\n]{1,32}$")
# ...#application-command-object: names, descriptions and choice values of one command and
# its options together at most 8000 characters.
COMMAND_TOTAL_CHARS = 8000
IS_COMPONENTS_V2 = 1 << 15  # resources/message#message-object-message-flags
V2_TOP_LEVEL = {1, 9, 10, 12, 13, 14, 17}  # components/reference: row, section, text, …
V2_MAX_COMPONENTS = 40
V2_MAX_TEXT = 4000
EMPTY = "message: empty (no content, embeds, components or files)"


def _length(problems: list[str], where: str, value: Any, high: int, low: int = 0) -> None:
    if value is None:
        if low:
            problems.append(f"{where}: missing")
        return
    if not isinstance(value, str):
        problems.append(f"{where}: not a string")
    elif not low <= len(value) <= high:
        problems.append(f"{where}: {len(value)} characters, allowed {low}-{high}")


def check_commands(commands: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(commands) > 100:
        problems.append(f"{len(commands)} commands > 100")
    names = [(c.get("type", 1), c.get("name")) for c in commands]  # unique per type
    if len(set(names)) != len(names):
        problems.append(f"duplicate command names {[n for _, n in names]}")
    for n, command in enumerate(commands):
        where = f"commands[{n}]"
        menu = command.get("type", 1) in (2, 3)  # a user or message context-menu command
        names = [("name", command.get("name"))]
        names += [(f"name_localizations.{k}", v) for k, v in _localized(command, "name")]
        for key, name in names:
            if not (MENU_NAME if menu else NAME).match(str(name or "")) or not (
                menu or str(name) == str(name).lower()
            ):
                problems.append(f"{where}.{key} {name!r} is not a valid command name")
        if menu:
            if command.get("description") or command.get("options"):
                problems.append(f"{where}: a context-menu command has no description or options")
        else:
            _length(problems, f"{where}.description", command.get("description"), 100, 1)
        for key, text in _localized(command, "description"):
            _length(problems, f"{where}.description_localizations.{key}", text, 100, 1)
        _check_options(problems, where, command.get("options") or [], depth=0)
        total = _chars(command)
        if total > COMMAND_TOTAL_CHARS:
            problems.append(f"{where}: {total} characters in names and descriptions > 8000")
    return problems


def _localized(node: dict[str, Any], key: str) -> list[tuple[str, Any]]:
    return list((node.get(f"{key}_localizations") or {}).items())


def _chars(node: dict[str, Any]) -> int:
    total = len(node.get("name", "")) + len(node.get("description", ""))
    total += sum(len(c["name"]) + len(str(c["value"])) for c in node.get("choices") or [])
    return total + sum(_chars(option) for option in node.get("options") or [])


def _check_options(problems: list[str], where: str, options: list[dict], depth: int) -> None:
    if len(options) > 25:
        problems.append(f"{where}.options: {len(options)} > 25")
    seen_optional = False
    names = [o.get("name") for o in options]
    if len(set(names)) != len(names):  # application-command-option-structure: unique names
        problems.append(f"{where}.options: names used twice {names}")
    for n, option in enumerate(options):
        at = f"{where}.options[{n}]"
        name = str(option.get("name", ""))
        if not NAME.match(name) or name != name.lower():
            problems.append(f"{at}.name {option.get('name')!r} does not match {NAME.pattern}")
        _length(problems, f"{at}.description", option.get("description"), 100, 1)
        kind = option.get("type")
        if kind in (1, 2):  # subcommand, group
            if depth >= (1 if kind == 2 else 2):
                problems.append(f"{at}: subcommands nested too deep")
            _check_options(problems, at, option.get("options") or [], depth + 1)
            continue
        if option.get("required"):
            if seen_optional:
                problems.append(f"{at}: a required option after an optional one")
        else:
            seen_optional = True
        choices = option.get("choices") or []
        if choices and option.get("autocomplete"):
            problems.append(f"{at}: choices and autocomplete together")
        if option.get("autocomplete") and kind not in (3, 4, 10):  # string, integer, number
            problems.append(f"{at}.autocomplete: not for an option of type {kind}")
        _check_choices(problems, f"{at}.choices", choices)
        for key in ("min_length", "max_length"):
            if key in option and not 0 <= option[key] <= 6000:
                problems.append(f"{at}.{key}: {option[key]} outside 0-6000")
        for low, high in (("min_length", "max_length"), ("min_value", "max_value")):
            bounds = option.get(low), option.get(high)
            if None not in bounds and bounds[0] > bounds[1]:
                problems.append(f"{at}.{low}: greater than {high}")


def check_message(payload: dict[str, Any], *, require_body: bool = True) -> list[str]:
    if int(payload.get("flags") or 0) & IS_COMPONENTS_V2:
        return _check_v2(payload)
    problems: list[str] = []
    _length(problems, "content", payload.get("content"), 2000)
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        problems.append(f"embeds: {len(embeds)} > 10")
    total = 0
    for n, embed in enumerate(embeds):
        total += _check_embed(problems, f"embeds[{n}]", embed)
    if total > 6000:
        problems.append(f"embeds: {total} characters in all > 6000")
    _check_components(problems, payload.get("components") or [])
    has_body = any(payload.get(k) for k in ("content", "embeds", "components", "attachments"))
    if require_body and not has_body:
        problems.append(EMPTY)
    return problems


def _check_v2(payload: dict[str, Any]) -> list[str]:
    """components/reference#component-reference (Components V2): with the flag, the
    components are the message: no content or embeds, at most 40 components in all and 4000
    characters of text displays; at the top, rows, sections, texts, galleries, files,
    separators and containers."""
    problems = [
        f"{k}: not allowed with IS_COMPONENTS_V2" for k in ("content", "embeds") if payload.get(k)
    ]
    rows = payload.get("components") or []
    if not rows:
        problems.append(EMPTY)
    flat = list(_walk(rows))
    if len(flat) > V2_MAX_COMPONENTS:
        problems.append(f"components: {len(flat)} components > {V2_MAX_COMPONENTS}")
    text = sum(len(c.get("content") or "") for c in flat if c.get("type") == 10)
    if text > V2_MAX_TEXT:
        problems.append(f"components: {text} characters of text > {V2_MAX_TEXT}")
    for n, row in enumerate(rows):
        if row.get("type") not in V2_TOP_LEVEL:
            problems.append(f"components[{n}].type: {row.get('type')} is not allowed at the top")
    _unique_custom_ids(problems, "components", flat)
    return problems


def _walk(components: list[dict[str, Any]]) -> Any:
    for component in components:
        yield component
        children = list(component.get("components") or [])
        children += [component["accessory"]] if component.get("accessory") else []
        yield from _walk(children)


def _check_embed(problems: list[str], where: str, embed: dict[str, Any]) -> int:
    _length(problems, f"{where}.title", embed.get("title"), 256)
    _length(problems, f"{where}.description", embed.get("description"), 4096)
    footer = (embed.get("footer") or {}).get("text")
    _length(problems, f"{where}.footer.text", footer, 2048)
    author = (embed.get("author") or {}).get("name")
    _length(problems, f"{where}.author.name", author, 256)
    fields = embed.get("fields") or []
    if len(fields) > 25:
        problems.append(f"{where}.fields: {len(fields)} > 25")
    total = sum(
        len(x or "") for x in (embed.get("title"), embed.get("description"), footer, author)
    )
    for n, item in enumerate(fields):
        _length(problems, f"{where}.fields[{n}].name", item.get("name"), 256, 1)
        _length(problems, f"{where}.fields[{n}].value", item.get("value"), 1024, 1)
        total += len(item.get("name") or "") + len(item.get("value") or "")
    return total


def _unique_custom_ids(problems: list[str], where: str, items: list[dict[str, Any]]) -> None:
    """Discord: "Component custom id cannot be duplicated" within one message or modal."""
    ids = [item["custom_id"] for item in items if "custom_id" in item]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"{where}: custom_id used twice: {', '.join(duplicates)}")


def _check_components(problems: list[str], rows: list[dict[str, Any]]) -> None:
    if len(rows) > 5:
        problems.append(f"components: {len(rows)} rows > 5")
    _unique_custom_ids(problems, "components", [c for r in rows for c in r.get("components") or []])
    for n, row in enumerate(rows):
        children = row.get("components") or []
        where = f"components[{n}]"
        if row.get("type") != 1 or not children:
            problems.append(f"{where}: not a non-empty action row")
            continue
        selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
        if (selects and len(children) > 1) or len(children) > 5:
            problems.append(f"{where}: a row holds 5 buttons or one select menu")
        for m, child in enumerate(children):
            _check_component(problems, f"{where}.components[{m}]", child)


def _check_component(problems: list[str], where: str, item: dict[str, Any]) -> None:
    if item.get("type") == 2 and item.get("style") == 5:
        _length(problems, f"{where}.url", item.get("url"), 512, 1)
    else:
        _length(problems, f"{where}.custom_id", item.get("custom_id"), 100, 1)
    if item.get("type") == 2:
        _length(problems, f"{where}.label", item.get("label"), 80)
    if item.get("type") == 3:
        options = item.get("options") or []
        if not 1 <= len(options) <= 25:
            problems.append(f"{where}.options: {len(options)}, allowed 1-25")
        for k, option in enumerate(options):
            _length(problems, f"{where}.options[{k}].label", option.get("label"), 100, 1)
            _length(problems, f"{where}.options[{k}].value", option.get("value"), 100, 1)
            _length(problems, f"{where}.options[{k}].description", option.get("description"), 100)
        _length(problems, f"{where}.placeholder", item.get("placeholder"), 150)
    if item.get("type") == 4:  # text input, in a modal
        _length(problems, f"{where}.label", item.get("label"), 45)
        _length(problems, f"{where}.placeholder", item.get("placeholder"), 100)
        _length(problems, f"{where}.value", item.get("value"), 4000)
        for key in ("min_length", "max_length"):
            if key in item and not 0 <= item[key] <= 4000:
                problems.append(f"{where}.{key}: {item[key]} outside 0-4000")
        if len(item.get("value") or "") > item.get("max_length", 4000):
            problems.append(f"{where}.value: longer than its max_length {item['max_length']}")


def _check_choices(problems: list[str], where: str, choices: list[dict[str, Any]]) -> None:
    if len(choices) > 25:
        problems.append(f"{where}: {len(choices)} choices > 25")
    for n, choice in enumerate(choices):
        _length(problems, f"{where}[{n}].name", choice.get("name"), 100, 1)
        if isinstance(choice.get("value"), str):
            _length(problems, f"{where}[{n}].value", choice["value"], 100, 1)


def check_autocomplete(data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    _check_choices(problems, "autocomplete.choices", data.get("choices") or [])
    return problems


def check_modal(data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    _length(problems, "modal.title", data.get("title"), 45, 1)
    _length(problems, "modal.custom_id", data.get("custom_id"), 100, 1)
    rows = data.get("components") or []
    if not 1 <= len(rows) <= 5:
        problems.append(f"modal: {len(rows)} components, allowed 1-5")
    for n, row in enumerate(rows):
        children = row.get("components") or ([row["component"]] if "component" in row else [])
        if row.get("type") == 18:  # a label wrapping one component
            _length(problems, f"modal.components[{n}].label", row.get("label"), 45, 1)
        for m, child in enumerate(children):
            _check_component(problems, f"modal.components[{n}].components[{m}]", child)
    inputs = [c for row in rows for c in row.get("components") or [row.get("component") or {}]]
    _unique_custom_ids(problems, "modal", inputs)
    return problems
