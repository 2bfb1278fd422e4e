"""The widget kit every page is built from: fields, the exercise card, the module page, help and links.

Runs in the kernel; what the browser runs is the style sheet and small anywidget scripts."""

from .shared_models import share_default_styles

share_default_styles()  # hundreds of style models fewer per page: see shared_models
