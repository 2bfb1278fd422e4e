"""Where answers are kept: paths, the private journal and its lock, the browser-held journal, the pulse store.

Runs in the kernel (and the pulse store in the facilitator's dashboard kernel)."""
