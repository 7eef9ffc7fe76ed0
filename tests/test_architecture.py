"""The package's shape: one namespace, dependencies pointing inward, no import cycles.

The graph is read from the source (tests/support/imports.py), so a function-level import that
would hide a cycle from the interpreter is still an edge here.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.imports import ROOT, build_graph, package_dirs

# Which rooms each room may import (besides itself). The core is the leaf; runtime and cli
# are the composition root and may import everything.
ALLOWED = {
    "euradar.core": set(),
    "euradar.nlp": {"euradar.core"},
    "euradar.infra": {"euradar.core", "euradar.nlp"},
    "euradar.crawlers": {"euradar.core"},
    "euradar.alerts": {"euradar.core", "euradar.nlp"},
    "euradar.consumers": {"euradar.core", "euradar.nlp", "euradar.alerts"},
    "euradar.web": {"euradar.core", "euradar.nlp", "euradar.alerts", "euradar.crawlers",
                    "euradar.runtime"},
}


def room(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


@pytest.fixture(scope="module")
def graph():
    return build_graph()


def test_the_package_has_no_import_cycles(graph):
    assert graph.cycles() == []


def test_every_room_imports_only_inward(graph):
    wrong = []
    for module, targets in graph.edges.items():
        allowed = ALLOWED.get(room(module))
        if allowed is None:
            continue  # euradar, euradar.runtime, euradar.cli: the composition root
        for target in targets:
            if target == "euradar":  # the root package: its version string, nothing else
                continue
            if room(target) != room(module) and room(target) not in allowed:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_the_core_imports_no_other_room(graph):
    core = {m: t for m, t in graph.edges.items() if room(m) == "euradar.core"}
    assert core, "no core modules found"
    assert {m: sorted(t) for m, t in core.items() if any(room(x) != "euradar.core" for x in t)} == {}


def test_the_cycle_check_finds_a_deliberate_cycle(tmp_path):
    pkg = tmp_path / "pkg"
    sub = tmp_path / "elsewhere"
    pkg.mkdir()
    sub.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import thing\n")
    (pkg / "b.py").write_text("def thing():\n    from pkg.sub.c import other  # hidden in a function\n")
    (pkg / "d.py").write_text("import pkg.a\n")
    (sub / "__init__.py").write_text("")
    (sub / "c.py").write_text("from pkg import a\nother = 1\n")
    graph = build_graph({"pkg": pkg, "pkg.sub": sub})
    assert graph.cycles() == [["pkg.a", "pkg.b", "pkg.sub.c"]]
    (sub / "c.py").write_text("other = 1\n")
    assert build_graph({"pkg": pkg, "pkg.sub": sub}).cycles() == []


def test_every_top_level_folder_is_mapped_into_the_one_namespace():
    dirs = package_dirs()
    assert all(name == "euradar" or name.startswith("euradar.") for name in dirs)
    for folder in ("crawlers", "consumers", "nlp", "infra"):
        assert ROOT / folder in dirs.values(), folder


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True, timeout=300)
    return next(out.glob("euradar-*.whl"))


def test_the_wheel_holds_only_the_euradar_package_with_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"euradar"}
    assert not [n for n in names if n.startswith("euradar/tests") or "mockserver" in n]
    # Every data file the code ships (templates, term lists, mappings, migrations ...) is in
    # the wheel: one left out of package-data works in a checkout and breaks when installed.
    missing = [wheel_name for wheel_name in _tracked_data_files() if wheel_name not in names]
    assert not missing, f"data files missing from the wheel (add them to package-data): {missing}"


def _tracked_data_files() -> list[str]:
    """Non-Python files git tracks inside the package folders, as wheel paths."""
    dirs = package_dirs()
    mapped = set(dirs.values())
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    out = []
    for rel in tracked:
        path = (ROOT / rel).resolve()
        if path.suffix in (".py", ".pyc", ".md", ".sh") or path.name in (".gitignore", "Dockerfile") \
                or "services" in path.relative_to(ROOT).parts[:2]:
            continue  # code, docs and the repository's service tooling (infra/services*, docker)
        owners = [(name, folder) for name, folder in dirs.items() if folder in path.parents]
        if not owners:
            continue
        # the innermost mapped folder owns the file
        name, folder = max(owners, key=lambda o: len(o[1].parts))
        assert folder in mapped
        out.append("/".join([*name.split("."), *path.relative_to(folder).parts]))
    assert "euradar/nlp/taxonomy.yaml" in out  # the walk finds what it must
    return out


def test_the_installed_wheel_imports_as_euradar_and_nothing_generic(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, timeout=300)
    probe = (
        "import importlib, importlib.util, sys\n"
        f"sys.path.insert(0, {str(target)!r})\n"
        "import euradar, euradar.runtime, euradar.web.app, euradar.crawlers.spider_process\n"
        f"assert euradar.__file__.startswith({str(target)!r}), euradar.__file__\n"
        "from euradar.core.settings import DEFAULT_SOURCES\n"
        "assert DEFAULT_SOURCES.is_file(), DEFAULT_SOURCES\n"
        "generic = [m for m in ('web', 'infra', 'nlp', 'crawlers', 'consumers', 'alerts')\n"
        "           if importlib.util.find_spec(m) is not None]\n"
        "assert generic == [], generic\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=120, cwd=tmp_path)
