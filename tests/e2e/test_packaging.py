"""Real builds and installs, each from a copy of the checkout in a temporary directory (a
build writes build/ and *.egg-info beside the sources): the wheel carries the plugin, the
bundled world and the web client; a plain editable install gives a working `twistd mud`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from tests.support import ROOT

# What a checkout holds besides its sources: never copied into the build.
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "var", "build", "dist", "*.egg-info",
                                     "__pycache__", ".ruff_cache", ".pytest_cache", "tests.*",
                                     "_trial_temp", "dropin.cache", "twistd.*")


def copy_of_checkout(tmp_path: Path) -> Path:
    source = tmp_path / "checkout"
    # symlinks=True: mud/bundled_worlds stays the link to worlds/ it is in the checkout.
    shutil.copytree(ROOT, source, symlinks=True, ignore=NOT_SOURCES)
    return source


def test_wheel_installs_a_server_that_finds_its_bundled_world(tmp_path):
    source = copy_of_checkout(tmp_path)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(tmp_path / "dist"), str(source)],
                   check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "twisted/plugins/mud_plugin.py" in names
    assert "twisted/__init__.py" not in names and "twisted/plugins/__init__.py" not in names
    assert "mud/protocols/__init__.py" in names
    assert "mud/bundled_worlds/emberfall/village/rooms.yaml" in names
    for static in ("index.html", "client.js", "client.css", "map.js", "map_store.js",
                   "map.css", "completion.js"):
        assert f"mud/web/static/{static}" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/", "worlds/"))]
    # The sysadmin's role tool (the first admin) is installed as the mud-role script, the
    # admin API's token tool as mud-admin-token.
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    scripts = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert scripts.startswith("[console_scripts]\n")
    assert "\nmud-role = mud.role_tool:main\n" in scripts
    assert "\nmud-admin-token = mud.admin_token_tool:main\n" in scripts
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


def test_a_plain_editable_install_gives_twistd_mud(tmp_path):
    """`pip install -e <checkout>` with no extra settings, in a fresh virtualenv."""
    source = copy_of_checkout(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # The dependencies (Twisted, Autobahn, setuptools...) come from the running environment
    # through a .pth line, so nothing is downloaded; only the checkout is installed.
    purelib = subprocess.run([str(python), "-c", "import sysconfig;"
                              "print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                              "--no-deps", "--no-build-isolation", "--no-index", "-e",
                              str(source)], capture_output=True, text=True, cwd=tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr
    # twistd's own entry point, run from outside the checkout (so the current directory
    # does not put the checkout on sys.path by accident).
    twistd = "import sys; sys.argv[0] = 'twistd'; from twisted.scripts.twistd import run; run()"
    result = subprocess.run([str(python), "-c", twistd, "mud", "--help"], capture_output=True,
                            text=True, cwd=tmp_path, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Unknown command" not in output
    assert "--telnet" in output and "--world" in output
    # And the editable install serves the checkout's own files.
    where = subprocess.run([str(python), "-c", "import mud, sys; print(mud.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    assert where.strip() == str(source / "mud" / "__init__.py")


def test_every_package_of_the_checkout_is_listed_for_the_wheel():
    # setup.cfg names its packages one by one (see its comment on package_dir); a new game
    # system package left off the list installs a server that cannot start.
    import configparser
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    packages = {".".join(init.parent.relative_to(ROOT).parts)
                for init in (ROOT / "mud").rglob("__init__.py")}
    assert packages - listed == set()
