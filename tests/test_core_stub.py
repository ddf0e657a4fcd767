"""The hand-written stub tokenizer/_core.pyi declares exactly what tokenizer._core binds.

Compares names only (module level, and each class's methods and properties); signatures are
checked by reading csrc/bindings.cc when the stub is edited.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from tokenizer import _core

STUB = Path(__file__).resolve().parents[1] / "tokenizer" / "_core.pyi"


def _public(names) -> set[str]:
    return {n for n in names if not n.startswith("_")}


def _stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text(encoding="utf-8"), filename=str(STUB))


def _top_level(tree: ast.Module) -> dict[str, ast.AST]:
    out: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = node
        elif isinstance(node, ast.Assign):
            out.update((t.id, node) for t in node.targets if isinstance(t, ast.Name))
    return out


def _runtime_classes() -> list[str]:
    return sorted(n for n in _public(dir(_core)) if inspect.isclass(getattr(_core, n)))


def test_stub_and_marker_ship_in_the_package():
    assert STUB.is_file()
    assert (STUB.parent / "py.typed").is_file()


def test_stub_top_level_names_match_the_module():
    declared = _top_level(_stub_tree())
    assert _public(declared) == _public(dir(_core))
    assert "__version__" in declared and isinstance(_core.__version__, str)


@pytest.mark.parametrize("cls", _runtime_classes())
def test_stub_class_members_match_the_runtime_class(cls: str):
    node = _top_level(_stub_tree())[cls]
    assert isinstance(node, ast.ClassDef)
    declared = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
    runtime = getattr(_core, cls)
    inherited = dir(BaseException) if issubclass(runtime, BaseException) else []  # args, ...
    assert _public(declared) == _public(dir(runtime)) - set(inherited)


def _stub_functions() -> list[tuple[str, ast.FunctionDef]]:
    """(qualified name, node) of every stub function and method that is not a property."""
    out = []
    for node in _stub_tree().body:
        if isinstance(node, ast.FunctionDef):
            out.append((node.name, node))
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not any(
                    isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list
                ):
                    out.append((f"{node.name}.{item.name}", item))
    return out


def _runtime_param_names(qualname: str) -> list[str]:
    obj = _core
    for part in qualname.split("."):
        obj = getattr(obj, part)
    # pybind11 puts the signature on the docstring's first non-empty line: name(a: T, b: U = 1) -> R
    line = next(ln for ln in obj.__doc__.splitlines() if ln.strip())
    names = re.findall(r"[(,] ?(\w+): ", line)
    return [n for n in names if n != "self"]


@pytest.mark.parametrize(
    "qualname,node", [pytest.param(q, n, id=f"{q}:{n.lineno}") for q, n in _stub_functions()]
)
def test_stub_parameter_names_match_the_bindings(qualname: str, node: ast.FunctionDef):
    args = node.args
    keyword_capable = [a.arg for a in args.args + args.kwonlyargs if a.arg != "self"]
    runtime = _runtime_param_names(qualname)
    # positional-only stub parameters are pybind11's unnamed arg0, arg1, ...
    assert runtime[len(args.posonlyargs) :] == keyword_capable, qualname


def test_every_stub_function_has_a_docstring():
    for node in ast.walk(_stub_tree()):
        if isinstance(node, ast.FunctionDef):
            assert ast.get_docstring(node), f"{node.name} (line {node.lineno}) has no docstring"
