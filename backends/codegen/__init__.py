"""Turning a graph into Python source; pure string work, no torch import."""
