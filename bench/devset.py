"""The extraction development set: its pages, and how an extractor's output is scored.

Shared by ``bench_extract_quality.py`` (the whole set) and ``tests/test_extract_devset.py``
(a small slice as a floor in CI). Every page is read at run time from ``../shared``
(third-party pages: never copied into this project) or from ``bench/quality/``.

Subsets
-------
* ``trafilatura``: the 990 pages of trafilatura's evaluation
  (``extraction-dev/trafilatura-eval``). Each page has ``with`` snippets that the article
  text must contain and ``without`` snippets (menus, dates, footers) that it must not.
  Counted as trafilatura's own evaluation counts them: a true positive per ``with``
  snippet found, a false negative per one missing, a false positive per ``without``
  snippet found. The subset's P/R/F1 come from the counts summed over its pages (micro),
  a page's own F1 from its counts. Whitespace is collapsed in text and snippets alike
  (extractors differ in how they break lines, not in the words they keep).
* ``readability``: the 126 pages of Mozilla Readability's test suite
  (``extraction-dev/readability``): token F1 against the text of ``expected.html``.
* ``quality-en``, ``quality-zh``: this project's hand-checked pages (``bench/quality``;
  the Chinese ones are ``../shared/fixtures/pages-zh``): token F1 against the expected text.

Token F1 (``prf``): NFKC, lower-case; each CJK character is a token, other text splits into
runs of letters and digits; F1 on the bag of tokens. Token-F1 subsets report the mean of
the pages' P/R/F1 (macro).

Dates are right when they fall on the expected calendar day in the expected value's own
zone (Asia/Shanghai for pages-zh, whose dates are written in China time without a zone).
Authors are right when one normalized name contains the other; titles when equal after
normalizing.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "fixtures"
DEV = SHARED / "extraction-dev"
PAGES_ZH = SHARED / "pages-zh"
QUALITY = HERE / "quality"
CHINA = ZoneInfo("Asia/Shanghai")

SUBSETS = ("trafilatura", "readability", "quality-en", "quality-zh")
READABILITY_URL = "http://fakehost/test/page.html"  # the URL Readability's tests give

_CJK_CHAR = (r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
             r"\U00020000-\U0002fa1f")
_TOKEN = re.compile(rf"[{_CJK_CHAR}]|[^\W_{_CJK_CHAR}]+")


@dataclass
class Page:
    subset: str
    name: str
    url: str
    body: bytes
    language: str = ""
    expected: str = ""  # token-F1 subsets: the article text
    with_: list[str] = field(default_factory=list)  # trafilatura subset: snippets
    without: list[str] = field(default_factory=list)
    date: str | None = None  # expected publication date, as the set writes it
    author: str | None = None
    title: str | None = None
    captions: list[str] = field(default_factory=list)
    tz: str = "UTC"  # the zone a source of this page would be configured with


# --- scoring -----------------------------------------------------------------------------

def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def tokens(text: str) -> list[str]:
    """CJK characters one by one; other letters/digits as words; no punctuation."""
    return _TOKEN.findall(normalize(text))


def prf(output: str, expected: str) -> tuple[float, float, float]:
    out, exp = Counter(tokens(output)), Counter(tokens(expected))
    overlap = sum((out & exp).values())
    if not out or not exp:
        return (0.0, 0.0, 0.0) if out or exp else (1.0, 1.0, 1.0)
    p, r = overlap / sum(out.values()), overlap / sum(exp.values())
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def squeeze(text: str) -> str:
    return "".join(normalize(text).split())


def _collapse(text: str) -> str:
    return " ".join(text.split())


def snippet_counts(output: str, page: Page) -> dict[str, int]:
    """trafilatura's evaluation: tp/fn over ``with`` snippets, fp/tn over ``without``."""
    text = _collapse(output)
    found = [_collapse(s) in text for s in page.with_] if text else [False] * len(page.with_)
    leaked = [_collapse(s) in text for s in page.without] if text else [False] * len(page.without)
    return {"tp": sum(found), "fn": len(found) - sum(found),
            "fp": sum(leaked), "tn": len(leaked) - sum(leaked)}


def counts_prf(c: dict[str, int]) -> tuple[float, float, float]:
    tp, fn, fp = c["tp"], c["fn"], c["fp"]
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score_text(output: str, page: Page) -> dict:
    """A page's P/R/F1 (and snippet counts on the trafilatura subset)."""
    if page.subset == "trafilatura":
        counts = snippet_counts(output, page)
        p, r, f = counts_prf(counts)
        return {"p": p, "r": r, "f1": f, **counts}
    p, r, f = prf(output, page.expected)
    row = {"p": p, "r": r, "f1": f}
    if page.captions:
        flat = squeeze(output)
        row["captions"] = all(squeeze(c) in flat for c in page.captions)
    return row


