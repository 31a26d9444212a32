"""The one authority that turns user text into Python identifiers.

Every name in generated code passes through a Namespace: the result is a valid,
ASCII, non-keyword, non-builtin identifier that does not collide with the names
the generated module relies on (torch, nn, self, nn.Module's own attributes) or
with any other name already handed out.
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from collections.abc import Iterable

# Public attributes of torch.nn.Module (checked against torch by a test): a submodule
# called "eval" or "parameters" would silently replace the method.
MODULE_ATTRIBUTES = frozenset(
    [
        "T_destination",
        "add_module",
        "apply",
        "bfloat16",
        "buffers",
        "call_super_init",
        "children",
        "compile",
        "cpu",
        "cuda",
        "double",
        "dump_patches",
        "eval",
        "extra_repr",
        "float",
        "forward",
        "get_buffer",
        "get_extra_state",
        "get_parameter",
        "get_submodule",
        "half",
        "ipu",
        "load_state_dict",
        "modules",
        "mtia",
        "named_buffers",
        "named_children",
        "named_modules",
        "named_parameters",
        "parameters",
        "register_backward_hook",
        "register_buffer",
        "register_forward_hook",
        "register_forward_pre_hook",
        "register_full_backward_hook",
        "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook",
        "register_load_state_dict_pre_hook",
        "register_module",
        "register_parameter",
        "register_state_dict_post_hook",
        "register_state_dict_pre_hook",
        "requires_grad_",
        "set_extra_state",
        "set_submodule",
        "share_memory",
        "state_dict",
        "to",
        "to_empty",
        "train",
        "training",
        "type",
        "xpu",
        "zero_grad",
    ]
)

# Names the generated file itself uses.
GENERATED_FILE_NAMES = frozenset(
    {
        "self",
        "torch",
        "nn",
        "F",
        "model",
        "make_loss",
        "make_optimizer",
        "annotations",
        "main",
        "batch",
        "outputs",
        "sample",
    }
)

RESERVED = (
    frozenset(keyword.kwlist)
    | frozenset(keyword.softkwlist)
    | frozenset(dir(builtins))
    | MODULE_ATTRIBUTES
    | GENERATED_FILE_NAMES
)

_INVALID = re.compile(r"[^0-9a-zA-Z_]+")


def to_snake_identifier(text: str, fallback: str) -> str:
    """Best-effort readable identifier: 'Hidden Layer #1' -> 'hidden_layer_1'."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    words = _INVALID.sub("_", ascii_text).strip("_").lower()
    words = re.sub(r"_+", "_", words)
    if not words:
        words = fallback
    if words[0].isdigit():
        words = f"{fallback}_{words}"
    return words


def to_class_name(text: str, fallback: str = "Net") -> str:
    """'xor mlp' -> 'XorMlp'; keeps acronyms written in capitals ('MLP for XOR' -> 'MLPForXOR')."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    words = [w for w in _INVALID.split(ascii_text) if w]
    name = "".join(w[0].upper() + w[1:] for w in words)
    if not name or name[0].isdigit():
        name = fallback + name
    if name in RESERVED or keyword.iskeyword(name):
        name += "Model"
    return name


class Namespace:
    """Hands out unique identifiers; the same key always gets the same name."""

    def __init__(self, reserved: Iterable[str] = RESERVED) -> None:
        self._reserved: set[str] = set(reserved)
        self._taken: set[str] = set()
        self._by_key: dict[object, str] = {}

    def reserve(self, name: str) -> None:
        self._reserved.add(name)

    def claim(self, key: object, text: str, fallback: str = "node") -> str:
        if key in self._by_key:
            return self._by_key[key]
        base = to_snake_identifier(text, fallback)
        if base in self._reserved:
            base += "_"  # PEP 8's way around a keyword or builtin: class_, print_
        name = base
        index = 2
        while name in self._taken or name in self._reserved:
            name = f"{base.rstrip('_')}_{index}"
            index += 1
        self._taken.add(name)
        self._by_key[key] = name
        return name

    def __getitem__(self, key: object) -> str:
        return self._by_key[key]
