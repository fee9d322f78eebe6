"""OpenCC conversion of text (simplified and traditional Chinese), for sources with
``convert``."""

from __future__ import annotations

from functools import lru_cache

from ..errors import ConfigError


@lru_cache(maxsize=16)
def _converter(name: str):
    import opencc  # lazy: only sources with ``convert`` pay for it

    name = name.strip()
    stem = name[:-5] if name.endswith(".json") else name
    try:
        return opencc.OpenCC(stem + ".json")
    except Exception as exc:  # noqa: BLE001 - the library raises plain Exceptions
        raise ConfigError(
            f"unknown OpenCC conversion {name!r} (try s2t, t2s, s2tw, "
            f"tw2s, s2hk, hk2s, t2tw, s2twp, tw2sp)"
        ) from exc


def convert_text(text: str, convert: str | None) -> str:
    """Text converted with the OpenCC configuration ``convert`` (``"s2t"`` or ``"s2t.json"``)."""
    if not convert or not text:
        return text
    return _converter(convert).convert(text)


def convert_tree(tree, convert: str) -> None:
    converter = _converter(convert)
    node = tree.root
    todo = []
    while node is not None:
        if node.is_text_node:
            todo.append(node)
        else:
            todo.extend(n for n in node.traverse(include_text=True) if n.is_text_node)
        node = node.next
    for text_node in todo:
        parent = text_node.parent
        if parent is not None and parent.tag in ("script", "style"):
            continue
        text = text_node.text_content
        if not text or text.isascii():
            continue
        new = converter.convert(text)
        if new != text:
            text_node.replace_with(new)
