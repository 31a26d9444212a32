"""Training in the window: a QThread worker around backends.training, the panel, live plots, run comparison.

Import the submodules you need (panel, plots, view); this package imports nothing so
that loading it costs nothing and never pulls in torch.
"""
