"""Node type declarations, one module per family; each module exports SPECS."""
