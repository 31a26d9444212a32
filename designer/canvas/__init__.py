"""The node-graph canvas: a scene that mirrors the graph document, and its view.

- scene.GraphScene: cards and wires kept in step with a DocumentController
- view.CanvasView: zoom, pan, grid, drops from the palette, tidy layout
- node_item / port_item / wire_item: the drawn pieces; card_content: what a card says
- interactions: mouse gestures (drawing a wire, moving cards) as small objects
"""

from designer.canvas.scene import GraphScene
from designer.canvas.view import NODE_MIME, CanvasView

__all__ = ["NODE_MIME", "CanvasView", "GraphScene"]
