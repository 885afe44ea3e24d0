"""Serve the workshop app on this machine with Solara, asking nothing of any other host."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from urllib.parse import urlsplit

from healthgap.model.errors import InputError

PAGE = "healthgap.viz.app.routes"  # a table's page at /, the facilitator's at /facilitator
WEB_APP = "healthgap.viz.app.web:make_app"  # Solara's server, and the reports' addresses
SCENARIO_VARIABLE = "HEALTHGAP_APP_SCENARIO"  # the page's starting scenario: a name or a .toml path
RESIDENTS_VARIABLE = "HEALTHGAP_APP_RESIDENTS"  # optional: a town size for benchmarks
# Optional: "info" prints each tab's kernel coming and going and what it let go of (Solara's and
# the app's own lines), to see why a server keeps its memory.
LOG_VARIABLE = "HEALTHGAP_APP_LOG"
TAB_LOGGERS = ("solara.server.app", "healthgap.viz.app")  # Solara's kernels log as .app
ANY_ADDRESS = {"0.0.0.0", "::"}
ROOM_WARNING = (
    "Warning: anyone on this network can open the app while it runs: they can run its "
    "scenarios and upload their own, but cannot read files on this computer."
)
LOOPBACK = "127.0.0.1"
# A tab that goes without saying goodbye (a laptop asleep, a phone off the Wi-Fi) keeps its
# towns until Solara culls its kernel, after 24 hours by default: half a minute is long enough to
# ride out a network blip, and a reload after that gives the table its plan back anyway.
KERNEL_CULL_TIMEOUT = "30s"
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def shipped_assets() -> Path:
    """The folder of JavaScript packages that solara-assets installs (share/solara/cdn)."""
    try:
        package = distribution("solara-assets")
        files = package.files or []
    except PackageNotFoundError:
        files = []
    for file in files:
        before, found, _ = file.as_posix().partition("share/solara/cdn/")
        if found:
            return Path(package.locate_file(before), "share", "solara", "cdn").resolve()
    raise InputError(
        "The app's JavaScript (the solara-assets package) is not installed.",
        fix="Run 'bash scripts/bootstrap' again to install it.",
    )


def link_assets(shipped: Path, folder: Path) -> None:
    """Link each shipped package into `folder` by its exact version and by its major version:
    Altair's charts ask for `vega@5`, `vega-lite@5` and `vega-embed@6`, which solara-assets
    ships only as exact versions (e.g. `vega@5.21.0`)."""
    for scope in [shipped, *(d for d in shipped.iterdir() if d.name.startswith("@"))]:
        into = folder / scope.relative_to(shipped)
        into.mkdir(parents=True, exist_ok=True)
        for package in scope.iterdir():
            if package.name.startswith("@"):
                continue
            (into / package.name).symlink_to(package)
            name, _, version = package.name.rpartition("@")
            alias = into / f"{name}@{version.split('.')[0]}"
            if name and not alias.exists():
                alias.symlink_to(package)


def offline_settings(assets: Path) -> dict[str, str]:
    """Solara's settings for a server that makes no request beyond this machine: assets from
    `assets` through Solara's own proxy, and no telemetry; and a closed tab's kernel culled
    after `KERNEL_CULL_TIMEOUT`. An asset missing there is looked
    for at a closed port of this machine rather than on the internet, so it fails, visibly."""
    return {
        "SOLARA_ASSETS_PROXY": "True",
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(assets),
        "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_KERNEL_CULL_TIMEOUT": KERNEL_CULL_TIMEOUT,
    }


def check_port_free(host: str, port: int) -> None:
    """An InputError naming the port if another program is listening on it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise InputError(
                f"Cannot listen on {host} port {port} ({error.strerror or error}).",
                fix="Choose another port with --port, or stop the program using it.",
            ) from None


def is_local(host: str) -> bool:
    """Whether `host` is this machine's loopback address, which no one else can reach."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def room_addresses(host: str) -> list[str]:
    """The addresses others on the local network reach the app at: `host` itself, or, for
    every address (0.0.0.0 or ::), each network interface's own but loopback and link-local."""
    if host not in ANY_ADDRESS:
        return [host]
    import psutil

    wanted = socket.AF_INET if host == "0.0.0.0" else socket.AF_INET6
    found = []
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family != wanted:
                continue
            ip = ipaddress.ip_address(address.address.split("%")[0])
            if not (ip.is_loopback or ip.is_link_local):
                found.append(str(ip))
    return found


def url(host: str, port: int) -> str:
    """The page's address for `host` (an IPv6 address in brackets)."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def glibc():
    """The C library when it is glibc (Linux), else None (macOS and Windows, whose allocators
    give memory back by themselves)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def return_freed_memory() -> None:
    """Have glibc give large freed blocks back to the system at once: by default it keeps
    freed blocks of up to 32 MiB, the size of a town's arrays, for reuse, so a closed tab's
    towns stayed in the server's memory."""
    libc = glibc()
    if libc is not None:
        libc.mallopt(M_MMAP_THRESHOLD, 128 * 1024)  # glibc's default, kept from growing


