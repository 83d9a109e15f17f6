"""The user's data folder: where it is, its place in the models search, and ``segue learn-style`` without
torch (a clear message instead of a traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from test_style_graph import write_midi_folder

from bridge.cli import main as cli_main
from bridge.folder_learning import style_roots
from bridge.loading import models_folders, shipped_models, user_data_folder, user_styles_folder

REPO = Path(__file__).resolve().parent.parent

# runs segue's command line in a Python where ``import torch`` fails as it does without the export extra
NO_TORCH = """
import sys
from importlib.abc import MetaPathFinder

class HideTorch(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, HideTorch())
from bridge.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_segue_data_overrides_the_user_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("SEGUE_DATA", str(tmp_path / "mine"))
    assert user_data_folder() == tmp_path / "mine"
    assert user_styles_folder() == tmp_path / "mine" / "styles"
    assert style_roots()[0] == tmp_path / "mine" / "styles"  # /segue/style/learn reads the same folder


def test_the_user_folder_follows_xdg_data_home(monkeypatch, tmp_path):
    monkeypatch.delenv("SEGUE_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert user_data_folder() == tmp_path / "xdg" / "segue"
    assert user_styles_folder() == user_data_folder() / "styles"


def test_models_folders_search_given_then_user_then_shipped(monkeypatch, tmp_path):
    monkeypatch.setenv("SEGUE_DATA", str(tmp_path / "data"))
    given = tmp_path / "given"
    assert models_folders([given]) == [given, tmp_path / "data", shipped_models()]
    assert models_folders() == [tmp_path / "data", shipped_models()]


def test_learn_style_never_writes_into_the_shipped_models(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SEGUE_DATA", str(tmp_path / "data"))
    write_midi_folder(tmp_path / "jigs", tunes=2, random_pieces=0)
    before = (shipped_models() / "manifest.json").read_bytes()
    rc = cli_main(["learn-style", str(tmp_path / "jigs"), "--name", "jigs", "--out", str(shipped_models()),
                   "--no-progress"])
    assert rc == 1 and "is not written to" in capsys.readouterr().err
    assert (shipped_models() / "manifest.json").read_bytes() == before
    assert not (shipped_models() / "styles" / "jigs").exists()


def test_learn_style_without_torch_says_what_to_install(tmp_path):
    write_midi_folder(tmp_path / "jigs", tunes=2, random_pieces=0)
    env = {**os.environ, "SEGUE_DATA": str(tmp_path / "data"),
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
    probe = subprocess.run([sys.executable, "-c", NO_TORCH.replace("from bridge.cli import main\n",
                                                                    "import torch\n")],
                           env=env, capture_output=True, text=True, timeout=120)
    assert "No module named 'torch'" in probe.stderr  # the wrapper really hides torch
    out = subprocess.run([sys.executable, "-c", NO_TORCH, "learn-style", str(tmp_path / "jigs"),
                          "--name", "jigs", "--no-progress"],
                         env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr, out.stderr
    assert "pip install 'segue[export]' --extra-index-url https://download.pytorch.org/whl/cpu" in out.stderr
    assert "pip install -e '.[export]'" in out.stderr and "/segue/style/learn FOLDER" in out.stderr
    assert not (tmp_path / "data").exists()  # nothing was written anywhere
