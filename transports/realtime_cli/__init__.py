"""realtime_cli: the ``realtime-proto`` command, an application over ``realtime_blocking``.

``realtime-proto converse`` holds one conversation turn (with ``--url``, with Azure OpenAI or
OpenAI when the environment names one, otherwise with the embedded simulator); ``realtime-proto
serve`` runs the simulator on a local port; ``realtime-proto replay FILE`` serves a recorded
conversation (a cassette) on one. ``python -m realtime_cli`` is the same command. A
mistake is one line on stderr and an exit status (2 usage, 1 failure, 130 Ctrl-C), never a
traceback.
"""

from ._command import main

__all__ = ["main"]
