"""Each participant's own server on a JupyterHub: the Closer Again dashboard and nothing else.

The hub starts one of these per person (``jupyterhub-singleuser --config=THIS FILE``).
It serves the workshop pages through Voila, as a Jupyter Server extension, with our
template. JupyterLab, the classic notebook, terminals and the language server are off,
so a participant never sees code: the only pages are ``/voila/render/...``.
Nothing on the page loads from outside the hub (MathJax included).
"""

c = get_config()  # noqa: F821 - provided by Jupyter when it reads this file

# Only Voila. (A missing or False entry keeps an extension off.)
c.ServerApp.jpserver_extensions = {
    "voila.server_extension": True,
    "jupyterlab": False,
    "notebook": False,
    "notebook_shim": False,
    "jupyter_lsp": False,
    "jupyter_server_terminals": False,
    "nbclassic": False,
}
c.ServerApp.terminals_enabled = False
c.ServerApp.default_url = "/voila/render/00_start_here.ipynb"

# Voila inside a Jupyter Server reads mathjax_url from the server's settings. When it is
# missing there, Voila's page config points at cdnjs.cloudflare.com. The standalone Voila
# command sets it to None; do the same, so MathJax is never fetched from a CDN.
c.ServerApp.tornado_settings = {"mathjax_url": None, "mathjax_config": None}

c.VoilaConfiguration.template = "closer-again"
c.VoilaConfiguration.theme = "light"
c.VoilaConfiguration.show_tracebacks = False
c.VoilaConfiguration.file_allowlist = []
c.VoilaConfiguration.file_denylist = [".*"]  # (not "file_blocklist": Voila has no such option)

# Kernels of pages that were closed end after 30 minutes; the hub's idle culler ends the
# whole server later (see jupyterhub_config.py).
c.MappingKernelManager.cull_idle_timeout = 1800
c.MappingKernelManager.cull_interval = 120
c.MappingKernelManager.cull_connected = False
