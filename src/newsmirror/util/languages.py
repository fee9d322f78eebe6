"""Language tags (BCP 47) as feeds, configs and the site write them."""

from __future__ import annotations

__all__ = ["normal_tag", "post_language"]


def normal_tag(tag: str) -> str:
    """``zh_cn`` -> ``zh-CN``, ``ZH-hant-tw`` -> ``zh-Hant-TW``: the case BCP 47 recommends."""
    parts = tag.strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())  # script
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())  # region
        else:
            out.append(part.lower())
    return "-".join(p for p in out if p)


# Chinese is written in one of two scripts; the region names it as well as the script tag
_HANS_REGIONS = frozenset({"CN", "SG", "MY"})
_HANT_REGIONS = frozenset({"TW", "HK", "MO"})


def _chinese_script(tag: str) -> str:
    """``zh-CN``, ``zh-Hans-SG`` -> ``zh-Hans``; ``zh-TW``, ``zh-HK`` -> ``zh-Hant``; else the
    tag (the same text, set in the same fonts)."""
    parts = tag.split("-")
    if parts[0] != "zh" or len(parts) == 1:
        return tag
    if "Hans" in parts or _HANS_REGIONS & set(parts):
        return "zh-Hans"
    if "Hant" in parts or _HANT_REGIONS & set(parts):
        return "zh-Hant"
    return tag


def post_language(site: str, given: str | None) -> str | None:
    """The ``lang:`` of a post in language ``given`` on a site in ``site``: None when it is
    the site's (the same tag, the same Chinese script - "zh-CN" and "zh-Hans" - or one is
    the other's language alone: "zh" and "zh-CN")."""
    if not given or not given.strip():
        return None
    tag, home = normal_tag(given), normal_tag(site)
    if tag.lower() == home.lower() or _chinese_script(tag) == _chinese_script(home):
        return None
    primary, home_primary = tag.split("-")[0], home.split("-")[0]
    if primary == home_primary and (tag == primary or home == home_primary):
        return None
    return tag
