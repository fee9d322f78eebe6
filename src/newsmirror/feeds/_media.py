"""What podcast and media feeds carry beside the text: enclosures (RSS ``<enclosure>``,
Atom ``rel="enclosure"``, Media RSS audio/video), a lead image (``media:content`` of an
image, ``media:thumbnail``), and descriptions (``media:description``, often inside a
``media:group`` as YouTube writes it), and how the post's body carries them."""

from __future__ import annotations

import html
import mimetypes

from ._names import NS_MEDIA, local_name
from ._text import LOOKS_HTML, el_text, text_to_html

__all__ = ["MEDIA_TAGS", "Media", "text_or_html", "with_media"]

# Media RSS's namespace as feeds write it (with and without its final slash, and the bare
# prefix of a feed that forgot to declare it)
_MEDIA_PREFIXES = ("{" + NS_MEDIA, "{" + NS_MEDIA.rstrip("/") + "}", "media:")
MEDIA_TAGS = frozenset(
    p + ("" if p.endswith((":", "}")) else "}") + n
    for p in ("{" + NS_MEDIA.rstrip("/") + "/", "{" + NS_MEDIA.rstrip("/"), "media:")
    for n in ("group", "content", "thumbnail", "description")
)


class Media:
    """Enclosures, images and descriptions found among one item's children."""

    __slots__ = ("descriptions", "enclosures", "images", "thumbnails")

    def __init__(self) -> None:
        self.enclosures: list[tuple[str, str]] = []  # (URL, MIME type or "")
        self.images: list[str] = []  # media:content of an image
        self.thumbnails: list[str] = []
        self.descriptions: list[str] = []  # as HTML

    def enclosure(self, url: str | None, mime: str | None) -> None:
        if not url or url.isspace():
            return
        url = url.strip()
        mime = (mime or "").strip().lower()
        if not mime:  # told by the file name
            mime = mimetypes.guess_type(url.split("?", 1)[0].split("#", 1)[0])[0] or ""
        if mime.startswith("image/"):
            self.images.append(url)
        elif all(u != url for u, _ in self.enclosures):
            self.enclosures.append((url, mime))

    def read(self, el) -> None:
        """A Media RSS element (media:content, media:thumbnail, media:description, or a
        media:group of them)."""
        name = local_name(el.tag)
        if name == "group":
            for child in el:
                if isinstance(child.tag, str) and child.tag.startswith(_MEDIA_PREFIXES):
                    self.read(child)
        elif name == "content":
            url = el.get("url")
            medium = (el.get("medium") or "").lower()
            mime = el.get("type") or ""
            if medium == "image" and not mime:
                mime = "image/*"
            if mime.lower().startswith(("image/", "audio/", "video/")) or medium in (
                "audio",
                "video",
            ):
                self.enclosure(url, mime or medium + "/*")
            for child in el:  # media:content may hold its own thumbnail and description
                if isinstance(child.tag, str):
                    self.read(child)
        elif name == "thumbnail":
            url = el.get("url")
            if url and not url.isspace():
                self.thumbnails.append(url.strip())
        elif name == "description":
            text = el_text(el)
            if text and not text.isspace():
                if (el.get("type") or "").lower() == "html":
                    self.descriptions.append(text)
                else:
                    self.descriptions.append(text_to_html(text))

    def finish(self, resolve, body: str) -> tuple[str, tuple[tuple[str, str], ...], str | None]:
        """The body (the fullest of it and the descriptions) with the media in it, the
        enclosures and the lead image, their URLs made absolute by ``resolve``."""
        for text in self.descriptions:
            if len(text) > len(body):
                body = text
        enclosures = tuple((resolve(url) or url, mime) for url, mime in self.enclosures)
        found = self.images or self.thumbnails
        image = (resolve(found[0]) or found[0]) if found else None
        if enclosures or image:
            body = with_media(body, enclosures, image)
        return body, enclosures, image


def text_or_html(s: str) -> str:
    """A field that is plain text by its spec but carries HTML in many feeds
    (itunes:summary): as it is when it plainly is HTML, else escaped."""
    return s if LOOKS_HTML.search(s) else text_to_html(s)


def with_media(body: str, enclosures: tuple[tuple[str, str], ...], image: str | None) -> str:
    """``body`` with the lead image before it (when the body shows no image) and each
    enclosure after it (an <audio> or <video> player, else a link) that it does not
    already link to."""
    parts = []
    if image and "<img" not in body and image not in body:
        parts.append(f'<figure><img src="{html.escape(image)}" alt=""></figure>')
    parts.append(body)
    for url, mime in enclosures:
        if url in body or html.escape(url) in body:
            continue
        src = html.escape(url)
        kind = mime.split("/", 1)[0]
        if kind in ("audio", "video"):
            parts.append(f'<p><{kind} controls src="{src}"></{kind}></p>')
        else:
            name = html.escape(url.rsplit("/", 1)[-1].split("?", 1)[0] or url, quote=False)
            parts.append(f'<p><a href="{src}">{name}</a></p>')
    return "".join(parts)
