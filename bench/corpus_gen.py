"""Deterministic synthetic Chinese news corpus: N RSS 2.0 feeds x M items, plus a page each.

Everything is a pure function of ``(seed, feed, item)`` and the base URL, so the corpus
server can build any document on demand (nothing is stored) and two runs with the same
seed give byte-identical output.

* Feed ``f``: RSS 2.0 with ``dc:creator``, ``category``, ``pubDate`` (``+0800`` or
  ``GMT``), a ``guid`` (the permalink for 1 site in 4, opaque otherwise) and a
  ``<description>`` of 3–15 KB of Chinese HTML: paragraphs with full-width punctuation,
  a lead ``<figure>`` with a lazy image
  (``<img src="data:image/gif;base64,…" data-src="https://img.example/….jpg">``) and
  sometimes more figures, ad slots, ``<h3>``, ``<blockquote>`` and a related list.
  2 sites in 3 use CDATA, the others entity-escaped HTML.
* Page ``(f, i)``: a 20–60 KB HTML document: head with meta/JSON-LD/scripts, header, nav,
  breadcrumb, the article, share bar, comments, more-news grid, sidebar, footer. The
  article container alternates by site: ``<article><div class="article-body">`` or
  ``<div class="articleBody">``; :meth:`Corpus.rule` gives the selector.
* :meth:`Corpus.truth` gives what a correct pipeline must find for each item.

CLI: ``python bench/corpus_gen.py --feeds 20 --items 10 --seed 1 --out /tmp/corpus``
writes ``feeds/{f}.xml``, ``articles/{f}/{i}.html`` and ``manifest.json`` (links use
``--base``, default ``http://127.0.0.1:8000``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path

WORDS = ("聯合早報 中國 新聞 國際 經濟 政府 總理 部長 會議 發展 合作 兩岸 關係 香港 新加坡 東南亞 "
         "市場 投資 企業 科技 人工智能 教育 學生 醫療 衛生 交通 地鐵 房屋 組屋 公積金 選舉 議員 "
         "政策 改革 安全 防務 貿易 關稅 美國 日本 韓國 歐洲 氣候 能源 環境 文化 體育 比賽 冠軍 "
         "電影 音樂 藝術 社會 家庭 人口 老齡化 就業 工資 物價 通脹 銀行 利率 股市 指數 消費 "
         "旅遊 航空 機場 港口 創新 研究 大學 專家 分析 報告 數據 調查 顯示 表示 認為 指出 宣布 "
         "今天 昨天 上午 下午 記者 採訪 消息 來源 官方 民眾 居民 社區 活動 計劃 項目 預算").split()
PUNCT = "，，，。、；：「」！？"
GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
EPOCH = datetime(2024, 6, 1, tzinfo=UTC)
SGT = timezone(timedelta(hours=8))


def _rng(*key: object) -> random.Random:
    """A generator seeded by a stable digest (``hash()`` of str is salted per process)."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


@dataclass(frozen=True)
class Truth:
    feed: int
    item: int
    title: str
    link: str
    guid: str
    published: str  # ISO 8601, UTC
    first_paragraph: str
    last_paragraph: str
    image: str  # the data-src of the lead figure


