"""docs/plugins.md stays true: every hook and argument documented, examples run."""

from __future__ import annotations

import inspect
import re
import types
from pathlib import Path

import pytest

from ifl_core.hookspecs import PLUGIN_API_VERSION
from ifl_core.registry import DISABLE_ENV, TRACE_ENV, build_plugin_manager, hook_specs
from ifl_core.testing import check_plugin

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def section(text: str, title: str) -> str:
    """The text of the ``## title`` section, up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/plugins.md has no section '## {title}'"
    return match.group(1)


def undocumented(reference: str, specs: dict) -> list[str]:
    """Hooks and hook arguments of ``specs`` that ``reference`` does not document.

    A hook is documented by a heading ``### `name(arg, ...)` `` listing exactly its
    arguments, and each argument by a bullet starting with ``- `arg` ``.
    """
    headings = dict(re.findall(r"^### `(\w+)\(([^)]*)\)`", reference, re.M))
    missing = []
    for name, func in specs.items():
        args = list(inspect.signature(func).parameters)
        if name not in headings:
            missing.append(name)
            continue
        if [a.strip() for a in headings[name].split(",") if a.strip()] != args:
            missing.append(f"{name}: heading lists ({headings[name]}), not {args}")
        block = reference.split(f"### `{name}(", 1)[1].split("\n### ", 1)[0]
        missing += [f"{name}.{a}" for a in args if f"- `{a}`" not in block]
    missing += [f"{name} (no such hook)" for name in headings if name not in specs]
    return missing


def test_every_hook_and_hook_argument_is_documented():
    reference = section(DOC.read_text(encoding="utf-8"), "Hook reference")

    assert undocumented(reference, hook_specs()) == []


def test_the_comparison_notices_a_new_hook_and_a_new_argument():
    reference = "### `ifl_register(registry)`\n\n- `registry`: the registry\n"

    def ifl_register(registry, options):
        """A later version of the hook."""

    def ifl_new_hook(settings):
        """A hook not in the reference."""

    found = undocumented(reference, {"ifl_register": ifl_register,
                                     "ifl_new_hook": ifl_new_hook})

    assert found == [
        "ifl_register: heading lists (registry), not ['registry', 'options']",
        "ifl_register.options",
        "ifl_new_hook",
    ]


def test_the_plugin_example_registers_a_conforming_clusterer():
    text = section(DOC.read_text(encoding="utf-8"), "Writing a plugin")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    module = types.ModuleType("my_ifl_plugin")
    exec(compile(code, "docs/plugins.md", "exec"), module.__dict__)

    checked = check_plugin(module, {"minibatch-kmeans": {"batch_size": 32}})

    assert checked == ["clusterer:minibatch-kmeans"]


def test_every_builtin_plugin_is_in_the_builtin_table():
    table = section(DOC.read_text(encoding="utf-8"), "Built-in plugins")
    documented = set(re.findall(r"^\| (\w+) \| `([\w-]+)` \|", table, re.M))
    _, registry = build_plugin_manager(entry_points=False)

    missing = {(e.kind, e.name) for e in registry.entries()} - documented
    assert not missing, f"built-ins missing from docs/plugins.md: {sorted(missing)}"


@pytest.mark.parametrize("needle", [
    DISABLE_ENV, TRACE_ENV, f"(now `{PLUGIN_API_VERSION}`",
])
def test_environment_variables_and_api_version_are_documented(needle):
    assert needle in DOC.read_text(encoding="utf-8")
