"""config.toml: defaults, round trip, bad values reported with file:line, unknown keys kept."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tui_notebook import paths
from tui_notebook.config import Config, load_config, save_config


def test_missing_file_gives_defaults_and_no_problems() -> None:
    config, problems = load_config()
    assert config == Config()
    assert config.theme == "tuinb-dark" and config.graphics == "auto" and config.autosave_seconds == 5.0
    assert config.media_as_files is False and config.keymap == {}
    assert problems == []


def test_round_trip_through_the_config_dir() -> None:
    config = Config(theme="tuinb-light", graphics="sixel", keymap={"run-cell": "ctrl+r,f5", "save": "ctrl+s"},
                    autosave_seconds=2.5, media_as_files=True)
    written = save_config(config)
    assert written == paths.config_dir() / "config.toml"
    loaded, problems = load_config()
    assert problems == []
    assert loaded == config
    # What we write is real TOML (any tool can read it), not just something our reader accepts.
    data = tomllib.loads(written.read_text())
    assert data["keymap"] == {"run-cell": "ctrl+r,f5", "save": "ctrl+s"}


def test_strings_needing_escapes_survive(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    config = Config(theme='we"ird\\theme\nx', keymap={"odd id.with dot": "ctrl+\\"})
    save_config(config, path)
    loaded, problems = load_config(path)
    assert problems == []
    assert loaded.theme == config.theme and loaded.keymap == config.keymap


def test_bad_values_are_reported_with_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "# my settings\n"
        'theme = "tuinb-light"\n'
        'graphics = "hologram"\n'
        "autosave_seconds = -3\n"
        'media_as_files = "yes"\n'
        "\n"
        "[keymap]\n"
        'run-cell = "ctrl+r"\n'
        "save = 42\n"
    )
    config, problems = load_config(path)
    # Good values are used, bad ones fall back to defaults.
    assert config.theme == "tuinb-light"
    assert config.graphics == "auto"
    assert config.autosave_seconds == 5.0
    assert config.media_as_files is False
    assert config.keymap == {"run-cell": "ctrl+r"}
    assert len(problems) == 4
    by_key = {p.split(": ")[1]: p for p in problems}
    assert by_key["graphics"].startswith(f"{path}:3:")
    assert "hologram" in by_key["graphics"]
    assert by_key["autosave_seconds"].startswith(f"{path}:4:")
    assert by_key["media_as_files"].startswith(f"{path}:5:")
    assert by_key["keymap.save"].startswith(f"{path}:9:")


def test_boolean_is_not_a_number_of_seconds(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("autosave_seconds = true\n")
    config, problems = load_config(path)
    assert config.autosave_seconds == 5.0
    assert len(problems) == 1 and problems[0].startswith(f"{path}:1: autosave_seconds")


def test_invalid_toml_never_crashes_and_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = "tuinb-light"\ngraphics = \n')
    config, problems = load_config(path)
    assert config == Config()
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:2:")
    assert "not valid TOML" in problems[0]


def test_keymap_that_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = "x"\nkeymap = "ctrl+r"\n')
    config, problems = load_config(path)
    assert config.keymap == {}
    assert problems == [f"{path}:2: keymap: expected a [keymap] table of binding id = \"keys\"; ignored"]


def test_unknown_keys_are_kept_when_saving(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'theme = "tuinb-dark"\n'
        'future_option = "on"\n'
        "ratio = 0.25\n"
        "sizes = [1, 2, 3]\n"
        "\n"
        "[plugins]\n"
        'enabled = ["a", "b"]\n'
        "nested = { depth = 2 }\n"
        "\n"
        "[keymap]\n"
        'quit = "ctrl+q"\n'
    )
    config, problems = load_config(path)
    assert problems == []
    config.theme = "tuinb-light"  # what `tuinb --theme tuinb-light` does
    save_config(config, path)
    data = tomllib.loads(path.read_text())
    assert data["theme"] == "tuinb-light"
    assert data["future_option"] == "on" and data["ratio"] == 0.25 and data["sizes"] == [1, 2, 3]
    assert data["plugins"] == {"enabled": ["a", "b"], "nested": {"depth": 2}}
    assert data["keymap"] == {"quit": "ctrl+q"}


def test_save_is_atomic_and_creates_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "deep" / "er" / "config.toml"
    save_config(Config(theme="a"), target)
    assert target.exists()
    # A failed write leaves the previous file intact (atomic replace, not truncate-and-write).
    import tui_notebook.document.atomic as atomic

    def broken_replace(src, dst):  # noqa: ANN001
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError):
        save_config(Config(theme="b"), target)
    assert load_config(target)[0].theme == "a"
    assert [p.name for p in target.parent.iterdir()] == ["config.toml"]  # no temp file left behind
