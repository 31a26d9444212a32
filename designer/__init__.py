"""The Qt window: canvas, palette, inspector, plots. Reaches torch only through backends."""
