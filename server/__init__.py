"""RefundProof (退款鉴证) local server."""

__version__ = "0.1.0"
TOOL_NAME = "RefundProof"
