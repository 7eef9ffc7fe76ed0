"""Run mypy over the euradar package as it installs, from this checkout.

The folders are mapped onto ``euradar.*`` by setuptools' package-dir (pyproject.toml), which
mypy cannot follow through the editable-install hook. So this builds the installed shape as a
tree of symlinks in ``build/typecheck`` and checks that; mypy's messages name the real files.

    python tools/typecheck.py [extra mypy arguments]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREE = ROOT / "build" / "typecheck"


def link_tree() -> Path:
    table = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_dir: dict[str, str] = table["tool"]["setuptools"]["package-dir"]
    shutil.rmtree(TREE, ignore_errors=True)
    # Parents first, so "euradar" is a real folder the subpackage links can sit in.
    for name, folder in sorted(package_dir.items(), key=lambda kv: kv[0].count(".")):
        target = TREE.joinpath(*name.split("."))
        if name.count(".") == 0:
            target.mkdir(parents=True)
            for entry in (ROOT / folder).iterdir():
                if entry.name != "__pycache__":
                    (target / entry.name).symlink_to(entry)
        else:
            target.symlink_to(ROOT / folder, target_is_directory=True)
    return TREE


def main(argv: list[str]) -> int:
    tree = link_tree()
    env = {**os.environ, "MYPYPATH": str(tree)}
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
               "-p", "euradar", *argv]
    return subprocess.run(command, cwd=tree, env=env).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
