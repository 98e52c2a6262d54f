"""The report in headless Chromium, network off: no request leaves the file, no console error.

Dependency-free: the Chrome DevTools protocol over ``--remote-debugging-pipe``
(fd 3: commands in, fd 4: events out, NUL-separated JSON). The report is
rendered from hand-made tables by the real template
(:func:`test_report_render.render_example`), loaded at 1280 and 390 px with
network emulation offline; every request is recorded, console messages,
exceptions and log entries (CSP violations) too; the banner, tables and
figures are checked in the live DOM and a screenshot is written to the test's
tmp dir. Skips only when no Chromium is installed (CI installs
``chromium``; Debian: ``apt-get install -y chromium chromium-driver``).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from report_trace import NAMES, NUMBER, trace_report
from test_report_render import render_example

from socialwork_ict.names import FIGURES

CHROMIUM = next(
    (p for p in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser"))
     if p and Path(p).exists()),
    None,
)  # fmt: skip
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
    "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
)  # fmt: skip

#: the default config's survey sections (a figure each in the pipeline's report)
PLAN_SECTIONS = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "config" / "config.yaml").read_text(encoding="utf-8")
)["analysis_plan"]["sections"]

#: the figures' dpi (socialwork.mplstyle savefig.dpi) and the smallest text they draw (pt,
#: the fontsize=7 labels of socialwork_ict.figures)
STYLE = Path(__file__).resolve().parents[1] / "workflow/socialwork_ict/figures/socialwork.mplstyle"
FIGURE_DPI = float(re.search(r"^savefig\.dpi:\s*(\S+)", STYLE.read_text(), re.M).group(1))
SMALLEST_FIGURE_TEXT_PT = 7

if CHROMIUM is None and os.environ.get("CI"):
    raise RuntimeError("CI must install chromium (see .ci/run): the browser test cannot skip there")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)"
)


class DevTools:
    """A minimal CDP client over Chromium's debugging pipe."""

    def __init__(self, profile: Path):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds():  # in the child: fd 3 reads commands, fd 4 writes replies
            # via fds >= 10 first: dup2(fd, fd) would keep close-on-exec set
            high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],  # fmt: skip
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=fds,
            close_fds=False,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no reply from chromium")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the debugging pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


