"""Parts of a widget that are built the first time they are used.

Every widget model a page builds is sent to every phone that opens it. So parts most
visits never need (a passphrase prompt, "Try again", an erase confirmation) are built
only when first read::

    class Card(w.VBox):
        @built_on_use
        def retry(self) -> w.Button:
            ...

    is_built(card, "retry")   # False until card.retry is first read

Code that only tidies a part (hides it, empties it) asks ``is_built`` first, so tidying
never builds it.
"""
from __future__ import annotations

import functools

#: a cached property: built on first read, then the same part every time
built_on_use = functools.cached_property


def is_built(owner, name: str) -> bool:
    """Whether the part ``name`` of ``owner`` has been built yet."""
    return name in vars(owner)


def keep(owner, name: str, part):
    """Hold a part as built while its builder is still running (so what the builder draws can show it)."""
    vars(owner)[name] = part
    return part
