"""Headless Chromium driven over the DevTools protocol, with the standard library alone: what a page
shows, and every error it reports while it loads.

Chromium runs with --remote-debugging-pipe: it reads protocol commands from its fd 3 and writes
replies and events to its fd 4, each message JSON ended by a NUL byte. One browser opens a page,
loads file:// URLs one after another, and for each collects (Page.load) the uncaught exceptions
(Runtime.exceptionThrown), console.error and console.assert calls (Runtime.consoleAPICalled), the
browser's own error and warning entries (Log.entryAdded: a blocked script, a violated
Content-Security-Policy, a resource that failed to load), every request other than the page's own
file and data: URIs (Network.requestWillBeSent), and what the page shows: its rendered text and
whether each image decoded.
"""
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time

# Debian's package; scripts/setup installs it.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# What the page shows, read after it loaded: its text as rendered, each image's state, and each
# table's header cells and the first cell of each of its rows, as rendered.
PAGE_STATE = """JSON.stringify({
  text: document.body ? document.body.innerText : "",
  images: Array.from(document.images).map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0,
                                                   scheme: i.src.split(":")[0]})),
  tables: Array.from(document.querySelectorAll("table")).map(t => ({
    head: Array.from(t.querySelectorAll("thead th")).map(c => c.innerText),
    first: Array.from(t.querySelectorAll("tbody tr")).map(r => r.cells.length ? r.cells[0].innerText : "")})),
  scripts: document.scripts.length
})"""


class BrowserError(Exception):
    pass


class Page:
    """A page in a headless Chromium of its own (a throwaway profile); use as a context manager."""

    def __init__(self, timeout=20.0):
        self.timeout = timeout
        self._id = 0
        self._buffer = b""
        self._events = []

    def __enter__(self):
        self.profile = tempfile.mkdtemp(prefix="wpbench-chromium-")
        cmd_r, self._cmd_w = os.pipe()  # we write commands, Chromium reads them on its fd 3
        self._out_r, out_w = os.pipe()  # Chromium writes on its fd 4, we read
        # Above 4 first, so that moving one end to 3 cannot close the other, and dup2 to another
        # number makes each inheritable.
        for fd in (cmd_r, out_w):
            high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
            os.close(fd)
            cmd_r, out_w = (high, out_w) if fd == cmd_r else (cmd_r, high)

        def pipes_as_3_and_4():
            os.dup2(cmd_r, 3)
            os.dup2(out_w, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             f"--user-data-dir={self.profile}", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--mute-audio", "--host-resolver-rules=MAP * ~NOTFOUND", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=pipes_as_3_and_4, close_fds=False, start_new_session=True)
        os.close(cmd_r)
        os.close(out_w)
        try:
            target = next(t for t in self._call("Target.getTargets")["targetInfos"] if t["type"] == "page")
            self.session = self._call("Target.attachToTarget", targetId=target["targetId"], flatten=True)["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                self._call(f"{domain}.enable", session=self.session)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        try:
            if self.proc.poll() is None:
                try:
                    self._send("Browser.close")
                    self.proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    self.proc.kill()
                    self.proc.wait()
        finally:
            try:  # its renderer and helper processes too: the session it was started in
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            for fd in (self._cmd_w, self._out_r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self.profile, ignore_errors=True)

    # -- the protocol ---------------------------------------------------------------------------

    def _send(self, method, session=None, **params):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        return self._id

    def _next(self, deadline):
        """The next message from Chromium, waiting until `deadline` (time.monotonic)."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self._out_r], [], [], left)
            if ready:
                chunk = os.read(self._out_r, 1 << 16)
                if not chunk:
                    raise BrowserError(f"Chromium closed its pipe (exit code {self.proc.poll()})")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _call(self, method, session=None, **params):
        """Sends a command and returns its result; events that arrive meanwhile are kept."""
        sent = self._send(method, session, **params)
        deadline = time.monotonic() + self.timeout
        while True:
            msg = self._next(deadline)
            if msg.get("id") == sent:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return msg["result"]
            self._events.append(msg)

    def _wait_for(self, method, deadline):
        while True:
            for i, msg in enumerate(self._events):
                if msg.get("method") == method:
                    return self._events.pop(i)
            self._events.append(self._next(deadline))

    # -- a page load ----------------------------------------------------------------------------

    def load(self, path):
        """Loads a local file and returns what it did: {"errors": [...], "requests": [...], "text",
        "images", "tables" ({"head", "first"}), "scripts"}. An error is any exception, console error or assertion, and
        any error or warning the browser logged; a request is any URL the page asked for other
        than its own file and data: URIs."""
        url = "file://" + os.path.abspath(path)
        self._events.clear()
        deadline = time.monotonic() + self.timeout
        self._call("Page.navigate", session=self.session, url=url)
        self._wait_for("Page.loadEventFired", deadline)
        state = json.loads(self._call("Runtime.evaluate", session=self.session, expression=PAGE_STATE,
                                      returnByValue=True)["result"]["value"])
        # A round trip more, so that events sent just before the load (a late console call) are in.
        self._call("Runtime.evaluate", session=self.session, expression="0")
        errors, requests = [], []
        for msg in self._events:
            method, p = msg.get("method"), msg.get("params", {})
            if method == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                errors.append("exception: " + (d.get("exception", {}).get("description") or d.get("text", "")))
            elif method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                errors.append(f"console.{p['type']}: " + " ".join(str(a.get("value", a.get("description", "")))
                                                                  for a in p.get("args", [])))
            elif method == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                errors.append(f"log ({p['entry']['source']}): {p['entry']['text']}")
            elif method == "Network.requestWillBeSent":
                req = p["request"]["url"]
                if req != url and not req.startswith("data:"):
                    requests.append(req)
        return {"errors": errors, "requests": requests, **state}
