"""Build the nn.Module a graph describes by executing its generated source.

There is one translation: the text `export` writes is the text executed here, so
what trains is what is exported.
"""

from __future__ import annotations

import linecache
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from backends.codegen.model_source import GeneratedModel, generate_model
from nodes.analysis import Analysis, analyze
from nodes.graph import GraphDocument


@dataclass
class BuiltModel:
    model: nn.Module
    code: GeneratedModel
    analysis: Analysis
    namespace: dict[str, Any]

    def make_loss(self) -> nn.Module:
        return self.namespace["make_loss"]()

    def make_optimizer(self, model: nn.Module | None = None) -> torch.optim.Optimizer:
        return self.namespace["make_optimizer"](model or self.model)


_counter = 0


def execute_source(code: GeneratedModel, label: str = "netcanvas") -> dict[str, Any]:
    """Run generated source in a fresh namespace; tracebacks show its lines."""
    global _counter
    _counter += 1
    filename = f"<{label}-generated-{_counter}>"
    # Registering the text lets tracebacks and inspect show the generated lines.
    linecache.cache[filename] = (len(code.source), None, code.source.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": f"netcanvas_generated_{_counter}"}
    exec(compile(code.source, filename, "exec"), namespace)
    return namespace


def build_model(doc: GraphDocument, analysis: Analysis | None = None) -> BuiltModel:
    """Analyse, generate and execute; raises CodegenError listing the graph's errors."""
    analysis = analysis or analyze(doc)
    code = generate_model(doc, analysis)
    namespace = execute_source(code)
    model = namespace[code.class_name]()
    return BuiltModel(model=model, code=code, analysis=analysis, namespace=namespace)