def trim_memory() -> None:
    """Collect what nothing refers to any more and give the freed pages back to the system
    (small blocks, such as a small town's, stay in glibc's heap otherwise)."""
    import gc

    gc.collect()
    libc = glibc()
    if libc is not None:
        libc.malloc_trim(0)


def log_tabs_if_asked() -> None:
    """Print the tabs' comings and goings when `LOG_VARIABLE` names a logging level."""
    level = os.environ.get(LOG_VARIABLE, "").upper()
    if not level:
        return
    if not isinstance(logging.getLevelName(level), int):
        raise InputError(
            f"{LOG_VARIABLE}={level.lower()} is not a logging level.",
            fix=f"Set {LOG_VARIABLE} to info or debug, or unset it.",
        )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
    for name in TAB_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)


def serve(start: str, host: str, port: int) -> None:
    """Run Solara's production server for the page, which opens at scenario `start`, until
    Ctrl-C (or SIGTERM) stops it."""
    import uvicorn

    from healthgap.model.health import solve_levels
    from healthgap.model.parameters import Parameters

    # What every town needs once (scipy's solvers, self-rated health's Census levels at the
    # defaults), paid before the first visitor, not by them: the room's memory starts with it.
    solve_levels(Parameters())
    return_freed_memory()
    if not is_local(host):
        print(ROOM_WARNING, flush=True)
    # Plain http on a local network is expected: Solara's cookies fall back to SameSite=lax,
    # which is what the app wants, so its warning would only alarm the person running it.
    warnings.filterwarnings("ignore", "Cookies with samesite=none require https")
    with tempfile.TemporaryDirectory(prefix="healthgap-app-assets-") as folder:
        link_assets(shipped_assets(), Path(folder))
        os.environ.update(offline_settings(Path(folder)))
        os.environ.update(
            {"SOLARA_APP": PAGE, "SOLARA_MODE": "production", SCENARIO_VARIABLE: start}
        )
        # SIGTERM (a service manager, a test) stops it as Ctrl-C does, so the folder is removed.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn.run(WEB_APP, factory=True, host=host, port=port, log_level="warning")


# --- the app in the background, and Debian's Chromium to drive it (tests and benchmarks) ---
CHROMIUM = Path("/usr/lib/chromium/chromium")  # Debian's package; .ci/run installs it
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class RunningApp:
    """A `healthgap app` process in the background, its address, and the file its output
    goes to (a file, not a pipe: a pipe that nobody reads would stop a chatty server)."""

    url: str
    process: subprocess.Popen
    output_file: Path

    def output(self) -> str:
        """All the server has printed so far."""
        return self.output_file.read_text(errors="replace")

    def connections(self) -> int:
        """How many browser connections the server holds open now."""
        import psutil

        port = urlsplit(self.url).port
        return sum(
            c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
            for c in psutil.Process(self.process.pid).net_connections(kind="tcp")
        )

    def rss_mib(self) -> float:
        """The server's resident memory now, in MiB."""
        import psutil

        return psutil.Process(self.process.pid).memory_info().rss / 2**20


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_app(
    scenario: str = "baseline",
    residents: int | None = None,
    start_seconds: float = 120,
    python: str | None = None,
    log: str | None = None,
) -> Iterator[RunningApp]:
    """`healthgap app SCENARIO` on a free port of 127.0.0.1, once it answers (a RuntimeError
    with its output if it stops or stays silent for `start_seconds`); Ctrl-C stops it after.
    `python` runs it with another interpreter (another checkout's, to compare versions);
    `log` (e.g. "info") has it print its tabs' comings and goings (`LOG_VARIABLE`)."""
    port = free_port()
    env = dict(os.environ)
    if residents is not None:
        env[RESIDENTS_VARIABLE] = str(residents)
    if log is not None:
        env[LOG_VARIABLE] = log
    with tempfile.TemporaryDirectory(prefix="healthgap-app-output-") as folder:
        output_file = Path(folder, "output.txt")
        with output_file.open("w") as output:
            process = subprocess.Popen(
                [python or sys.executable, "-m", "healthgap", "app", scenario, "--port", str(port)],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        app = RunningApp(url(LOOPBACK, port), process, output_file)
        try:
            wait_until_answering(app, start_seconds)
            yield app
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_answering(app: RunningApp, seconds: float) -> None:
    """Poll the server's /readyz until it answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(f"healthgap app stopped before answering:\n{app.output()}")
        try:
            with urllib.request.urlopen(app.url + "readyz", timeout=5):
                return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"healthgap app did not answer at {app.url} within {seconds:g} s")
