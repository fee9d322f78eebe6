"""Publishing: what a run wrote, committed to the site's git repository (``run --commit``)."""

from ..errors import PublishError
from ._git import commit_changes, commit_message

__all__ = ["PublishError", "commit_changes", "commit_message"]
