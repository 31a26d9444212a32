"""Which nodes a training run uses: the data set, the model's input, the target, loss and optimizer."""

from __future__ import annotations

from dataclasses import dataclass

from nodes.analysis import Analysis, label
from nodes.graph import GraphDocument
from nodes.spec import Role


class PlanError(ValueError):
    """The graph cannot be trained; the message says what to wire or fix."""

    def __init__(self, message: str, node_id: str | None = None) -> None:
        super().__init__(message)
        self.node_id = node_id


@dataclass(frozen=True)
class TrainingPlan:
    source_id: str  # the data set node
    input_id: str  # the model's Input, fed by the data set's x
    target_id: str | None  # the Target fed by the data set's y; None when the loss compares with the input
    loss_id: str
    optimizer_id: str


def _data_source(doc: GraphDocument, analysis: Analysis, node_id: str, port: str) -> str:
    for edge in doc.in_edges(node_id):
        if edge.target_port == "data":
            spec = analysis.info[edge.source].spec
            if spec is not None and spec.role is Role.SOURCE and edge.source_port == port:
                return edge.source
            raise PlanError(f"{label(doc, node_id)} must be fed by a data set's '{port}' output", node_id)
    raise PlanError(f"{label(doc, node_id)} has no data: wire a data set's '{port}' output into it", node_id)


def plan_training(doc: GraphDocument, analysis: Analysis) -> TrainingPlan:
    blockers = analysis.training_blockers()
    if blockers:
        raise PlanError(blockers[0].message, blockers[0].node_id)
    if len(analysis.inputs) != 1:
        raise PlanError("training supports networks with exactly one Input for now")
    assert analysis.loss is not None and analysis.optimizer is not None
    input_id = analysis.inputs[0]
    source = _data_source(doc, analysis, input_id, "x")
    target_edge = next(e for e in doc.in_edges(analysis.loss) if e.target_port == "target")
    target_spec = analysis.info[target_edge.source].spec
    if target_spec is not None and target_spec.role is Role.INPUT:
        if target_edge.source != input_id:
            raise PlanError(
                f"{label(doc, analysis.loss)} must compare with the model's own Input", analysis.loss
            )
        return TrainingPlan(source, input_id, None, analysis.loss, analysis.optimizer)
    target_id = target_edge.source
    target_source = _data_source(doc, analysis, target_id, "y")
    if target_source != source:
        raise PlanError(
            f"{label(doc, input_id)} and {label(doc, target_id)} are fed by different data sets; "
            "wire x and y of the same data set",
            target_id,
        )
    return TrainingPlan(source, input_id, target_id, analysis.loss, analysis.optimizer)
