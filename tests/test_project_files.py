"""The project files agree with each other.

pyproject.toml is the one list of dependencies; environment.yml (conda,
Binder), the Makefile and .ci/run only point at it. These tests fail when one
of them drifts.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
TORCH_PIN = "torch==2.13.0"


@pytest.fixture(scope="module")
def pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def env() -> dict:
    with open(ROOT / "environment.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def extras(pyproject) -> dict[str, list[str]]:
    return pyproject["project"]["optional-dependencies"]


def conda_deps(env) -> tuple[list[str], list[str]]:
    """Split environment.yml's dependencies into (conda specs, pip lines)."""
    conda, pip = [], None
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            assert list(dep) == ["pip"], f"unexpected mapping in dependencies: {dep}"
            assert pip is None, "more than one pip: section"
            pip = dep["pip"]
        else:
            conda.append(str(dep))
    assert pip is not None, "environment.yml has no pip: section"
    return conda, pip


def conda_name(spec: str) -> str:
    return re.split(r"[\s=<>!~]", spec, maxsplit=1)[0]


def lower_bound(spec: str) -> str:
    bounds = [s.version for s in SpecifierSet(spec) if s.operator == ">="]
    assert len(bounds) == 1, f"expected exactly one '>=' bound in {spec!r}"
    return bounds[0]


def editable_installs(lines: list[str]) -> list[tuple[str, set[str]]]:
    """(path, extras) of every `-e PATH[extras]` in pip-style argument lines."""
    found = []
    for line in lines:
        words = shlex.split(line)
        for flag, target in zip(words, words[1:]):
            if flag in ("-e", "--editable"):
                m = re.fullmatch(r"(?P<path>[^\[\]]+)(\[(?P<extras>[^\]]*)\])?", target)
                assert m, f"cannot parse editable target {target!r}"
                names = {e.strip() for e in (m["extras"] or "").split(",") if e.strip()}
                found.append((m["path"], names))
    return found


def make_recipe(target: str) -> list[str]:
    """The recipe lines of one Makefile rule."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    recipe, inside = [], False
    for line in lines:
        if re.match(rf"^{re.escape(target)}\s*:(?!=)", line):
            inside = True
        elif inside and line.startswith("\t"):
            recipe.append(line.strip())
        elif inside and line.strip() and not line.startswith("#"):
            break
    assert recipe, f"Makefile has no recipe for {target!r}"
    return recipe


def all_requirements(pyproject) -> list[str]:
    reqs = list(pyproject["build-system"]["requires"])
    reqs += pyproject["project"].get("dependencies", [])
    for group in pyproject["project"].get("optional-dependencies", {}).values():
        reqs += group
    return reqs


def test_python_lower_bound_matches(pyproject, env):
    conda, _ = conda_deps(env)
    (python,) = [s for s in conda if conda_name(s) == "python"]
    assert lower_bound(python.removeprefix("python")) == lower_bound(
        pyproject["project"]["requires-python"]
    )


def test_conda_lists_only_python_and_pip(env):
    conda, _ = conda_deps(env)
    assert sorted(conda_name(s) for s in conda) == ["pip", "python"]


def test_conda_pip_installs_project_editable(env, extras):
    _, pip = conda_deps(env)
    installs = editable_installs(pip)
    assert [path for path, _ in installs] == ["."], f"pip section: {pip}"
    assert len(pip) == 1, f"pip section must install only the project: {pip}"
    (_, names), = installs
    assert names, "environment.yml should install an extra (notebooks)"
    assert names <= set(extras), f"unknown extras {names - set(extras)}"


def test_make_setup_installs_dev_extra(extras):
    installs = editable_installs(make_recipe("setup"))
    assert (".", {"dev"}) in installs
    assert "dev" in extras


def test_make_oracle_installs_oracle_extra(extras):
    assert (".", {"oracle"}) in editable_installs(make_recipe("oracle"))
    assert extras["oracle"] == [TORCH_PIN]


def test_self_referencing_extras_exist(pyproject, extras):
    name = pyproject["project"]["name"]
    self_refs = [
        Requirement(r) for group in extras.values() for r in group
        if Requirement(r).name == name
    ]
    assert self_refs, "expected dev to pull in cnnlab[notebooks]"
    for req in self_refs:
        assert req.extras, f"{req} names no extra"
        assert req.extras <= set(extras), f"{req}: unknown extras {req.extras - set(extras)}"


def test_torch_only_ever_pinned(pyproject):
    torch = [r for r in all_requirements(pyproject) if Requirement(r).name.lower() == "torch"]
    assert torch, "torch should appear in the oracle extra"
    assert all(r.replace(" ", "") == TORCH_PIN for r in torch), torch
    # An unpinned torch pulls a multi-GB CUDA build from PyPI; no script may ask for one.
    for path in ("Makefile", ".ci/run", "environment.yml"):
        for line in (ROOT / path).read_text(encoding="utf-8").splitlines():
            if re.search(r"\bpip\b.*\binstall\b", line) or path == "environment.yml":
                for m in re.finditer(r"\btorch\b\S*", line):
                    assert m.group(0).startswith(TORCH_PIN), f"{path}: {line.strip()!r}"


@pytest.mark.processes
def test_make_test_keeps_its_scratch_files_out_of_the_tree(tmp_path):
    # the notebooks' training runs, Hypothesis's cache and the browser tests' screenshots
    # go to TEST_TMP, as the student's files do, so a test run leaves the tree as it was
    if shutil.which("make") is None:
        pytest.skip("make not found")
    dry_run = subprocess.run(["make", "-n", "-C", str(ROOT), "test", f"TEST_TMP={tmp_path}"],
                             capture_output=True, text=True, check=True).stdout
    commands = [line for line in dry_run.replace("\\\n", " ").splitlines() if " -m pytest " in line]
    assert len(commands) == 2, dry_run
    for command in commands:
        for setting in ("CNNLAB_RUNS_DIR=runs", "HYPOTHESIS_STORAGE_DIRECTORY=hypothesis",
                        "CNNLAB_SCREENSHOTS_DIR=screenshots"):
            name, folder = setting.split("=")
            assert f"{name}={tmp_path}/{folder} " in command, command


def test_the_notebooks_write_their_runs_where_cnnlab_runs_dir_says():
    notebooks = [path for folder in ("notebooks", "dashboard") for path in sorted((ROOT / folder).rglob("*.ipynb"))
                 if ".ipynb_checkpoints" not in path.parts]
    assert notebooks
    for path in notebooks:
        for cell in nbformat.read(path, as_version=4).cells:
            code = "\n".join(line.split("#")[0] for line in cell.source.splitlines())
            if cell.cell_type == "code" and re.search(r"""["']runs(/|["'])""", code):
                assert "CNNLAB_RUNS_DIR" in code, f"{path.relative_to(ROOT)}: {cell.source[:200]}"
