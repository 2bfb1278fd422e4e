"""Group sessions: access code, warm kernels, the session's lifecycle, QR codes, the pulse, the facilitator dashboard.

``access`` and ``kernels`` run inside the Voila server; ``session``, ``serve``, ``qr`` and ``processes`` on the command line; ``pulse`` and ``dashboard`` in kernels."""
