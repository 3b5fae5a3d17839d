"""Generated proofbox.v1 messages and gRPC stubs (``make gen``; committed, never edited by hand)."""
