"""The node inspector: header, shapes, a parameter form generated from the catalog,
an activation curve, and the node's problems."""

from designer.inspector.inspector import HINT, InspectorWidget

__all__ = ["HINT", "InspectorWidget"]
