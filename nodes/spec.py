"""The declaration every node type is made of.

A NodeSpec is data: what the palette shows, which parameters the inspector edits,
how shapes flow through the node, how many parameters torch will create, and how
its line of PyTorch is written. Torch classes are named by dotted strings so this
package never imports torch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from nodes.params import Param
from nodes.shapes import Shape


class Category(str, Enum):
    """How a node is grouped in the palette and coloured on the canvas."""

    DATA = "data"
    LAYER = "layer"
    ACTIVATION = "activation"
    MERGE = "merge"
    LOSS = "loss"
    OPTIMIZER = "optimizer"


class Role(str, Enum):
    """What a node means to code generation and training."""

    INPUT = "input"  # becomes an argument of forward()
    TARGET = "target"  # labels fed to a loss, never part of the model
    SOURCE = "source"  # a data set that feeds inputs and targets
    OP = "op"  # a computation inside the model
    LOSS = "loss"
    OPTIMIZER = "optimizer"


class DType(str, Enum):
    FLOAT = "float"
    INDEX = "index"  # integer class or token ids
    ANY = "any"  # passes its input's dtype through (Flatten, Identity, ...)


@dataclass(frozen=True)
class Port:
    name: str
    label: str = ""
    kind: str = "tensor"  # "tensor" or "loss" (a loss feeds an optimizer)
    optional: bool = False  # may be left unconnected

    @property
    def display_name(self) -> str:
        return self.label or self.name


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Arg:
    """One constructor argument. Arguments equal to torch's default are omitted from code."""

    name: str
    value: Any
    default: Any = MISSING  # MISSING: required, written positionally

    @property
    def required(self) -> bool:
        return self.default is MISSING

    @property
    def is_default(self) -> bool:
        return not self.required and self.value == self.default


@dataclass(frozen=True)
class ParamCount:
    trainable: int = 0
    # Buffers such as BatchNorm running statistics: saved with the weights, never trained.
    non_trainable: int = 0

    def __add__(self, other: ParamCount) -> ParamCount:
        return ParamCount(self.trainable + other.trainable, self.non_trainable + other.non_trainable)

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable


Params = Mapping[str, Any]
InferFn = Callable[[Params, Sequence[Shape]], tuple[Shape, ...]]
ArgsFn = Callable[[Params, Sequence[Shape]], list[Arg]]
ForwardFn = Callable[[str, Sequence[str], Params], str]
CountFn = Callable[[Params, Sequence[Shape]], ParamCount]
# (params, input shapes, type ids of the nodes feeding each input) -> advice for the user
AdviseFn = Callable[[Params, Sequence[Shape], Sequence[str]], list[str]]
# (params, input shapes, input dtypes) -> raise ShapeError when the dtypes cannot work
DTypeCheckFn = Callable[[Params, Sequence[Shape], Sequence["DType"]], None]


def _no_params(params: Params, shapes: Sequence[Shape]) -> ParamCount:
    return ParamCount()


@dataclass(frozen=True, kw_only=True)
class NodeSpec:
    type_id: str
    category: Category
    role: Role = Role.OP
    title: str
    explanation: str
    params: tuple[Param, ...] = ()
    inputs: tuple[Port, ...] = (Port("in"),)
    outputs: tuple[Port, ...] = (Port("out"),)
    infer: InferFn
    torch_class: str | None = None
    module_args: ArgsFn | None = None
    # Writes the node's forward expression from a module reference and input names.
    # None means "call the module on the inputs".
    forward: ForwardFn | None = None
    count: CountFn = field(default=_no_params)
    advise: AdviseFn | None = None
    short_name: str = "node"
    key_params: tuple[str, ...] = ()
    input_dtype: DType = DType.FLOAT
    output_dtype: DType = DType.FLOAT
    # Replaces the default "every input must be float" rule (losses, Embedding).
    check_dtypes: DTypeCheckFn | None = None
    # Zero gradient almost everywhere (Step): layers before it cannot learn.
    blocks_gradient: bool = False
    # Data sets: how many classes the targets hold for these parameters (None: regression
    # or unknown without reading the data), so analysis can check the classifier's width.
    class_count: Callable[[Params], int | None] | None = None
    # Sample configurations: (parameter overrides, input shapes). The catalog test runs
    # each through torch; the node reference in docs/ shows them.
    examples: tuple[tuple[dict[str, Any], tuple[Shape, ...]], ...] = ()
    # Merges take a variable number of inputs in1..inK, K given by the "inputs" parameter.
    variadic: bool = False

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.title} has no parameter {name!r}")

    def has_param(self, name: str) -> bool:
        return any(p.name == name for p in self.params)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def input_ports(self, params: Params | None = None) -> tuple[Port, ...]:
        if not self.variadic:
            return self.inputs
        default = int(self.defaults().get("inputs", 2))
        raw = (params or {}).get("inputs", default)
        # A bad value (from a hand-edited file) is reported by analysis; ports use the default.
        count = raw if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= 16 else default
        return tuple(Port(f"in{i}") for i in range(1, count + 1))

    def input_port(self, name: str, params: Params | None = None) -> Port | None:
        return next((p for p in self.input_ports(params) if p.name == name), None)

    def output_port(self, name: str) -> Port | None:
        return next((p for p in self.outputs if p.name == name), None)

    @property
    def is_module(self) -> bool:
        """True when the node owns an nn.Module attribute in generated code."""
        return self.torch_class is not None and self.role is Role.OP

    def forward_expression(self, ref: str, inputs: Sequence[str], params: Params) -> str:
        if self.forward is not None:
            return self.forward(ref, inputs, params)
        return f"{ref}({', '.join(inputs)})"