class Corpus:
    """``feeds`` x ``items`` documents under ``base`` (e.g. ``http://127.0.0.1:8123``)."""

    def __init__(self, feeds: int, items: int, seed: int = 1, base: str = "") -> None:
        self.feeds, self.items, self.seed = feeds, items, seed
        self.base = base.rstrip("/")
        pool = _rng(seed, "pool")
        self._paragraphs = [self._make_paragraph(pool) for _ in range(600)]
        self._titles = [self._make_title(pool) for _ in range(400)]

    # -- URLs and rules --

    def feed_path(self, f: int) -> str:
        return f"/feeds/{f}.xml"

    def page_path(self, f: int, i: int) -> str:
        return f"/articles/{f}/{i}.html"

    def rule(self, f: int) -> str:
        return "article .article-body" if f % 2 == 0 else "div.articleBody"

    def site_name(self, f: int) -> str:
        return f"新聞網 {f}"

    # -- building blocks --

    @staticmethod
    def _make_paragraph(rng: random.Random) -> str:
        parts = []
        for _ in range(rng.randint(8, 30)):
            parts.append(rng.choice(WORDS))
            parts.append(rng.choice(PUNCT) if rng.random() < 0.35 else "")
        return "".join(parts).strip("，、；：") + "。"

    @staticmethod
    def _make_title(rng: random.Random) -> str:
        return "　".join("".join(rng.choice(WORDS) for _ in range(rng.randint(2, 4)))
                        for _ in range(2))

    def _item_rng(self, f: int, i: int) -> random.Random:
        return _rng(self.seed, f, i)

    def _image(self, f: int, i: int, n: int) -> str:
        return f"https://img.example/{f}/{i}/{n}.jpg"

    def _figure(self, f: int, i: int, n: int, rng: random.Random) -> str:
        caption = escape(rng.choice(self._paragraphs)[:40])
        return (f'<figure><img class="lazyload" src="{GIF}" data-src="{self._image(f, i, n)}" '
                f'alt="{caption}" referrerpolicy="no-referrer" loading="lazy">'
                f"<figcaption>{caption}</figcaption></figure>")

    def _body(self, f: int, i: int) -> tuple[str, list[str]]:
        """The article HTML (3–15 KB UTF-8) and its paragraphs in order."""
        rng = self._item_rng(f, i)
        target = rng.randint(2800, 13500)  # the last block may overshoot by ~1.5 KB
        html, paragraphs, size, n = [self._figure(f, i, 0, rng)], [], 0, 1
        while size < target:
            roll = rng.random()
            if roll < 0.05:
                block = self._figure(f, i, n, rng)
                n += 1
            elif roll < 0.08:
                block = f'<div id="dfp-ad-imu{n}" class="ad-slot" data-ad-unit="/zb/{f}"></div>'
            elif roll < 0.11:
                block = f"<h3>{escape(rng.choice(self._titles))}</h3>"
            elif roll < 0.13:
                block = f"<blockquote><p>「{rng.choice(self._paragraphs)}」</p></blockquote>"
            else:
                text = rng.choice(self._paragraphs)
                paragraphs.append(text)
                block = f"<p>{text}</p>"
            html.append(block)
            size += len(block.encode())
        if rng.random() < 0.3:
            related = "".join(f'<li><a href="{self.base}{self.page_path(f, (i + k) % self.items)}">'
                              f"{escape(rng.choice(self._titles))}</a></li>" for k in (1, 2, 3))
            html.append(f"<h3>相關新聞</h3><ul>{related}</ul>")
        return "".join(html), paragraphs

    # -- truth --

    def truth(self, f: int, i: int) -> Truth:
        rng = _rng(self.seed, "meta", f, i)
        title = rng.choice(self._titles)
        published = EPOCH - timedelta(minutes=37 * (i + 1) + f)
        link = self.base + self.page_path(f, i)
        guid = link if f % 4 == 0 else f"zb-{self.seed}-{f}-{i}-{rng.getrandbits(32):08x}"
        _, paragraphs = self._body(f, i)
        return Truth(f, i, title, link, guid, published.isoformat(), paragraphs[0],
                     paragraphs[-1], self._image(f, i, 0))

    # -- documents --

    def feed_xml(self, f: int) -> bytes:
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
               'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>',
               f"<title>{escape(self.site_name(f))}</title><link>{self.base}/</link>"
               f"<description>即時新聞</description><language>zh-hant</language>"]
        for i in range(self.items):
            out.append(self._feed_item(f, i))
        out.append("</channel></rss>\n")
        return "".join(out).encode()

    def _feed_item(self, f: int, i: int) -> str:
        t = self.truth(f, i)
        body, _ = self._body(f, i)
        when = datetime.fromisoformat(t.published)
        date = format_datetime(when.astimezone(SGT)) if f % 2 else format_datetime(when, True)
        description = f"<![CDATA[{body}]]>" if f % 3 else escape(body, quote=False)
        permalink = "true" if t.guid == t.link else "false"
        return (f"<item><title>{escape(t.title)}</title><link>{t.link}</link>"
                f'<guid isPermaLink="{permalink}">{escape(t.guid)}</guid><pubDate>{date}</pubDate>'
                f"<dc:creator>記者{f % 7}</dc:creator><category>{WORDS[f % len(WORDS)]}</category>"
                f"<description>{description}</description></item>")

    def page_html(self, f: int, i: int) -> bytes:
        t = self.truth(f, i)
        body, _ = self._body(f, i)
        rng = _rng(self.seed, "page", f, i)
        article = (f'<article><h1>{escape(t.title)}</h1><div class="article-body">{body}</div>'
                   f"</article>" if f % 2 == 0 else
                   f'<div class="story"><h1>{escape(t.title)}</h1><div class="articleBody">'
                   f"{body}</div></div>")
        target = rng.randint(20_000, 60_000)
        head = self._page_head(t)
        chrome = self._chrome(f, rng)
        filler = self._more_news(f, rng, target - len(head) - len(body.encode()) - 3000)
        return (f"<!DOCTYPE html><html lang=zh-Hant>{head}<body>{chrome}"
                f'<main><nav class="breadcrumb"><a href="/">首頁</a> › 即時</nav>{article}'
                f'<div class="share-bar"><a href="https://www.facebook.com/sharer.php">分享</a>'
                f'</div><section class="comments"><h2>讀者留言</h2>'
                f"<p>{rng.choice(self._paragraphs)}</p></section></main>{filler}"
                f"<footer>© 新聞網 版權所有</footer></body></html>").encode()

    def _page_head(self, t: Truth) -> str:
        ld = json.dumps({"@type": "NewsArticle", "headline": t.title,
                         "datePublished": t.published}, ensure_ascii=False)
        return (f'<head><meta charset="utf-8"><title>{escape(t.title)} | 新聞網</title>'
                f'<meta property="og:title" content="{escape(t.title)}">'
                f'<meta property="og:image" content="{t.image}">'
                f'<script type="application/ld+json">{ld}</script>'
                "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push("
                "arguments)}gtag('js',new Date());var googletag=googletag||{cmd:[]};</script>"
                "</head>")

    def _chrome(self, f: int, rng: random.Random) -> str:
        links = "".join(f'<li><a href="/section/{k}">{WORDS[(f + k) % len(WORDS)]}</a></li>'
                        for k in range(24))
        return (f'<header><a class="logo" href="/">{escape(self.site_name(f))}</a></header>'
                f'<nav class="main-nav"><ul>{links}</ul><div class="mega-menu" hidden>'
                f"<ul>{links}{links}</ul></div></nav>")

    def _more_news(self, f: int, rng: random.Random, size: int) -> str:
        cards, used = [], 0
        while used < max(size, 2000):
            link = self.base + self.page_path(f, rng.randrange(self.items))
            card = (f'<div class="card"><a href="{link}">'
                    f"<h4>{escape(rng.choice(self._titles))}</h4></a>"
                    f"<p>{rng.choice(self._paragraphs)[:90]}</p></div>")
            cards.append(card)
            used += len(card.encode())
        return f'<aside class="more-news"><h2>更多新聞</h2>{"".join(cards)}</aside>'

    def manifest(self) -> dict[str, object]:
        return {"feeds": self.feeds, "items": self.items, "seed": self.seed, "base": self.base,
                "sites": [{"feed": self.base + self.feed_path(f), "rule": self.rule(f)}
                          for f in range(self.feeds)]}


def write(corpus: Corpus, out: Path) -> None:
    for f in range(corpus.feeds):
        (out / "feeds").mkdir(parents=True, exist_ok=True)
        (out / "feeds" / f"{f}.xml").write_bytes(corpus.feed_xml(f))
        (out / "articles" / str(f)).mkdir(parents=True, exist_ok=True)
        for i in range(corpus.items):
            (out / "articles" / str(f) / f"{i}.html").write_bytes(corpus.page_html(f, i))
    manifest = corpus.manifest()
    manifest["truth"] = [asdict(corpus.truth(f, i))
                         for f in range(corpus.feeds) for i in range(corpus.items)]
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write(Corpus(args.feeds, args.items, args.seed, args.base), args.out)


if __name__ == "__main__":
    main()
