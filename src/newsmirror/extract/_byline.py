"""Authors from the byline a page shows, for pages whose metadata names none.

Two kinds of evidence, structure first: an element marked as the author (``rel=author``,
``itemprop=author``, a ``byline``/``author`` class), then the wording of bylines in the
text after the headline: "By X", "by X and Y", "文/X", "作者：X", "（记者 X）",
"扬子晚报记者 X" at the end of the article. An editor ("责任编辑：X") is not the author,
nor a photographer ("记者 X 摄"), nor a comment's author. The name comes back clean:
no "By ", no date, no "|" and what follows it.
"""

from __future__ import annotations

import re
from typing import Any

from ._dates import _DATE, VisibleText, elsewhere

__all__ = ["byline_author", "clean_author"]

_PREFIX = re.compile(
    r"^(?:(?:written|posted|story|words|reported|text|photos?)\s+)?(?:by|par|von|por|door|di)\b[:\s]*"
    r"|^(?:作者|撰文|撰稿|采写|文|记者|本报记者)\s*[:：/／|｜]?\s*",
    re.I,
)
# where a byline's name ends: a date, a separator and what follows it, a role
_CUT = re.compile(
    rf"\s*(?:{_DATE.pattern}|\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|[|｜•\n]|\s[-–—·]\s|\bon\s+\w+day\b|\b(?:Updated|Published|Posted)\b"
    r"|\s(?:on|at)\s+\d|[,，]?\s*(?:Staff|Senior|Chief)?\s*(?:Reporter|Writer|Editor|Correspondent)\b"
    r"|\s+(?:摄|报道|编辑)|责任编辑|\b(?:Edited|Photos?|Illustrations?)\s+by\b"
    r"|\s\d+\s+(?:seconds?|minutes?|hours?|days?|weeks?|months?)\s+ago\b).*",
    re.I | re.S,
)
# an editor, a proofreader, the source the article was taken from: no author
_NOT_AUTHOR = re.compile(
    r"^\s*(?:责任编辑|编辑|责编|校对|来源|來源|出处|Edited by|Editor|Source)\b", re.I
)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_PLACEHOLDERS = frozenset(
    ("未知", "佚名", "匿名", "admin", "administrator", "unknown", "anonymous", "name", "author",
     "none", "null", "staff", "guest", "editor", "webmaster", "fail", "follow author",
     "follow")
)  # fmt: skip
_HAS_LETTER = re.compile(r"[^\W\d_]")
# web and social addresses beside a name ("Jane Doe (@janedoe)")
_URL = re.compile(r"\(?\b(?:https?://|www\.)\S*\)?|\(?(?<![\w.])@\w+\)?")
_LONG_HAN = re.compile(r"[\u4e00-\u9fff]{6,}")


def _first_han_name(name: str) -> str:
    """A Chinese name is short: a long run of hanzi after it is the person's title
    ("王文 中国人民大学重阳金融研究院执行院长")."""
    words = name.split()
    long_at = next((i for i, w in enumerate(words) if _LONG_HAN.search(w)), 0)
    return " ".join(words[:long_at]) if long_at else name


def clean_author(raw: str | None) -> str | None:
    """A person's name out of a byline or meta value; None when it is none (a URL, an
    e-mail address, a placeholder, an editor)."""
    if not raw:
        return None
    if _EMAIL.search(raw):  # "name, email@gmail.com": a template's placeholder, or worse
        return None
    # "Bradley M. Kuhn (http://ebb.org/bkuhn/)": the name stays, the address goes
    name = " ".join(_URL.sub(" ", raw).split())
    if not name or _NOT_AUTHOR.match(name):
        return None
    for _ in range(2):  # "By: 作者：X" and the like
        name = _PREFIX.sub("", name).strip()
    name = _CUT.sub("", name).strip(" ,;:|/-–—【】[]")
    if name.count("(") != name.count(")"):  # a bracket left open or closed by the cut
        name = name.strip("()（）")
    name = _first_han_name(name)
    if name.lower() in _PLACEHOLDERS or not _HAS_LETTER.search(name) or len(name) > 60:
        return None
    return name


