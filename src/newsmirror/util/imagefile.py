"""Image files: what an image is, from its first bytes, and making one narrower.

A kept image is named by its content and given the extension its bytes show, never the
one its URL or Content-Type claims: a server that labels an HTML error page image/jpeg,
or a URL ending in .jpg that serves a PNG, must not produce a file the browser or
GitHub Pages misreads. SVG is not an image here: it may carry script, and a kept copy
is served from the mirror's own origin.
"""

from __future__ import annotations

import hashlib
import io

__all__ = ["IMAGES_DIR", "IMAGE_TYPES", "image_path", "image_type", "narrower"]

IMAGES_DIR = "assets/images"  # where a site keeps its images, by content

# extension -> the media type a browser is given for it
IMAGE_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
}


def image_type(data: bytes) -> str | None:
    """The extension of a raster image the browser can show (``IMAGE_TYPES``), from its
    magic number; None for anything else (SVG, HTML, an empty or truncated body)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    # ISO base media file: a 'ftyp' box whose brands include an AVIF one
    if data[4:8] == b"ftyp" and (b"avif" in data[8:32] or b"avis" in data[8:32]):
        return "avif"
    return None


def image_path(data: bytes) -> str | None:
    """Where a site keeps ``data``: ``assets/images/<2 hex>/<sha256>.<ext>`` (relative
    to the site), or None when it is not a raster image. Named by content, a file is
    written once however many posts show it."""
    extension = image_type(data)
    if extension is None:
        return None
    digest = hashlib.sha256(data).hexdigest()
    return f"{IMAGES_DIR}/{digest[:2]}/{digest}.{extension}"


def narrower(data: bytes, extension: str, max_width: int) -> bytes:
    """``data`` scaled down to ``max_width`` pixels wide, in its own format, or as it is
    when it is no wider, animated, or not readable by Pillow (``newsmirror[images]``)."""
    try:
        from PIL import Image  # optional: only image_max_width needs it
    except ImportError as exc:  # the run warns and keeps full sizes (pipeline/_images.py)
        raise RuntimeError(
            "image_max_width needs Pillow: pip install 'newsmirror[images]'"
        ) from exc
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width <= max_width or getattr(image, "is_animated", False):
                return data  # an animation would keep only its first frame
            height = max(1, round(image.height * max_width / image.width))
            # a JPEG decoded at 1/2, 1/4 or 1/8 scale, still at least the target size:
            # the decoder's DCT scaling costs a fraction of a full decode and resize
            image.draft("RGB", (max_width, height))
            smaller = image.resize((max_width, height), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            kind = "JPEG" if extension == "jpg" else extension.upper()
            options: dict[str, object] = {"quality": 85} if kind in ("JPEG", "WEBP") else {}
            if kind == "JPEG" and smaller.mode not in ("RGB", "L", "CMYK"):
                smaller = smaller.convert("RGB")
            smaller.save(out, kind, **options)
    except (OSError, ValueError, Image.DecompressionBombError):
        return data  # a file Pillow cannot read is kept as it came
    result = out.getvalue()
    return result if len(result) < len(data) else data
