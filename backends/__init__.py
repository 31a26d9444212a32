"""PyTorch side of netcanvas: code generation, module building, data, training, export.

Never imports Qt. Submodules import torch only where they need it, so code
generation and export work without paying torch's start-up cost.
"""