_MARKED = (
    '[rel~="author"], [itemprop~="author"], [class*="byline"], [class*="author"],'
    ' [class*="Author"], [class*="Byline"], [class*="writer"], [class*="zuozhe"]'
)


def _marked_author(tree: Any) -> str | None:
    """The first element marked as the byline or author, outside comments and lists."""
    for node in tree.css(_MARKED):
        attrs = node.attributes
        own = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        if re.search(r"comment|avatar|bio|related|reply", own, re.I) or elsewhere(node):
            continue
        text = node.text(separator=" ")
        if not text or len(text) > 200:
            continue
        name = clean_author(text)
        if name and len(name) <= 60:
            return name
    return None


_HAN_NAME = r"[\u4e00-\u9fff][\u4e00-\u9fff·]{1,4}"
_NAMES = rf"{_HAN_NAME}(?:[ 、，,]+{_HAN_NAME})*"
_ZH_BYLINES = (
    # "文/X", "作者：X", "采写：南都记者 X", "【文/观察者网专栏作者 王文】": the name is what
    # follows the last role word
    re.compile(
        r"(?:^|(?<=[\n【\[（(\s]))(?:文|作者|撰文|撰稿|采写|口述|整理)\s*[/／:：|｜]\s*"
        r"(?P<body>[^\n】\]）)|｜]{1,30})"
    ),
    # "（记者 X）", "新京报讯（记者 X 通讯员 Y）"
    re.compile(
        r"[（(【\[]\s*(?:本报|本台|特约|见习|首席)?记者\s*(?P<body>[^\n】\]）)]{2,24})[）)】\]]"
    ),
    # "扬子晚报记者 张楠" closing the article, on a line of its own
    re.compile(rf"记者\s+(?P<body>{_NAMES})\s*(?=\n|$)"),
)
_ROLE = re.compile(r".*(?:记者|作者|编辑部|通讯员|特约|专栏作者)\s*")
_WORD = r"[A-Z][\w.'’-]*"
# "By Jane Doe", "by John Smith and Mary Major", "By Ana de la Cruz, Li Wei": capitalised words
_EN_BYLINE = re.compile(
    r"(?:^|\n)\s*(?:Written\s+|Posted\s+|Story\s+)?[Bb][Yy]:?\s+"
    rf"(?P<body>{_WORD}(?:[ \t]+(?:{_WORD}|de|la|van|von|der|da|di|and|&)|,[ \t]*{_WORD}){{0,8}})"
)
_BYLINE_REACH = 2000  # characters after the headline's start where an English byline sits


# what follows a name in a Chinese byline block: the source, the editor, the time
_ZH_NEXT = re.compile(
    r"\s*(?:来源|來源|出处|编辑|責編|责编|摄影|通讯员|发布|時間|时间|日期|原标题).*"
)


def _zh_name(body: str) -> str | None:
    body = _ZH_NEXT.sub("", body.strip())
    body = _ROLE.sub("", body) if _ROLE.match(body) else body
    match = re.match(_NAMES, body)
    return clean_author(match.group(0)) if match else None


def _text_author(page: VisibleText, start: int) -> str | None:
    text = page.text
    found: list[tuple[int, str]] = []
    for pattern in _ZH_BYLINES:
        for match in pattern.finditer(text, start):
            name = _zh_name(match.group("body"))
            if name and not elsewhere(page.node_at(match.start())):
                found.append((match.start(), name))
                break
    english = _EN_BYLINE.search(text, start, start + _BYLINE_REACH)
    if english is not None:
        name = clean_author(english.group("body"))
        if name and not elsewhere(page.node_at(english.start())):
            found.append((english.start(), name))
    return min(found)[1] if found else None


def byline_author(tree: Any, page: VisibleText, headline: int | None) -> str | None:
    """The author a page's byline names, or None."""
    start = max(page.headline(headline)[0], 0)
    return _marked_author(tree) or _text_author(page, start)
