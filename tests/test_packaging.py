"""What a pip install carries: every package of the bot, the knowledge base, the encoder's
graphs and the example settings (a wheel built without them would start and then fail far
from the cause)."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT


def test_every_package_and_the_shipped_data_are_in_the_build():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "bot").rglob("__init__.py")
    }
    listed = set(setuptools["packages"])
    assert on_disk <= listed, f"add to pyproject's packages: {sorted(on_disk - listed)}"
    assert setuptools["package-dir"]["bot.shipped_knowledge"] == "knowledge"
    data = setuptools["package-data"]
    assert "env.example" in data["bot"] and (ROOT / "bot" / "env.example").is_file()
    assert data["bot.shipped_knowledge.entries"] == ["*.yaml"]
    # Every model file (graphs, weights) is in the wheel, by name, and nothing else is listed.
    models = {
        (".".join(path.parent.relative_to(ROOT).parts), path.name)
        for suffix in ("*.onnx", "*.npz")
        for path in (ROOT / "bot").rglob(suffix)
    }
    listed = {
        (package, name)
        for package, names in data.items()
        for name in names
        if name.endswith((".onnx", ".npz"))
    }
    assert models == listed
    assert ("bot.matching.multilingual", "e5-q4.onnx") in listed
    web = ROOT / "bot" / "web_adapter"
    assert data["bot.web_adapter"] == ["templates/*.html", "static/*"]
    assert {p.suffix for p in (web / "templates").iterdir()} == {".html"}
    assert {p.name for p in (web / "static").iterdir()} == {"dashboard.css", "dashboard.js"}
    # A real file, not a link (a checkout without symlinks, as on Windows, keeps it whole).
    example = ROOT / ".env.example"
    assert not example.is_symlink()
    assert example.read_bytes() == (ROOT / "bot" / "env.example").read_bytes()
