"""Whether an extraction is an article at all.

An error page ("page not found") or a login or subscription wall served with status 200
still gives trafilatura something to return: the menu, the wall's prompt, the "most read"
list. Posting that as the article would replace the feed's own text with navigation. Such
an extraction has no paragraph of running text, and the page says what it is in its title
or headline: then it is "no article", and the pipeline keeps the feed's text. A password
field or an extraction made of links alone is no such sign: both are common on article
pages (a login box in the sidebar; a blog post of links), and on the development set
either emptied pages that have an article.
"""

from __future__ import annotations

import re

from ..util.htmltext import node_text
from ._prose import PROSE_AT_LEAST, prose_blocks

# What error and login pages call themselves, in the title or the headline.
_NOT_AN_ARTICLE = re.compile(
    r"\b(?:404|403|410|not found|page not found|error|sign[ -]?in|log[ -]?in|"
    r"subscribe|subscription|register|access denied|forbidden)\b"
    r"|找不到|不存在|出错|错误|錯誤|登录|登入|登錄|注册|註冊|订阅|訂閱|会员|會員",
    re.IGNORECASE,
)
# a line this long (visible characters) that ends a sentence is a sentence, not a label or
# a headline in a list
_SENTENCE = 40
_ENDS = re.compile(r"[。！？.!?][」』”\"')）]*$")


def _says_not_an_article(tree) -> bool:
    for selector in ("title", "h1"):
        node = tree.css_first(selector)
        if node is not None and _NOT_AN_ARTICLE.search(node_text(node)):
            return True
    return False


def is_article(body, tree) -> bool:
    """False when ``body`` (the extraction) has no paragraph of running text, nor a
    paragraph's worth of sentences, and the page (``tree``) calls itself an error or login
    page in its title or headline."""
    if not _says_not_an_article(tree):  # two queries: asked first, the text measured only then
        return True
    blocks = prose_blocks(body, by_line=True)
    if max(blocks.values(), default=0) >= PROSE_AT_LEAST:
        return True
    sentences = sum(n for text, n in blocks.items() if n >= _SENTENCE and _ENDS.search(text))
    return sentences >= PROSE_AT_LEAST
