"""The widget kit every page is built from: fields, the exercise card, the module page, help and links.

Runs in the kernel; what the browser runs is the style sheet and small anywidget scripts."""
