"""The generic extractor's precision post-filter.

On Chinese portals trafilatura often takes a whole column as the article and keeps the
"相关推荐" list, "小编最近文章", the headline and the byline with it. Readability-style
check on the original DOM: every paragraph of non-link text scores its parent (and half
its grandparent); candidates are weighed by (1 - link density); the best one and its
like-scored siblings are the article. Output blocks whose original sits outside it are
dropped - only when that leaves most of the article's own text and enough of the output.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ..util.htmltext import node_text, visible_squeezed
from ..util.urls import absolute_url
from ._blocks import BLOCKS, inside, norm, text_key

_INLINE = frozenset(
    {
        "a",
        "span",
        "strong",
        "b",
        "em",
        "i",
        "font",
        "u",
        "small",
        "sup",
        "sub",
        "br",
        "img",
        "label",
        "abbr",
        "cite",
        "code",
        "mark",
        "q",
        "s",
        "time",
        "var",
        "wbr",
        "big",
        "ins",
        "del",
        "tt",
        "bdi",
        "bdo",
        "dfn",
        "kbd",
        "samp",
        "picture",
        "center",
        "-text",
    }
)


_NO_TEXT = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "textarea",
        "select",
        "option",
        "button",
        "svg",
        "iframe",
        "head",
        "title",
    }
)


_PUNCT_MARKS = "，。、；！？,;!?"


_SENTENCE_DOT = re.compile(r"\.(?:\s|$)")


def _punctuation(text: str) -> int:
    """Sentence punctuation in ``text``: CJK and Latin marks, and a dot ending a sentence."""
    return sum(map(text.count, _PUNCT_MARKS)) + len(_SENTENCE_DOT.findall(text))


def _squeezed_len(text: str) -> int:
    return len("".join(text.split()))


# One walk and its scoring share the counts; apart, they would pass five dicts around.
def _article_nodes(tree) -> tuple[set[int], dict[str, Any], dict[str, Any], int] | None:  # noqa: C901
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
                sub, sub_linked = visit(
                    child,
                    child_tag,
                    in_link or child_tag == "a",
                    block if child_tag in _INLINE else child,
                )
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
        value = 1 + _punctuation(text) + min(visible_squeezed(squeezed[:300]) / 100, 3)
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
    top_id = max(final, key=final.__getitem__)
    top = nodes.get(top_id)
    if top is None or top.tag in ("body", "html"):
        return None
    chosen = {top_id}
    # an article split in repeated blocks of the same kind (live blog posts, one text-block
    # <div> per paragraph): every block with the top one's tag and class is article too
    top_tag, top_class = tags[top_id], top.attributes.get("class") or ""
    if top_class:
        for key, tag in tags.items():  # the tag from the walk: attributes only on a match
            if (
                tag == top_tag
                and key != top_id
                and (nodes[key].attributes.get("class") or "") == top_class
            ):
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


_CONTAINERS = frozenset({"body", "div", "ul", "ol", "section", "article"})


def _holds_blocks(node) -> bool:
    """Whether a text block sits below ``node``. Not ``node.css_first(BLOCKS)``: lexbor
    matches the node itself, so every ``<p>`` looked mixed and its pieces were judged one
    by one - the text after a link (``Thursday</a>.``) is in no piece and was dropped."""
    return any(child.css_first(BLOCKS) is not None for child in node.iter())


class _Verdicts:
    """Which output blocks and loose bits lie outside the article's container(s)."""

    def __init__(self, chosen: set[int], blocks: dict[str, Any], pieces: dict[str, Any]):
        self.chosen, self.blocks, self.pieces = chosen, blocks, pieces
        self.drop: list[Any] = []
        self.kept_len = 0  # characters kept whose original is known (or loose in <body>)

    def judge(self, node, original) -> None:
        if original is not None and not inside(original, self.chosen):
            self.drop.append(node)
        else:
            text = node_text(node) if node.tag != "-text" else node.text_content or ""
            self.kept_len += _squeezed_len(text)

    def walk(self, node) -> None:
        if not _holds_blocks(node) and node.tag not in _CONTAINERS:
            original = self.blocks.get(text_key(node))
            if original is not None:  # a known block is judged whole, its punctuation with it
                self.judge(node, original)
                return
        self.loose_bits(node)

    def loose_bits(self, node) -> None:
        dropped = False  # whether the bit before was dropped
        for child in node.iter(include_text=True):
            if child.tag != "-text" and child.tag not in _INLINE:
                if child.tag not in _NO_TEXT:
                    self.walk(child)
                continue
            # loose text beside blocks: trafilatura glued a column's bits together
            key = norm((child.text_content if child.tag == "-text" else node_text(child)) or "")
            if not key:
                continue
            if len(key) < 2:  # a mark after a link ("</a>."): no piece holds it
                if dropped:
                    self.drop.append(child)
                continue
            original = self.pieces.get(key) or self.blocks.get(key)
            if original is None and node.tag != "body":
                self.drop.append(child)  # unknown loose bits of a mixed block: not article
                dropped = True
            else:
                dropped = original is not None and not inside(original, self.chosen)
                self.judge(child, original)


