"""proofbox's client side: the generated proofbox.v1 stubs (:mod:`proofbox.v1`), JSON in and out of
them with protobuf's own mapping (:mod:`proofbox.jsonform`), and the ``proofbox`` command line
(:mod:`proofbox.cli`)."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