def load_report(html_file: Path, profile: Path, width: int, shot: Path) -> dict:
    """Open the report offline at ``width`` px; return the page facts and the events."""
    browser = DevTools(profile)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Network", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
            session=session,
        )
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
            session=session,
        )
        browser.send("Page.navigate", {"url": html_file.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")
        facts = browser.send(
            "Runtime.evaluate",
            {
                "expression": f"const NUMBER = {json.dumps(NUMBER.pattern)}, "
                f"NAMES = {json.dumps(NAMES.pattern)};\n"
                + """JSON.stringify({
                    banner: !!document.getElementById('synthetic-banner'),
                    tables: document.querySelectorAll('table').length,
                    captions: document.querySelectorAll('table > caption').length,
                    images: Array.from(document.images).map(i => ({
                        alt: i.alt, complete: i.complete, width: i.naturalWidth,
                        shown: i.getBoundingClientRect().width})),
                    scrollWidth: document.documentElement.scrollWidth,
                    wraps: Array.from(document.querySelectorAll('.table-wrap, .figure-wrap')).map(
                        w => ({id: (w.querySelector('table, img') || w).id || w.className,
                               right: w.getBoundingClientRect().right,
                               overflowX: getComputedStyle(w).overflowX,
                               inner: w.scrollWidth, outer: w.clientWidth})),
                    fontSizes: Array.from(document.querySelectorAll(
                        'main p, main li, td, th, caption, figcaption, dd')).map(
                        e => parseFloat(getComputedStyle(e).fontSize)),
                    untraced: (() => {
                        const number = new RegExp(NUMBER, 'g'), names = new RegExp(NAMES, 'g');
                        const skip = 'code, thead, caption, h1, h2, h3, h4, nav';
                        const walker = document.createTreeWalker(
                            document.querySelector('main'), NodeFilter.SHOW_TEXT);
                        const out = []; let total = 0;
                        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                            const e = n.parentElement;
                            if (e.closest(skip)) continue;
                            const found = n.data.replace(names, ' ').match(number) || [];
                            total += found.length;
                            if (found.length && !e.closest('[data-source]')) out.push(n.data);
                        }
                        return {total: total, out: out};
                    })(),
                    sections: Array.from(document.querySelectorAll('section')).map(s => s.id)
                })""",
                "returnByValue": True,
            },
            session=session,
        )
        page = json.loads(facts["result"]["value"])
        image = browser.send(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False},
            session=session,
        )  # fmt: skip
        shot.write_bytes(base64.b64decode(image["data"]))
        time.sleep(0.2)  # let late console / log events arrive
        browser.send("Runtime.evaluate", {"expression": "1"}, session=session)
        return {"page": page, "events": list(browser.events)}
    finally:
        browser.close()


@pytest.fixture(scope="module", params=["example", "pipeline"])
def report_file(request, tmp_path_factory) -> Path:
    """A report rendered from hand-made tables, and the real default run's report."""
    if request.param == "pipeline":
        return request.getfixturevalue("synthetic_run") / "reports" / "report.html"
    folder = tmp_path_factory.mktemp("browser")
    path = folder / "report.html"
    path.write_text(render_example(synthetic=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [1280, 390])
def test_report_in_headless_chromium(report_file, tmp_path, width):
    shot = tmp_path / f"report_{width}.png"
    result = load_report(report_file, tmp_path / "profile", width, shot)
    page, events = result["page"], result["events"]

    def of(method):
        return [e["params"] for e in events if e.get("method") == method]

    requests = [params["request"]["url"] for params in of("Network.requestWillBeSent")]
    outside = [u for u in requests if u != report_file.as_uri() and not u.startswith("data:")]
    assert outside == [], f"requests leaving the file: {outside}"
    assert of("Network.loadingFailed") == []

    problems = ("error", "warning")
    console = [p for p in of("Runtime.consoleAPICalled") if p["type"] in problems]
    exceptions = of("Runtime.exceptionThrown")
    logged = [p["entry"] for p in of("Log.entryAdded") if p["entry"]["level"] in problems]
    assert console == [] and exceptions == [] and logged == [], (console, exceptions, logged)

    assert page["banner"]
    assert page["tables"] >= 10 and page["captions"] == page["tables"]
    # the six figures, and the pipeline's one per survey section of the analysis plan
    pipeline = report_file.parent.name == "reports"
    assert len(page["images"]) == len(FIGURES) + (len(PLAN_SECTIONS) if pipeline else 0)
    assert all(i["alt"] and i["complete"] and i["width"] > 0 for i in page["images"])
    assert {"findings", "figures", "published", "provenance"} <= set(page["sections"])
    # no horizontal overflow: the page never scrolls sideways; a table or figure wider
    # than the screen scrolls inside its own frame (overflow-x: auto), inside the screen
    assert page["scrollWidth"] <= width
    for wrap in page["wraps"]:
        assert wrap["right"] <= width, wrap
        assert wrap["inner"] <= wrap["outer"] or wrap["overflowX"] == "auto", wrap
    # legible figures: shown at least 320 px wide (or their natural width), and their
    # smallest text (SMALLEST_FIGURE_TEXT_PT at the style's dpi) at least 10 CSS px
    pixels_per_pt = FIGURE_DPI / 72
    for image in page["images"]:
        assert image["shown"] >= min(320, image["width"]), image
        if report_file.parent.name == "reports":  # the example's figure is a 4 px stand-in
            shown_pt = SMALLEST_FIGURE_TEXT_PT * pixels_per_pt * image["shown"] / image["width"]
            assert shown_pt >= 10, (image, shown_pt)
    # legible text: no computed font size below 12 px
    assert min(page["fontSizes"]) >= 12, sorted(page["fontSizes"])[:5]
    # every number of the live DOM sits in an element with its source; the pipeline's
    # report resolves them all against its files
    assert page["untraced"]["out"] == [] and page["untraced"]["total"] > 20, page["untraced"]
    if report_file.parent.name == "reports":
        traced = trace_report(report_file.read_text(encoding="utf-8"), report_file.parents[1])
        assert traced.traced_share == 1.0, (traced.untraced[:10], traced.wrong[:10])
    assert shot.stat().st_size > 1000 and shot.read_bytes()[:4] == b"\x89PNG"
