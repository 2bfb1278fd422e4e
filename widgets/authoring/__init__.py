"""Writes what is generated from content: notebooks, timed plans, facilitator notes, the handbook.

Runs on the command line (``closer-again build``, ``guide``) and in the group command."""
