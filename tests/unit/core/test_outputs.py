"""Where optimize writes (svgq_jax.core.outputs) and the temporary files of svgq_jax.core.files.write_atomic."""

import fcntl
import os

import pytest

from svgq_jax.core import outputs
from svgq_jax.core.errors import InputError
from svgq_jax.core.files import _temp_for, remove_stale_temps, temp_files, write_atomic


def touch(path, data=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_every_source_keeps_its_own_name(tmp_path):
    for name in ("a.png", "a.jpg", "a.webp", "a.svg", "sub/a.png"):
        touch(tmp_path / "in" / name)
    plan = outputs.plan(tmp_path / "in", None, overwrite=False)
    names = sorted(str(d.relative_to(tmp_path / "in")) for _, d in plan)
    assert names == ["a.jpg.svg", "a.png.svg", "a.svg.svg", "a.webp.svg", "sub/a.png.svg"]
    plan = outputs.plan(tmp_path / "in", str(tmp_path / "out"), overwrite=False)
    assert {d for _, d in plan} == {tmp_path / "out" / n for n in names}
    assert outputs.plan(tmp_path / "in" / "a.png", None, False) == [(tmp_path / "in/a.png", tmp_path / "in/a.png.svg")]


def test_earlier_outputs_are_not_inputs(tmp_path):
    folder = tmp_path / "in"
    touch(folder / "a.png")
    touch(folder / "a.png.svg")  # an earlier run's SVG of a.png
    touch(folder / "lone.png.svg")  # no lone.png beside it: an input
    touch(folder / "svgs" / "b.png.svg")  # under --out inside the folder
    plan = outputs.plan(folder, str(folder / "svgs"), overwrite=False)
    assert sorted(f.name for f, _ in plan) == ["a.png", "lone.png.svg"]


def test_an_existing_file_is_refused_unless_overwrite(tmp_path):
    touch(tmp_path / "logo.png")
    touch(tmp_path / "logo.png.svg", b"mine")
    with pytest.raises(InputError, match="logo.png.svg exists already; give --overwrite"):
        outputs.plan(tmp_path / "logo.png", None, overwrite=False)
    assert outputs.plan(tmp_path / "logo.png", None, overwrite=True)
    for i in range(7):
        touch(tmp_path / "many" / f"{i}.png")
        touch(tmp_path / "out" / f"{i}.png.svg")
    with pytest.raises(InputError, match="7 SVGs exist .* and 2 more"):
        outputs.plan(tmp_path / "many", str(tmp_path / "out"), overwrite=False)


def test_inputs_links_devices_and_files_as_folders_are_refused_even_with_overwrite(tmp_path):
    image = touch(tmp_path / "a.png")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere.svg")
    (tmp_path / "folder").mkdir()
    for out, words in (
        (image, "is the input"),
        (tmp_path / "fifo", "a FIFO, not a regular file"),
        ("/dev/null", "a device, not a regular file"),
        (tmp_path / "link", "a symbolic link, not a regular file"),
        (tmp_path / "folder", "is a directory"),
        (image / "x.svg", "is a file, not a folder"),
        (image / "deeper" / "x.svg", "is a file, not a folder"),
    ):
        with pytest.raises(InputError, match=words):
            outputs.plan(image, str(out), overwrite=True)
    touch(tmp_path / "many" / "b.png")
    with pytest.raises(InputError, match="not a folder"):
        outputs.plan(tmp_path / "many", str(image), overwrite=True)
    with pytest.raises(InputError, match="is a file, not a folder"):
        outputs.plan(tmp_path / "many", str(image / "svgs"), overwrite=True)


def test_two_sources_never_share_an_output(tmp_path):
    with pytest.raises(InputError, match="both .*a.png and .*b.png would write it"):
        outputs.check_plan([(tmp_path / "a.png", tmp_path / "o.svg"), (tmp_path / "b.png", tmp_path / "o.svg")], True)


def test_an_output_hard_linked_to_an_input_is_refused(tmp_path):
    image = touch(tmp_path / "a.png")
    os.link(image, tmp_path / "b.svg")
    with pytest.raises(InputError, match="is the input"):
        outputs.check_plan([(image, tmp_path / "b.svg")], overwrite=True)


def test_a_dead_writers_temporary_file_is_removed_and_a_live_ones_kept(tmp_path):
    out = tmp_path / "logo.png.svg"
    dead = tmp_path / ".logo.png.svg.abcd1234.tmp"  # what a run killed before its rename leaves
    dead.write_bytes(b"half")
    other = touch(tmp_path / ".other.svg.abcd1234.tmp")  # another output's: not this one's to remove
    with _temp_for(out) as f:  # a live writer holds its lock
        f.write(b"<svg/>")
        assert len(temp_files(out)) == 2
        assert remove_stale_temps(out) == 1 and not dead.exists() and len(temp_files(out)) == 1
    assert out.read_bytes() == b"<svg/>" and temp_files(out) == [] and other.exists()
    outputs.write(out, "<svg>again</svg>")
    assert out.read_text() == "<svg>again</svg>"


def test_a_writer_whose_file_a_cleaner_took_makes_another(tmp_path, monkeypatch):
    """The instant between mkstemp and the writer's lock: a cleaner may take the file for a dead writer's."""
    import tempfile

    real = tempfile.mkstemp
    taken = []

    def mkstemp(**kw):
        fd, name = real(**kw)
        if not taken:  # a cleaner runs right now
            taken.append(name)
            cleaner = os.open(name, os.O_RDONLY)
            fcntl.flock(cleaner, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(name)
            os.close(cleaner)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    write_atomic(tmp_path / "o.svg", "<svg/>")
    assert taken and (tmp_path / "o.svg").read_text() == "<svg/>" and temp_files(tmp_path / "o.svg") == []


def test_a_locked_folder_is_cleared_of_a_killed_holders_temporary_files(tmp_path):
    from svgq_jax.core.files import locked_directory

    dead = touch(tmp_path / "sources" / ".00001-ab.png.abcd1234.tmp")  # a build killed before a rename
    other = touch(tmp_path / ".notes.tmp")  # not write_atomic's
    with locked_directory(tmp_path, "a test"):
        assert not dead.exists() and other.exists()
