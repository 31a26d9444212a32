"""The training engine: runs a generated model on a data set and reports plain Python values."""
