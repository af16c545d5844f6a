"""``make test`` finds or installs Chromium and Node.js/npm: the decision for each platform,
checked with fake probes (nothing is installed by these tests)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from helpers import prerequisites as pre
from helpers.prerequisites import Plan, PrerequisiteError, Probe

DEBIAN_ROOT = Probe(
    system="Linux",
    distro="debian",
    apt=True,
    root=True,
    sudo=False,
    chromium=None,
    node=True,
    npm=True,
)
EVERYTHING = replace(DEBIAN_ROOT, chromium="/usr/bin/chromium")


def test_nothing_is_installed_when_everything_is_found() -> None:
    for system in ("Linux", "Darwin", "Windows"):
        plan = pre.decide(replace(EVERYTHING, system=system, apt=False, root=False))
        assert plan.nothing_to_do and pre.commands(plan) == []


def test_debian_as_root_installs_chromium_with_apt_get() -> None:
    plan = pre.decide(DEBIAN_ROOT)
    assert plan == Plan(apt_packages=("chromium", "fonts-dejavu-core"), sudo=False)
    steps = pre.commands(plan, python="py")
    assert steps[0] == ["apt-get", "update", "-qq"]
    assert steps[1][-2:] == ["chromium", "fonts-dejavu-core"] and steps[1][0] == "env"
    assert len(steps) == 2


def test_debian_with_passwordless_sudo_installs_through_sudo() -> None:
    probe = replace(DEBIAN_ROOT, root=False, sudo=True, node=False, npm=False)
    plan = pre.decide(probe)
    assert plan.sudo and plan.apt_packages == ("chromium", "fonts-dejavu-core", "nodejs", "npm")
    assert all(step[:2] == ["sudo", "-n"] for step in pre.commands(plan))


def test_debian_without_root_or_sudo_stops_with_one_message() -> None:
    plan = pre.decide(replace(DEBIAN_ROOT, root=False, sudo=False, npm=False))
    assert plan.stop is not None and not plan.apt_packages and not plan.playwright
    assert plan.stop.startswith("make test needs Chromium, npm, missing")
    assert "root or password-less sudo" in plan.stop
    for platform_name in ("Debian/Ubuntu:", "macOS:", "Windows:", pre.CHROMIUM_VARIABLE):
        assert platform_name in plan.stop


def test_ubuntu_gets_node_from_apt_and_chromium_from_playwright() -> None:
    plan = pre.decide(replace(DEBIAN_ROOT, distro="ubuntu", node=False))
    assert plan.apt_packages == ("nodejs",) and plan.playwright
    assert pre.commands(plan, python="py")[-1] == ["py", "-m", "playwright", "install", "chromium"]


@pytest.mark.parametrize("system", ["Darwin", "Windows"])
def test_macos_and_windows_download_chromium_with_playwright(system: str) -> None:
    probe = replace(DEBIAN_ROOT, system=system, distro="", apt=False, root=False)
    plan = pre.decide(probe)
    assert plan == Plan(playwright=True)
    assert pre.commands(plan, python="py") == [["py", "-m", "playwright", "install", "chromium"]]


@pytest.mark.parametrize("system", ["Darwin", "Windows"])
def test_macos_and_windows_without_node_stop_before_installing_anything(system: str) -> None:
    probe = replace(DEBIAN_ROOT, system=system, distro="", apt=False, root=False, node=False)
    plan = pre.decide(probe)
    assert not plan.playwright and plan.stop is not None
    assert f"no package manager this script may use on {system}" in plan.stop
    assert "Chromium, Node.js" in plan.stop


def test_ensure_installs_then_checks_again() -> None:
    probes = iter([DEBIAN_ROOT, EVERYTHING])
    ran: list[list[str]] = []
    done = pre.ensure(lambda: next(probes), run=lambda c: ran.append(c) or 0, report=lambda _: None)
    assert done == EVERYTHING
    assert [step[-1] for step in ran] == ["-qq", "fonts-dejavu-core"]


def test_ensure_stops_with_the_message_when_an_install_fails() -> None:
    probe = replace(DEBIAN_ROOT, system="Darwin", distro="", apt=False, root=False)
    with pytest.raises(PrerequisiteError) as error:
        pre.ensure(lambda: probe, run=lambda _: 1, report=lambda _: None)
    message = str(error.value)
    assert "make test needs Chromium" in message
    assert "playwright install chromium` failed" in message
    assert message.count("make test needs") == 1


def test_debian_without_root_falls_back_to_playwright_for_chromium() -> None:
    assert pre.decide(replace(DEBIAN_ROOT, root=False, sudo=False)) == Plan(playwright=True)


def test_ensure_stops_at_once_without_running_anything() -> None:
    probe = replace(DEBIAN_ROOT, root=False, sudo=False, node=False)
    ran: list[list[str]] = []
    with pytest.raises(PrerequisiteError):
        pre.ensure(lambda: probe, run=lambda c: ran.append(c) or 0, report=lambda _: None)
    assert ran == []


def test_chromium_is_found_where_it_is(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    browser = tmp_path / "my-chrome"
    browser.write_text("")
    monkeypatch.setenv(pre.CHROMIUM_VARIABLE, str(browser))
    assert pre.find_chromium() == str(browser)
    monkeypatch.setenv(pre.CHROMIUM_VARIABLE, str(tmp_path / "absent"))
    with pytest.raises(PrerequisiteError, match="absent is not an executable"):
        pre.find_chromium()
    monkeypatch.delenv(pre.CHROMIUM_VARIABLE)
    monkeypatch.setattr(pre, "SYSTEM_CHROMIUM", ())
    monkeypatch.setattr(pre, "CHROMIUM_NAMES", ())
    monkeypatch.setattr(pre, "playwright_chromium", lambda: "/cache/ms-playwright/chrome")
    assert pre.find_chromium() == "/cache/ms-playwright/chrome"
    assert pre.find_chromium(use_playwright=False) is None


def test_os_release_id(tmp_path: Path) -> None:
    release = tmp_path / "os-release"
    release.write_text('PRETTY_NAME="Ubuntu 24.04"\nID=ubuntu\nID_LIKE=debian\n')
    assert pre.os_release_id(release) == "ubuntu"
    assert pre.os_release_id(tmp_path / "none") == ""