def _parse_expected_date(value: str, default_zone) -> datetime | None:
    value = value.strip().replace(" ", "T", 1)
    value = re.sub(r"\.\d+", "", value).replace("Z", "+00:00")
    value = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", value)
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=default_zone)


def date_right(found: str | None, page: Page) -> bool | None:
    """None when the page has no expected date; else whether ``found`` is on its day."""
    if not page.date:
        return None
    if not found:
        return False
    zone = CHINA if page.subset == "quality-zh" else UTC
    expected = _parse_expected_date(page.date, zone)
    if expected is None:
        return None
    if len(found) == 10:  # a bare date (trafilatura's): the day as the page shows it
        return found == expected.date().isoformat()
    ours = _parse_expected_date(found, zone)
    if ours is None:
        return False
    offset = expected.utcoffset() or timedelta(0)
    return ours.astimezone(timezone(offset)).date() == expected.date()


def _name(value: str) -> str:
    value = re.sub(r"^\s*(by|von|par)\s+", "", normalize(value))
    return re.sub(r"[\W_]+", " ", value).strip()


def author_right(found: str | None, page: Page) -> bool | None:
    if not page.author:
        return None
    if not found:
        return False
    a, b = _name(found), _name(page.author)
    return bool(a and b) and (a in b or b in a)


def title_right(found: str | None, page: Page) -> bool | None:
    if not page.title:
        return None
    return bool(found) and squeeze(found or "") == squeeze(page.title)


# --- loading -----------------------------------------------------------------------------

def _html_text(html: str) -> str:
    from selectolax.lexbor import LexborHTMLParser

    from newsmirror.util.htmltext import html_to_text

    tree = LexborHTMLParser(html)
    return html_to_text(tree.body.html if tree.body is not None else html)


def trafilatura_pages() -> Iterator[Page]:
    base = DEV / "trafilatura-eval"
    data = json.loads((base / "evaldata.json").read_text("utf-8"))
    for url, item in data.items():
        body = gzip.decompress((base / "html" / item["file"]).read_bytes())
        yield Page("trafilatura", item["file"].removesuffix(".html.gz"), url, body,
                   with_=item["with"], without=item["without"])


def readability_pages() -> Iterator[Page]:
    for folder in sorted((DEV / "readability").iterdir()):
        source = folder / "source.html.gz"
        if not source.exists():
            continue
        meta = json.loads((folder / "expected-metadata.json").read_text("utf-8"))
        expected = _html_text(gzip.decompress((folder / "expected.html.gz").read_bytes())
                              .decode("utf-8"))
        yield Page("readability", folder.name, READABILITY_URL,
                   gzip.decompress(source.read_bytes()), language=meta.get("lang") or "",
                   expected=expected, date=meta.get("publishedTime"),
                   author=meta.get("byline"), title=meta.get("title") or None)


def quality_pages() -> Iterator[Page]:
    manifest = json.loads((QUALITY / "manifest.json").read_text("utf-8"))
    zh_meta = json.loads((PAGES_ZH / "pages.json").read_text("utf-8"))
    for entry in manifest["pages"]:
        file, name = entry["file"], entry["name"]
        shared = file.startswith("shared:")
        path = PAGES_ZH / "html" / file[7:] if shared else QUALITY / "pages" / file
        meta = zh_meta.get(name, {}) if shared else {}
        lang = entry["language"]
        yield Page(f"quality-{lang}", name, entry.get("url") or "http://localhost/",
                   path.read_bytes(), language=lang,
                   expected=(QUALITY / "expected" / f"{name}.txt").read_text("utf-8"),
                   captions=entry.get("captions", []), date=meta.get("date"),
                   title=meta.get("title"), tz="Asia/Shanghai" if lang == "zh" else "UTC")


LOADERS = {"trafilatura": trafilatura_pages, "readability": readability_pages,
           "quality-en": quality_pages, "quality-zh": quality_pages}


def missing_sets() -> list[str]:
    """The shared folders this machine lacks (the sets then cannot be scored)."""
    return [str(p) for p in (DEV / "trafilatura-eval", DEV / "readability", PAGES_ZH)
            if not p.exists()]


def load(subsets: tuple[str, ...] = SUBSETS, every: int = 1) -> list[Page]:
    """The pages of ``subsets``; ``every=N`` keeps every Nth page of each (a slice)."""
    pages: list[Page] = []
    loaders = dict.fromkeys(LOADERS[s] for s in subsets)  # quality loads once for both
    for loader in loaders:
        pages += [p for p in loader() if p.subset in subsets]
    if every > 1:
        kept: list[Page] = []
        for subset in subsets:
            kept += [p for p in pages if p.subset == subset][::every]
        pages = kept
    return pages
