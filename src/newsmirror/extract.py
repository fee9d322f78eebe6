"""Article pages -> :class:`Extracted`: site rules first, metadata fallbacks, trafilatura last.

Rules (``data/rules.toml`` and the user's ``[rules."domain"]``) name CSS selectors. A rule
applies to its domain and subdomains, judged on the *final* URL after redirects. A content
entry ``json:NAME`` is a hook for pages that embed the article as JSON in a script that sets
``window.NAME`` (zaobao.com.sg: ``__staticRouterHydrationData``); it is tried before the
CSS selectors of the same rule.

``Extracted.content_html`` starts with ``<base href="...">`` naming the page's own base URL
(its ``<base href>`` or the URL it was fetched from), so that ``clean_html`` resolves
relative URLs against the page even when the caller only knows the feed link.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser

from .clean import LAZY_ATTRS, absolute_url, clean_html, html_to_text
from .config import Rule
from .model import Extracted

__all__ = ["needs_full_text", "load_builtin_rules", "select_rule", "extract", "extract_page",
           "explain_rule", "visible_length", "TRAFILATURA"]

TRAFILATURA = "trafilatura"

# --- when to fetch the page ---------------------------------------------------------------

_CJK = re.compile(r"[\u3000-\u303f\uff00-\uffef\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
                  r"\U00020000-\U0002fa1f]")
_CJK_RUN = re.compile(_CJK.pattern + "+")
CJK_WEIGHT = 4  # one CJK character (or CJK punctuation) weighs four Latin characters
_TEASER_END = re.compile(
    r"(?:\.\.\.|…|\[…\]|\[\.\.\.\]|阅读全文|閱讀全文|阅读更多|閱讀更多|查看全文|全文>*|"
    r"read more|continue reading|read the full (?:story|article)|more»?|»)\W*$", re.I)


def visible_length(text: str) -> int:
    """Length of ``text`` without whitespace, CJK characters counted ``CJK_WEIGHT`` times."""
    return _visible_squeezed("".join(text.split()))


def _visible_squeezed(squeezed: str) -> int:
    # runs, not single characters: findall then builds one string per run (25x faster)
    return len(squeezed) + (CJK_WEIGHT - 1) * sum(map(len, _CJK_RUN.findall(squeezed)))


def needs_full_text(content_html: str, mode: str, min_chars: int) -> bool:
    """Whether to fetch the article page: ``"always"``, ``"never"`` or ``"auto"``.

    ``auto`` fetches when the feed content is missing, shorter than ``min_chars`` (CJK
    characters weigh 4, so with the default 200 a 50-character Chinese paragraph is
    enough), or ends like a teaser ("…", "阅读全文", "Read more", "[…]").
    """
    if mode == "always":
        return True
    if mode == "never":
        return False
    text = html_to_text(content_html or "")
    if not text.strip():
        return True
    if visible_length(text) < min_chars:
        return True
    return bool(_TEASER_END.search(text.strip()))


# --- rules --------------------------------------------------------------------------------

def _rule_from_table(domain: str, table: dict[str, Any]) -> Rule:
    content = table["content"]
    content = (content,) if isinstance(content, str) else tuple(content)
    return Rule(domain=domain.lower().removeprefix("www."), content=content,
                remove=tuple(table.get("remove", ())), title=table.get("title"),
                date=table.get("date"), author=table.get("author"),
                timezone=table.get("timezone"))


@lru_cache(maxsize=1)
def load_builtin_rules() -> tuple[Rule, ...]:
    """The built-in per-site rules of ``newsmirror/data/rules.toml``."""
    import tomllib

    text = resources.files("newsmirror").joinpath("data/rules.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return tuple(_rule_from_table(d, t) for d, t in data.get("rules", {}).items())


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def _rule_matches(rule: Rule, host: str) -> bool:
    domain = rule.domain.lower().removeprefix("www.")
    return host == domain or host.endswith("." + domain)


def select_rule(url: str, rules: Sequence[Rule]) -> Rule | None:
    """The rule for ``url`` (the final URL, after redirects), or None.

    The most specific domain wins; for the same domain the later rule wins, so user rules
    (passed after the built-in ones) override them.
    """
    host = _host(url)
    if not host:
        return None
    if type(rules) is not tuple:
        return _select_rule(host, rules)
    # A run asks for the same few hosts against the same rules tuple twice a page (the page
    # pool, then extract): remember the answers per tuple (immutable, as Rule is frozen).
    # The entry holds the tuple itself, so its id cannot be reused while it is cached.
    entry = _RULE_CACHE.get(id(rules))
    if entry is None or entry[0] is not rules:
        if len(_RULE_CACHE) >= 8:
            _RULE_CACHE.clear()
        entry = _RULE_CACHE[id(rules)] = (rules, {})
    by_host = entry[1]
    try:
        return by_host[host]
    except KeyError:
        pass
    if len(by_host) >= 4096:
        by_host.clear()
    rule = by_host[host] = _select_rule(host, rules)
    return rule


_RULE_CACHE: dict[int, tuple[tuple[Rule, ...], dict[str, Rule | None]]] = {}


def _select_rule(host: str, rules: Sequence[Rule]) -> Rule | None:
    best: Rule | None = None
    for rule in rules:
        if _rule_matches(rule, host) and (
                best is None or len(rule.domain) >= len(best.domain)):
            best = rule
    return best


# --- metadata -----------------------------------------------------------------------------

def _tz(default_tz: str | tzinfo | None) -> tzinfo:
    if isinstance(default_tz, tzinfo):
        return default_tz
    try:
        return ZoneInfo(default_tz or "UTC")
    except Exception:  # noqa: BLE001 - unknown zone names fall back to UTC
        return ZoneInfo("UTC")


def _parse_date(text: str | None, tz: tzinfo) -> datetime | None:
    if text is None:
        return None
    text = str(text).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{10}(?:\d{3})?(?:\.\d+)?", text):  # epoch seconds or milliseconds
        value = float(text)
        from datetime import UTC
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
    from .dates import parse_date  # lazy: dates.py is its own module

    return parse_date(text, tz)


# What the page's base URL and metadata come from, found in one walk of the tree: a
# selector list matches in document order, and each separate query walked the whole page
# (~45 µs on a 40 KB page, four of them on every page).
_PAGE_NODES = 'base[href], meta, script[type="application/ld+json"], title, time[datetime]'
# "<base" in any letter case, spelled out so that the regex engine skips from "<" to "<"
_BASE_TAG = re.compile(r"<[bB][aA][sS][eE][\s/>]")


@dataclass
class _PageNodes:
    base: Any = None  # the first <base href>
    title: Any = None  # the first <title>
    time: Any = None  # the first <time datetime>
    metas: list = field(default_factory=list)
    ld_json: list = field(default_factory=list)  # <script type="application/ld+json">


def _page_nodes(tree) -> _PageNodes:
    found = _PageNodes()
    for node in tree.css(_PAGE_NODES):
        tag = node.tag
        if tag == "meta":
            found.metas.append(node)
        elif tag == "script":
            found.ld_json.append(node)
        elif tag == "base":
            found.base = found.base or node
        elif tag == "title":
            found.title = found.title or node
        elif tag == "time":
            found.time = found.time or node
    return found


def _ld_json_objects(scripts: Iterable) -> list[dict]:
    found: list[dict] = []
    for script in scripts:
        raw = script.text(deep=True) or ""
        raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip()
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            try:  # common breakage: raw line breaks or trailing commas
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw.replace("\n", " ")),
                                  strict=False)
            except ValueError:
                continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                if "@graph" in item:
                    stack.extend(item["@graph"] if isinstance(item["@graph"], list) else [])
    return found


_ARTICLE_TYPES = ("article", "newsarticle", "reportage", "blogposting", "analysisnewsarticle",
                  "opinionnewsarticle", "webpage", "reportagenewsarticle", "liveblogposting")


def _ld_type(obj: dict) -> str:
    t = obj.get("@type", "")
    if isinstance(t, list):
        t = " ".join(str(x) for x in t)
    return str(t).lower()


def _author_name(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _author_name(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_author_name(v) for v in value) if n]
        return ", ".join(names) or None
    return None


def _meta_tags(metas: Iterable) -> dict[str, str]:
    """``property``/``name``/``itemprop`` value -> ``content`` of the first ``<meta>`` naming it.

    One pass over the page's meta tags instead of one selector query per wanted name
    (values match case-sensitively, as the ``meta[name="..."]`` selectors did).
    """
    tags: dict[str, str] = {}
    for node in metas:
        attrs = node.attributes
        for attr in ("property", "name", "itemprop"):
            key = attrs.get(attr)
            if key is not None and key not in tags:
                tags[key] = attrs.get("content") or ""
    return tags


def _meta(tags: dict[str, str], *names: str) -> str | None:
    for name in names:
        if name in tags:
            value = tags[name].strip()
            if value:
                return value
    return None


_FIELDS = ("title", "date", "author")


def _metadata(page: _PageNodes, tz: tzinfo,
              want: Iterable[str] = _FIELDS) -> dict[str, Any]:
    """Title, published date and author from ld+json, Open Graph, <time>, meta tags.

    Only the fields in ``want`` are looked for (the others are None): a site rule that
    found the title, date and author spares the ld+json parse and the meta scan.
    """
    want = set(want)
    title = date = author = None
    if not want:
        return {"title": title, "date": date, "author": author}
    objects = _ld_json_objects(page.ld_json)
    objects.sort(key=lambda o: not any(t in _ld_type(o).split() for t in _ARTICLE_TYPES))
    for obj in objects:
        if "title" in want:
            title = title or (obj.get("headline") or None
                              if isinstance(obj.get("headline"), str) else None)
        if date is None and "date" in want:
            date = _parse_date(obj.get("datePublished") or obj.get("dateCreated"), tz)
        if "author" in want:
            author = author or _author_name(obj.get("author"))
    tags = _meta_tags(page.metas) if (title is None and "title" in want or date is None
                                and "date" in want or author is None
                                and "author" in want) else {}
    if "title" in want:
        title = title or _meta(tags, "og:title", "twitter:title")
    if date is None and "date" in want:
        date = _parse_date(_meta(tags, "article:published_time", "og:article:published_time",
                                 "datePublished", "pubdate", "publishdate", "PubDate",
                                 "publish-date", "article_date_original",
                                 "sailthru.date", "dc.date", "DC.date.issued"), tz)
        if date is None:
            if page.time is not None:
                date = _parse_date(page.time.attributes.get("datetime"), tz)
    if "author" in want:
        author = author or _meta(tags, "author", "article:author", "byl", "dc.creator")
    if title is None and "title" in want:
        if page.title is not None:
            title = " ".join((page.title.text() or "").split()) or None
    return {"title": title, "date": date, "author": author}


def _node_text(node) -> str:
    return " ".join((node.text(deep=True, separator=" ") or "").split())


def _date_of(node, tz: tzinfo) -> datetime | None:
    for attr in ("datetime", "content", "data-time", "data-timestamp", "title"):
        value = node.attributes.get(attr)
        if value:
            parsed = _parse_date(value, tz)
            if parsed:
                return parsed
    return _parse_date(_node_text(node), tz)


# --- the json: hook (zaobao.com.sg) --------------------------------------------------------

_JS_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})|\\'")


def _js_string(literal: str) -> str:
    literal = _JS_ESCAPE.sub(lambda m: f"\\u00{m.group(1)}" if m.group(1) else "'", literal)
    if literal.startswith("'"):
        literal = '"' + literal[1:-1].replace('"', '\\"') + '"'
    return json.loads(literal, strict=False)


def _embedded_json(tree, name: str) -> Any | None:
    pattern = re.compile(
        r"(?:window\.)?" + re.escape(name) +
        r"""\s*=\s*(?:JSON\.parse\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\)|(?=[{\[]))""",
        re.S)
    for script in tree.css("script"):
        code = script.text(deep=True) or ""
        if name not in code:
            continue
        m = pattern.search(code)
        if not m:
            continue
        try:
            if m.group(1):
                return json.loads(_js_string(m.group(1)), strict=False)
            return json.JSONDecoder(strict=False).raw_decode(code, m.end())[0]
        except ValueError:
            continue
    return None


def _find_article(data: Any) -> dict | None:
    """The first dict (breadth first) holding an HTML body (``body_cn``, ``body``…)."""
    queue = [data]
    while queue:
        item = queue.pop(0)
        if isinstance(item, dict):
            for key in ("body_cn", "body_html", "bodyHtml", "content_html", "body"):
                if isinstance(item.get(key), str) and "<" in item[key]:
                    return item
            queue.extend(item.values())
        elif isinstance(item, list):
            queue.extend(item)
    return None


def _json_article(tree, name: str, tz: tzinfo) -> dict[str, Any] | None:
    data = _embedded_json(tree, name)
    article = _find_article(data) if data is not None else None
    if article is None:
        return None
    body = next(article[k] for k in ("body_cn", "body_html", "bodyHtml", "content_html", "body")
                if isinstance(article.get(k), str) and "<" in article[k])
    figures = []
    images = article.get("images") or article.get("image") or []
    if isinstance(images, dict):
        images = [images]
    for image in images if isinstance(images, list) else []:
        if isinstance(image, str):
            image = {"url": image}
        if not isinstance(image, dict):
            continue
        src = image.get("url") or image.get("src") or image.get("image_url")
        if not isinstance(src, str) or not src or src in body:
            continue
        caption = image.get("caption") or image.get("alt") or ""
        esc = html_lib.escape
        figures.append(f'<figure><img src="{esc(src)}" alt="{esc(caption)}">'
                       + (f"<figcaption>{esc(caption)}</figcaption>" if caption else "")
                       + "</figure>")
    date = None
    for key in ("create_time", "publication_date", "published_at", "publish_time",
                "datePublished", "created_at", "publishedDate"):
        if article.get(key):
            date = _parse_date(str(article[key]), tz)
            if date:
                break
    title = article.get("title") or article.get("headline")
    author = _author_name(article.get("author") or article.get("authors")
                          or article.get("byline"))
    return {"content": "".join(figures) + body,
            "title": title if isinstance(title, str) else None,
            "date": date, "author": author}


# --- rule application ----------------------------------------------------------------------

def _css(tree_or_node, selector: str) -> list:
    try:
        return tree_or_node.css(selector)
    except Exception as exc:  # noqa: BLE001 - selectolax raises several error types
        raise ValueError(f"invalid CSS selector {selector!r}: {exc}") from None


def _outermost(nodes: Iterable) -> list:
    chosen: list = []
    ids: set[int] = set()
    for node in nodes:  # document order: an ancestor comes before its descendants
        parent, nested = node.parent, False
        while parent is not None:
            if parent.mem_id in ids:
                nested = True
                break
            parent = parent.parent
        if not nested and node.mem_id not in ids:
            chosen.append(node)
            ids.add(node.mem_id)
    return chosen


def _rule_fields(tree, rule: Rule, tz: tzinfo) -> dict[str, Any]:
    """The rule's title, date and author selectors (before ``_rule_content`` removes nodes)."""
    out: dict[str, Any] = {"content": "", "has_content": False, "title": None, "date": None,
                           "author": None}
    if rule.title:
        node = tree.css_first(rule.title)
        out["title"] = _node_text(node) or None if node is not None else None
    if rule.date:
        node = tree.css_first(rule.date)
        out["date"] = _date_of(node, tz) if node is not None else None
    if rule.author:
        node = tree.css_first(rule.author)
        out["author"] = _node_text(node) or None if node is not None else None
    return out


def _rule_content(tree, rule: Rule, tz: tzinfo, out: dict[str, Any]) -> None:
    """Fill ``out`` with the rule's content (json: hooks, then CSS with removals)."""
    css_selectors = [s for s in rule.content if not s.startswith("json:")]
    for hook in (s for s in rule.content if s.startswith("json:")):
        found = _json_article(tree, hook[5:].strip(), tz)
        if found and found["content"].strip():
            out.update({k: v for k, v in found.items() if v or k == "content"})
            out["has_content"] = _has_content(out["content"])
            css_selectors = []
            break
    if css_selectors:
        nodes = _outermost(_css(tree, ", ".join(css_selectors)))
        for selector in rule.remove:
            for node in nodes:
                for junk in _css(node, selector):
                    junk.decompose()
        out["content"] = "".join(n.html or "" for n in nodes)
        # judged on the nodes themselves: re-parsing the serialized content cost a parse
        out["has_content"] = any(_node_has_content(n) for n in nodes)


def _apply_rule(tree, rule: Rule, tz: tzinfo) -> dict[str, Any]:
    out = _rule_fields(tree, rule, tz)
    _rule_content(tree, rule, tz, out)
    return out


_MEDIA = frozenset({"img", "video", "iframe"})
_HIDDEN = ("<script", "<style", "<noscript", "<template")


def _node_has_content(node) -> bool:
    """``_has_content(node.html)`` without serializing and re-parsing the node."""
    if node.tag in _MEDIA or node.css_first("img, video, iframe") is not None:
        return True
    text = node.text(deep=True) or ""
    if not text.strip():
        return False
    if node.tag in ("script", "style", "noscript", "template") or \
            node.css_first("script, style, noscript, template") is not None:
        return _has_content(node.html or "")  # text may all be script: the exact check
    return True


def _has_content(html: str) -> bool:
    if not html.strip():
        return False
    tree = LexborHTMLParser(html, is_fragment=True)
    if tree.css_first("img, video, iframe"):
        return True
    return bool(html_to_text(html).strip())


# --- generic fallback ----------------------------------------------------------------------

_BLOCKS = "p, h1, h2, h3, h4, h5, h6, li, blockquote, pre, td, figcaption, dd"


def _norm(text: str) -> str:
    return "".join(text.split())[:40]


def _text_key(node) -> str:
    """``_norm(_node_text(node))``: the first 40 non-space characters of the node's text,
    read from a prefix when that holds them (nested blocks repeat long texts)."""
    text = node.text(deep=True) or ""
    head = "".join(text[:160].split())
    if len(head) >= 40 or len(text) <= 160:
        return head[:40]
    return "".join(text.split())[:40]


def _image_url(node, base: str) -> str | None:
    attrs = node.attributes
    for name in (*LAZY_ATTRS, "src"):
        value = attrs.get(name)
        if value and not value.strip().lower().startswith("data:"):
            return absolute_url(value, base)
    return None


_DECORATION = re.compile(r"(?:icon|logo|avatar|emoji|/face|qrcode|qr_code|repost|share|"
                         r"sprite|button|default_user|badge|arrow)", re.I)


def _small(node) -> bool:
    for attr in ("width", "height"):
        value = (node.attributes.get(attr) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < 60:
            return True
    return False


def _trafilatura(html: str, tree, url: str) -> str:
    import trafilatura

    # include_images=False on purpose: with images on, trafilatura keeps thumbnail+headline
    # blocks (related lists, "推荐" grids) as content - on the Chinese portal pages of
    # bench/bench_extract_quality.py mean F1 fell from 0.82 to 0.74. _restore_images puts
    # the article's own images and figures back from the page.
    # fast=True skips trafilatura's readability/justext comparison (half its time); on
    # bench/bench_extract_quality.py no page's F1 changed (en 0.990, zh 0.939 generic).
    result = trafilatura.extract(html, url=url, output_format="html", include_images=False,
                                 include_links=True, include_comments=False, fast=True) or ""
    if not result.strip():
        return ""
    out = LexborHTMLParser(result)
    body = out.body
    if body is None:
        return ""
    _focus_on_article(tree, out)
    _restore_images(tree, out, url)
    return body.inner_html or ""


# --- generic fallback: precision post-filter -------------------------------------------------
#
# On Chinese portals trafilatura often takes a whole column as the article and keeps the
# "相关推荐" list, "小编最近文章", the headline and the byline with it. Readability-style
# check on the original DOM: every paragraph of non-link text scores its parent (and half
# its grandparent); candidates are weighed by (1 - link density); the best one and its
# like-scored siblings are the article. Output blocks whose original sits outside it are
# dropped - only when that leaves most of the article's own text and enough of the output.

_INLINE = frozenset({"a", "span", "strong", "b", "em", "i", "font", "u", "small", "sup", "sub",
                     "br", "img", "label", "abbr", "cite", "code", "mark", "q", "s", "time",
                     "var", "wbr", "big", "ins", "del", "tt", "bdi", "bdo", "dfn", "kbd",
                     "samp", "picture", "center", "-text"})
_NO_TEXT = frozenset({"script", "style", "noscript", "template", "textarea", "select",
                      "option", "button", "svg", "iframe", "head", "title"})
_PUNCT_MARKS = "，。、；！？,;!?"
_SENTENCE_DOT = re.compile(r"\.(?:\s|$)")


def _punctuation(text: str) -> int:
    """Sentence punctuation in ``text``: CJK and Latin marks, and a dot ending a sentence."""
    return sum(map(text.count, _PUNCT_MARKS)) + len(_SENTENCE_DOT.findall(text))


def _squeezed_len(text: str) -> int:
    return len("".join(text.split()))


def _article_nodes(tree) -> tuple[set[int], dict[str, Any], dict[str, Any], int] | None:
    """Ids of the article's container(s); maps block / text-node prefix -> original block;
    the non-link characters of the container(s)."""
    body = tree.body
    if body is None:
        return None
    total: dict[int, int] = {}  # mem_id -> text chars in the subtree
    linked: dict[int, int] = {}  # mem_id -> linked text chars in the subtree
    nodes: dict[int, Any] = {}  # mem_id -> element, for the elements holding text
    tags: dict[int, str] = {}  # mem_id -> tag name, for the same elements
    parts: dict[int, list[str]] = {}  # block mem_id -> its texts
    pieces: dict[str, Any] = {}  # text node prefix -> its block

    def visit(node, tag: str, in_link: bool, block) -> tuple[int, int]:
        # one walk: the state (in a link, nearest block) flows down, text counts flow up
        chars = linked_chars = 0
        for child in node.iter(include_text=True):
            child_tag = child.tag
            if child_tag == "-text":
                raw = child.text_content or ""
                squeezed = "".join(raw.split())
                if not squeezed:
                    continue
                parts.setdefault(block.mem_id, []).append(raw)
                if len(squeezed) >= 2:
                    pieces.setdefault(squeezed[:40], block)
                chars += len(squeezed)
                if in_link:
                    linked_chars += len(squeezed)
            elif child_tag not in _NO_TEXT:
                sub, sub_linked = visit(child, child_tag, in_link or child_tag == "a",
                                        block if child_tag in _INLINE else child)
                chars += sub
                linked_chars += sub_linked
        if chars:
            key = node.mem_id
            nodes[key] = node
            tags[key] = tag
            total[key] = chars
            if linked_chars:
                linked[key] = linked_chars
        return chars, linked_chars

    try:
        visit(body, "body", False, body)
    except RecursionError:  # absurdly deep markup: no focusing, trafilatura's output stands
        return None
    above = body.parent
    while above is not None and body.mem_id in total:  # <html>: the whole page's counts
        nodes[above.mem_id] = above
        total[above.mem_id] = total[body.mem_id]
        if body.mem_id in linked:
            linked[above.mem_id] = linked[body.mem_id]
        above = above.parent
    score: dict[int, float] = {}
    blocks: dict[str, Any] = {}
    for key, texts in parts.items():
        node = nodes[key]
        text = "".join(texts)
        squeezed = "".join(text.split())
        if len(squeezed) >= 4:
            blocks.setdefault(squeezed[:40], node)
        own = total.get(key, 0) - linked.get(key, 0)
        if own < 20 or linked.get(key, 0) > 0.5 * total.get(key, 1):
            continue
        # sentences and length (CJK weighing more, capped at 3 x 100: so only the first 300
        # characters can count)
        value = 1 + _punctuation(text) + min(_visible_squeezed(squeezed[:300]) / 100, 3)
        parent = node.parent
        if parent is None:
            continue
        score[parent.mem_id] = score.get(parent.mem_id, 0) + value
        grand = parent.parent
        if grand is not None:
            score[grand.mem_id] = score.get(grand.mem_id, 0) + value / 2
    if not score:
        return None
    final = {k: v * (1 - linked.get(k, 0) / max(total.get(k, 1), 1)) for k, v in score.items()}
    top_id = max(final, key=final.get)
    top = nodes.get(top_id)
    if top is None or top.tag in ("body", "html"):
        return None
    chosen = {top_id}
    # an article split in repeated blocks of the same kind (live blog posts, one text-block
    # <div> per paragraph): every block with the top one's tag and class is article too
    top_tag, top_class = tags[top_id], top.attributes.get("class") or ""
    if top_class:
        for key, tag in tags.items():  # the tag from the walk: attributes only on a match
            if tag == top_tag and key != top_id and \
                    (nodes[key].attributes.get("class") or "") == top_class:
                t, ln = total.get(key, 0), linked.get(key, 0)
                if t - ln >= 20 and ln < 0.5 * t:
                    chosen.add(key)
    threshold = max(10.0, final[top_id] * 0.2)
    if top.parent is not None:
        for sibling in top.parent.iter():
            key = sibling.mem_id
            if key == top_id or sibling.tag in _NO_TEXT:
                continue
            if final.get(key, 0) >= threshold:
                chosen.add(key)
            elif sibling.tag == "p" or key in parts:  # a loose paragraph beside the article
                t, ln = total.get(key, 0), linked.get(key, 0)
                if t - ln >= 80 and ln < 0.25 * t:
                    chosen.add(key)
    own = sum(total.get(k, 0) - linked.get(k, 0) for k in chosen)
    return chosen, blocks, pieces, own


def _inside(node, ids: set[int]) -> bool:
    while node is not None:
        if node.mem_id in ids:
            return True
        node = node.parent
    return False


def _focus_on_article(tree, out) -> None:
    """Drop trafilatura output blocks that lie outside the page's densest text container."""
    found = _article_nodes(tree)
    if found is None:
        return
    chosen, blocks, pieces, own = found
    drop, kept_len, drop_len = [], 0, 0

    def judge(node, original) -> None:
        nonlocal kept_len, drop_len
        n = _squeezed_len(_node_text(node) if node.tag != "-text" else node.text_content or "")
        if original is not None and not _inside(original, chosen):
            drop.append(node)
            drop_len += n
        else:
            kept_len += n

    def walk(node) -> None:
        nonlocal drop_len
        mixed = node.css_first(_BLOCKS) is not None or node.tag in ("body", "div", "ul", "ol",
                                                                      "section", "article")
        if not mixed:
            judge(node, blocks.get(_text_key(node)))
            return
        for child in node.iter(include_text=True):
            if child.tag == "-text" or child.tag in _INLINE:
                # loose text beside blocks: trafilatura glued a column's bits together
                text = child.text_content if child.tag == "-text" else _node_text(child)
                key = _norm(text or "")
                if not key:
                    continue
                original = pieces.get(key) or blocks.get(key)
                if original is None and node.tag != "body":
                    drop.append(child)  # unknown loose bits of a mixed block: not article
                    drop_len += _squeezed_len(text or "")
                else:
                    judge(child, original)
            elif child.tag not in _NO_TEXT:
                walk(child)

    walk(out.body)
    # confident when the container is real text and trafilatura kept (most of) it: then what
    # lies outside it is the column around the article, not a part trafilatura chose alone
    if not drop or own < 80 or kept_len < 80 or kept_len < 0.7 * own:
        return
    for node in drop:
        parent = node.parent
        node.decompose()
        while parent is not None and parent.tag not in ("body", "html") \
                and not _node_text(parent) and parent.css_first("img, figure, video") is None:
            grand = parent.parent
            parent.decompose()
            parent = grand


def _restore_images(tree, out, base: str) -> None:
    """Put back figures (with captions) and images trafilatura dropped, at their place."""
    body = tree.body
    if body is None:
        return
    order: dict[int, int] = {}
    for index, node in enumerate(body.traverse()):
        order[node.mem_id] = index
    by_text: dict[str, Any] = {}
    for node in body.css(_BLOCKS):
        key = _text_key(node)
        if len(key) >= 4:
            by_text.setdefault(key, node)
    blocks = []  # (output node, original index)
    kept_parents: set[int] = set()  # containers of the blocks trafilatura kept
    for node in out.body.css(_BLOCKS):
        key = _text_key(node)
        original = by_text.get(key) if len(key) >= 4 else None
        if original is not None:
            blocks.append((node, order.get(original.mem_id, -1)))
            if original.parent is not None:
                kept_parents.add(original.parent.mem_id)
    if not blocks:
        return
    first_idx = min(i for _, i in blocks)
    last_idx = max(i for _, i in blocks)
    present = {absolute_url(i.attributes.get("src") or "", base) for i in out.body.css("img")}
    out_text = "".join((out.body.text(deep=True) or "").split())
    candidates = []
    for node in body.css("figure, img, amp-img"):
        if node.tag in ("img", "amp-img") and _ancestor(node, "figure") is not None:
            continue
        idx = order.get(node.mem_id, -1)
        if not first_idx - 40 <= idx <= last_idx:
            continue
        if node.tag in ("img", "amp-img") and (
                _ancestor_any(node, ("nav", "header", "footer", "aside")) is not None
                or _link_away(node)):
            continue
        imgs = [node] if node.tag in ("img", "amp-img") else node.css("img, amp-img")
        urls = [u for u in (_image_url(i, base) for i in imgs if not _small(i))
                if u and not _DECORATION.search(urlsplit(u).path)]
        if not urls:
            continue
        has_caption = node.tag == "figure" and node.css_first("figcaption") is not None
        if node.tag in ("img", "amp-img"):
            wrapper = _caption_wrapper(node, out_text, kept_parents)
            if wrapper is not None:
                node, has_caption = wrapper, True
        if all(u in present for u in urls) and not has_caption:
            continue
        candidates.append((idx, node, urls))
    for idx, node, urls in candidates:
        for img in out.body.css("img"):  # the figure replaces trafilatura's bare copy
            if absolute_url(img.attributes.get("src") or "", base) in urls:
                img.decompose()
        following = next((b for b, i in blocks if i > idx), None)
        copy = LexborHTMLParser(_AMP_IMG.sub(lambda m: "" if m.group(1) else "<img",
                                             node.html or ""), is_fragment=True).root
        if copy is None:
            continue
        if following is not None and following.parent is not None:
            target = following
            while target.parent is not None and target.parent.tag not in ("body", "html"):
                target = target.parent
            target.insert_before(copy)
        else:
            out.body.insert_child(copy)
        present.update(urls)


_AMP_IMG = re.compile(r"<(/)?amp-img\b(?(1)\s*>)", re.I)  # AMP pages: <amp-img> -> <img>
_IMAGE_HREF = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#&])|showimage", re.I)


def _link_away(img) -> bool:
    """Whether ``img`` sits in a link to another page (a thumbnail), not to a bigger image."""
    a = _ancestor(img, "a")
    return a is not None and not _IMAGE_HREF.search(a.attributes.get("href") or "")


def _caption_wrapper(img, out_text: str, kept_parents: set[int]):
    """The block holding ``img`` and a short caption trafilatura did not keep, or None.

    Chinese portals write captions as text beside the image in the same ``<p>`` or
    ``<div class="img_wrapper">`` (no ``<figure>``); restoring only the ``<img>`` would drop
    them. The block must hold this one image, at most 200 (CJK-weighted) characters, no
    linked text, and sit beside paragraphs trafilatura kept (not in a comment or a card).
    """
    parent = img.parent
    while parent is not None and parent.tag in ("a", "span", "picture", "center"):
        parent = parent.parent
    if parent is None or parent.tag not in ("p", "div") or parent.parent is None \
            or parent.parent.mem_id not in kept_parents:
        return None
    if len(parent.css("img")) != 1 or any(_node_text(a) for a in parent.css("a")):
        return None  # a caption is plain text: linked text is a name, a headline, a tag
    text = "".join(_node_text(parent).split())
    if len(text) < 2 or visible_length(text) > 200 or text in out_text:
        return None  # no caption, not a caption, or trafilatura kept it already
    return parent


def _ancestor(node, tag: str):
    parent = node.parent
    while parent is not None:
        if parent.tag == tag:
            return parent
        parent = parent.parent
    return None


def _ancestor_any(node, tags: tuple[str, ...]):
    parent = node.parent
    while parent is not None:
        if parent.tag in tags:
            return parent
        parent = parent.parent
    return None


# --- entry points ------------------------------------------------------------------------

def _page_base(page: _PageNodes, url: str) -> str:
    node = page.base
    if node is not None:
        href = absolute_url(node.attributes.get("href") or "", url)
        if href and href.startswith(("http://", "https://")):
            return href
    return url


def extract(html: str, url: str, rules: Sequence[Rule] = (), *,
            default_tz: str | tzinfo = "UTC", utf8: bytes | None = None,
            metadata: Iterable[str] = _FIELDS) -> Extracted:
    """The article of ``html`` fetched from ``url`` (the final URL after redirects).

    ``metadata`` names the fields ("title", "date", "author") to look for in the page's
    ld+json, meta tags, ``<time>`` and ``<title>`` when the rule's selectors do not give
    them; the pipeline asks only for what the feed item lacks (the rest stays None).

    ``utf8``, when given, must be exactly ``html.encode("utf-8")`` (the fetched body, when
    it decoded strictly as UTF-8): the parser takes it as is instead of encoding ``html``
    again (~30 µs for a 40 KB page).
    """
    rule = select_rule(url, rules)
    tz = _tz(rule.timezone if rule and rule.timezone else default_tz)
    tree = LexborHTMLParser(utf8 if utf8 is not None else html)
    content, used = "", TRAFILATURA
    found: dict[str, Any] = {}
    if rule is not None:
        found = _rule_fields(tree, rule, tz)
    # page metadata only for what the rule's selectors did not find, and before the
    # rule's ``remove`` selectors change the tree
    want = [k for k in metadata if not found.get(k)]
    # no metadata wanted and no "<base" in the source: the tree walk has nothing to find
    page = _page_nodes(tree) if want or _BASE_TAG.search(html) else _PageNodes()
    base = _page_base(page, url)
    meta = _metadata(page, tz, want)
    if rule is not None:
        _rule_content(tree, rule, tz, found)
        if found["has_content"]:
            content, used = found["content"], rule.domain
    if used == TRAFILATURA:
        # the rule may have removed nodes from ``tree``: restore images from a fresh parse
        content = _trafilatura(html, LexborHTMLParser(html) if found else tree, url)
    if content:
        content = f'<base href="{html_lib.escape(base)}">' + content
    return Extracted(
        content_html=content,
        rule=used,
        title=found.get("title") or meta["title"],
        published=found.get("date") or meta["date"],
        author=found.get("author") or meta["author"],
    )


def extract_page(body: bytes, url: str | None, rules: Sequence[Rule] = (), *,
                 content_type: str | None = None, default_tz: str = "UTC") -> dict[str, Any]:
    """For ``newsmirror extract``: decode, extract, clean; a JSON-ready dict."""
    from .decode import decode

    text, _encoding = decode(body, content_type)
    page_url = url or "http://localhost/"
    result = extract(text, page_url, rules, default_tz=default_tz)
    content = clean_html(result.content_html, page_url) if result.content_html else ""
    return {
        "title": result.title,
        "date": result.published.isoformat() if result.published else None,
        "author": result.author,
        "content_html": content,
        "text": html_to_text(content),
        "rule": result.rule,
    }


def _preview(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain_rule(html: str, url: str, rules: Sequence[Rule] = ()) -> dict[str, Any]:
    """For ``newsmirror test-rule``: which rule applies, what each selector matched."""
    host = _host(url)
    considered = []
    chosen = select_rule(url, rules)
    for rule in rules:
        if rule is chosen:
            why = "applies"
        elif _rule_matches(rule, host):
            why = "overridden by a more specific or later rule for " + (
                chosen.domain if chosen else "?")
        else:
            why = f"domain {rule.domain} does not match host {host or '?'}"
        if _rule_matches(rule, host) or rule is chosen:
            considered.append({"domain": rule.domain, "status": why})
    report: dict[str, Any] = {"url": url, "host": host,
                              "rule": chosen.domain if chosen else None,
                              "considered": considered, "selectors": []}
    tree = LexborHTMLParser(html)
    if chosen is not None:
        tz = _tz(chosen.timezone)
        for field_name, selectors in (("content", chosen.content), ("remove", chosen.remove),
                                      ("title", (chosen.title,) if chosen.title else ()),
                                      ("date", (chosen.date,) if chosen.date else ()),
                                      ("author", (chosen.author,) if chosen.author else ())):
            for selector in selectors:
                entry: dict[str, Any] = {"field": field_name, "selector": selector}
                if selector.startswith("json:"):
                    found = _json_article(tree, selector[5:].strip(), tz)
                    entry["count"] = 1 if found else 0
                    entry["preview"] = _preview(html_to_text(found["content"])) if found else ""
                else:
                    try:
                        nodes = _css(tree, selector)
                    except ValueError as exc:
                        entry.update(count=0, error=str(exc))
                        report["selectors"].append(entry)
                        continue
                    entry["count"] = len(nodes)
                    entry["preview"] = _preview(_node_text(nodes[0])) if nodes else ""
                report["selectors"].append(entry)
    result = extract(html, url, rules)
    report["used"] = result.rule
    if chosen is not None and result.rule == TRAFILATURA:
        report["note"] = (f"rule {chosen.domain} matched no content; "
                          f"the generic extractor was used")
    cleaned = clean_html(result.content_html, url) if result.content_html else ""
    report.update(title=result.title,
                  date=result.published.isoformat() if result.published else None,
                  author=result.author, content_html=cleaned, text=html_to_text(cleaned))
    return report
