"""One module per exercise type or family; importing this package registers them all.

Runs in the kernel."""
from . import (  # noqa: F401
               activities,
               agreement,
               checkin,
               journal_panel,
               menu,
               progress,
               safety,
               selfcheck,  # (each registers its exercise types)
)
