"""Pure-Python core: node catalog, graph document, shapes, validation and project files.

Imports neither torch nor Qt, so it loads fast and runs headless.
"""
