"""The proofbox.v1 gRPC server: thin servicers over the evidence and policy cores.

Start one with :func:`server.app.run` (what ``proofbox serve`` does) or, in tests,
``ProofboxServer(config).start()``. Configuration: :class:`server.config.ServerConfig`. Status
mapping: :mod:`server.errors`. Storage: :mod:`server.store`.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
