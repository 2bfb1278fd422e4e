"""QR codes for the participant link: in the terminal and on the facilitator dashboard."""
from __future__ import annotations

import base64
import io
import sys

import qrcode
import qrcode.image.svg

from .. import settings


def qr_terminal(text: str, color: bool | None = None) -> str:
    """The QR code as text, two modules per character.

    In a colour terminal it is drawn black on white whatever the terminal's own
    colours; otherwise light parts are drawn as blocks (for the usual dark terminal).
    """
    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    m = [[bool(x) for x in row] for row in qr.get_matrix()]
    if len(m) % 2:
        m.append([False] * len(m[0]))
    if color is None:
        color = sys.stdout.isatty() and settings.current().terminal not in ("", "dumb")
    if color:
        glyph = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
        start, end = "\x1b[30;107m", "\x1b[0m"
    else:
        glyph = {(True, True): " ", (True, False): "▄", (False, True): "▀", (False, False): "█"}
        start = end = ""
    return "\n".join(start + "".join(glyph[(a, b)] for a, b in zip(top, bottom)) + end
                     for top, bottom in zip(m[0::2], m[1::2]))


def qr_svg_data_uri(text: str) -> str:
    """The QR code as an inline SVG (a data: URI): nothing loaded from anywhere."""
    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()