def focus_on_article(tree, out) -> None:
    """Drop trafilatura output blocks that lie outside the page's densest text container."""
    found = _article_nodes(tree)
    if found is None:
        return
    chosen, blocks, pieces, own = found
    verdicts = _Verdicts(chosen, blocks, pieces)
    verdicts.walk(out.body)
    kept_len = verdicts.kept_len
    # confident when the container is real text and trafilatura kept (most of) it: then what
    # lies outside it is the column around the article, not a part trafilatura chose alone
    if not verdicts.drop or own < 80 or kept_len < 80 or kept_len < 0.7 * own:
        return
    for node in verdicts.drop:
        parent = node.parent
        node.decompose()
        while (
            parent is not None
            and parent.tag not in ("body", "html")
            and not node_text(parent)
            and parent.css_first("img, figure, video") is None
        ):
            grand = parent.parent
            parent.decompose()
            parent = grand


# --- multi-post pages: the post the page is about ------------------------------------------

_POSTS = "article, .hentry"  # blog engines mark each post so (WordPress, Blogger: hentry)
_PERMALINKS = "h1 a[href], h2 a[href], h3 a[href], a[rel~=bookmark], a.timestamp-link"


def _page_key(url: str) -> str:
    """``url`` without scheme, ``www.``, fragment and trailing slash: a post's permalink
    and the page's own URL compare equal however each is written."""
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{parts.path.rstrip('/')}{query}"


def _outermost(nodes: list[Any]) -> list[Any]:
    """``nodes`` without those inside another, each once (lexbor's css() returns a node
    once per selector of the list it matches)."""
    unique = list({n.mem_id: n for n in nodes}.values())
    ids = {n.mem_id for n in unique}
    return [n for n in unique if not inside(n.parent, ids)]


def _names_page(post, url: str, key: str) -> bool:
    for a in post.css(_PERMALINKS):
        href = absolute_url(a.attributes.get("href") or "", url)
        if href and _page_key(href) == key:
            return True
    return False


def other_posts(tree, url: str) -> list[Any]:
    """On a page of several posts (a blog's front or archive page, a post with the next
    ones below it), the posts other than the one the page's URL names by its permalink;
    empty when the URL names no post, or more than one."""
    body = tree.body
    if body is None:
        return []
    posts = _outermost(body.css(_POSTS))
    if len(posts) < 2:
        return []
    key = _page_key(url)
    named = [p for p in posts if _names_page(p, url, key)]
    if len(named) != 1 or not _full_post(named[0], posts):
        return []
    return [p for p in posts if p.mem_id != named[0].mem_id]


def _running_text(node) -> list[int]:
    """Lengths of the paragraphs of running text in ``node`` (80 characters or more)."""
    return [n for n in (len(node_text(p)) for p in node.css("p")) if n >= 80]


def _full_post(post, posts: list[Any]) -> bool:
    """Whether ``post`` is a whole post, not the teaser of the page's own article in a list
    of related or latest posts beside it (that article seldom links to itself)."""
    prose = _running_text(post)
    if len(prose) < 2:
        return False
    longest = max(len(node_text(p)) for p in posts)
    return len(node_text(post)) >= 0.5 * longest


def missed_article(tree, out) -> Any:
    """The page's one ``<article>`` when trafilatura's output lies (mostly) outside it
    although it holds running text - trafilatura took a reply or a comment of the list
    below the article (replies marked "entry" or "post" look like content to it) - else None.
    """
    body, out_body = tree.body, out.body
    if body is None or out_body is None:
        return None
    articles = _outermost(body.css("article"))
    if len(articles) != 1:
        return None
    article = articles[0]
    prose = _running_text(article)
    if len(prose) < 2 or sum(prose) < 400:
        return None
    by_text: dict[str, Any] = {}
    for node in body.css(BLOCKS):
        by_text.setdefault(text_key(node), node)
    within = outside = 0
    for node in out_body.css("p"):
        original = by_text.get(text_key(node))
        if original is not None:
            n = len(node_text(node))
            if inside(original, {article.mem_id}):
                within += n
            else:
                outside += n
    return article if outside > 4 * within else None
