"""XML names of the feed formats, and the helpers that read element names."""

from __future__ import annotations

NS_ATOM = "http://www.w3.org/2005/Atom"


NS_ATOM03 = "http://purl.org/atom/ns#"


NS_RSS10 = "http://purl.org/rss/1.0/"


NS_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"


NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"


NS_DC = "http://purl.org/dc/elements/1.1/"


NS_DCT = "http://purl.org/dc/terms/"


NS_XHTML = "http://www.w3.org/1999/xhtml"


NS_MEDIA = "http://search.yahoo.com/mrss/"


NS_ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"


RDF_ABOUT = f"{{{NS_RDF}}}about"


def local_name(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    if tag[:1] == "{":
        return tag.rsplit("}", 1)[1]
    return tag.rsplit(":", 1)[-1]


def namespace_of(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag[:1] == "{" else ""


def qname(el) -> str:
    local = local_name(el.tag)
    return (
        f"{el.prefix}:{local}"
        if el.prefix
        else (el.tag if ":" in el.tag and el.tag[:1] != "{" else local)
    )
