"""A real build: the wheel carries the plugin and the bundled world, and an install finds it."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from tests.support import ROOT


def test_wheel_installs_a_server_that_finds_its_bundled_world(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "twisted/plugins/mud_plugin.py" in names
    assert "twisted/__init__.py" not in names and "twisted/plugins/__init__.py" not in names
    assert "mud/protocols/__init__.py" in names
    assert "mud/bundled_worlds/emberfall/village/rooms.yaml" in names
    for static in ("index.html", "client.js", "client.css"):
        assert f"mud/web/static/{static}" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = ("import sys; sys.path.insert(0, sys.argv[1]);"
             "from twisted.internet.task import Clock;"
             "from mud.config import bundled_world; from mud.world_loader import load_world;"
             "w = load_world(bundled_world(), Clock());"
             "print(bundled_world()); print(len(w.rooms))")
    out = subprocess.run([sys.executable, "-c", probe, str(site)], check=True,
                         capture_output=True, text=True, cwd=tmp_path).stdout.split()
    assert out[0].startswith(str(site / "mud" / "bundled_worlds"))
    assert int(out[1]) >= 25
