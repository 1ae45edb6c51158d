"""Which business files the composition root reads: the packaged demo when none is
configured, one business's file alone for a command about it, every file otherwise —
refused at the first problem of any, or with ``skip_invalid`` the valid ones."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from adapters.business_files import ConfigError
from adapters.demo import DEMO_BUSINESSES
from adapters.settings import Settings, SettingsError
from adapters.wiring import business_files, business_folder, business_of, load_brains, repo_path


def test_with_no_folder_configured_the_packaged_demo_businesses_are_used() -> None:
    settings = Settings.from_env({})
    assert settings.businesses is None
    assert business_folder(settings) == DEMO_BUSINESSES
    assert sorted(p.name for p in DEMO_BUSINESSES.glob("*.yaml")) == [
        "bloom-salon.yaml",
        "praxis-sommer.yaml",
        "rapid-rooter.yaml",
    ]
    # the repository's examples/businesses is the same folder (a link to it)
    assert repo_path("examples", "businesses").resolve() == DEMO_BUSINESSES
    assert business_of(settings, "bloom-salon").name == "Bloom Hair Studio"


def test_a_configured_folder_that_is_not_there_is_one_line_saying_what_to_do(
    tmp_path: Path,
) -> None:
    for missing in (tmp_path / "nowhere", tmp_path / "a-file"):
        if missing.name == "a-file":
            missing.write_text("", encoding="utf-8")
        with pytest.raises(SettingsError) as caught:
            business_folder(Settings(businesses=missing))
        assert str(caught.value) == (
            f"no business folder at {missing} (set --businesses DIR or FRONTDESK_BUSINESSES; "
            "frontdesk init DIR writes a starter business)"
        )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The demo businesses, bloom-salon's file broken (an unknown card)."""
    target = tmp_path / "businesses"
    shutil.copytree(DEMO_BUSINESSES, target)
    bloom = target / "bloom-salon.yaml"
    bloom.write_text(
        bloom.read_text(encoding="utf-8").replace("  - card: faq\n", "  - card: fqa\n"),
        encoding="utf-8",
    )
    return target


def test_one_business_is_read_alone(folder: Path) -> None:
    settings = Settings(businesses=folder)
    [read] = business_files(settings, only="praxis-sommer")
    assert read.path == folder / "praxis-sommer.yaml" and read.business is not None
    assert list(load_brains(settings, only="rapid-rooter")) == ["rapid-rooter"]
    with pytest.raises(
        ConfigError,
        match=r"bloom-salon\.yaml:\d+: topics\[3\]\.card: unknown "
        r"card 'fqa'",
    ):
        load_brains(settings, only="bloom-salon", skip_invalid=True)  # asked for by name


def test_every_business_refuses_a_broken_file_unless_told_to_skip_it(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(businesses=folder)
    with pytest.raises(ConfigError) as caught:
        load_brains(settings)
    assert len(caught.value.problems) == 1
    with caplog.at_level(logging.WARNING, logger="frontdesk.wiring"):
        brains = load_brains(settings, skip_invalid=True)
    assert sorted(brains) == ["praxis-sommer", "rapid-rooter"]
    [warning] = caplog.records
    assert warning.getMessage().startswith("skipping invalid business file 'bloom-salon' (")
    assert warning.problems[0].startswith(str(folder / "bloom-salon.yaml"))  # type: ignore[attr-defined]


def test_two_files_that_say_they_are_one_business_are_both_refused(folder: Path) -> None:
    shutil.copy(folder / "rapid-rooter.yaml", folder / "rapid-rooter-copy.yaml")
    (folder / "rapid-rooter.yaml").rename(folder / "rooter.yaml")
    files = business_files(Settings(businesses=folder), only="rapid-rooter")
    assert [f.path.name for f in files] == ["rapid-rooter-copy.yaml", "rooter.yaml"]
    assert all(f.business is None and "is also the slug of" in f.problems[0] for f in files)
