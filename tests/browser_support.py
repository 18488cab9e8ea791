"""Machinery for the real-browser tests (tests/test_browser.py).

- :class:`LabServer` starts JupyterLab from this interpreter (the project's
  ``.venv``) on 127.0.0.1, on a free port, with a token, on a temporary COPY of
  ``notebooks/`` (and ``data/`` beside it, so ``../data`` works), with private
  Jupyter config, data, runtime and settings folders: user settings, kernels and
  extensions installed elsewhere do not leak in, and committed notebooks are
  never modified. Settings overrides switch off the news/update popup, the
  kernel restart confirmation and notebook windowing (every cell stays in the
  DOM, so the page can be inspected and photographed whole).
- :func:`launch_chromium` starts Debian's Chromium headless through Playwright,
  or returns the reason it cannot (the tests then skip with that reason).
- :class:`Offline` aborts and records every request a page makes to a host other
  than 127.0.0.1/localhost.
- :class:`LabPage` keeps one such page and opens notebook after notebook in it;
  ``restart_and_run_all`` / ``inspect`` / ``move_first_slider`` drive and read a
  notebook through ``window.jupyterapp`` (``--LabApp.expose_app_in_browser``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-default-browser-check",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

#: JupyterLab settings for the test server (written to overrides.json).
SETTINGS_OVERRIDES: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/apputils-extension:sessionDialogs": {"skipKernelRestartDialog": True},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
}


def chromium_path() -> str:
    """Chromium to drive: ``$MW_CHROMIUM`` or Debian's /usr/bin/chromium."""
    return os.environ.get("MW_CHROMIUM", DEFAULT_CHROMIUM)


def notebooks_dir() -> Path:
    """Folder whose notebooks are tested: ``$MW_NOTEBOOKS_DIR`` or notebooks/."""
    return Path(os.environ.get("MW_NOTEBOOKS_DIR", ROOT / "notebooks")).resolve()


def notebook_paths() -> list[Path]:
    return sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_local(url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    host = urlsplit(url).hostname or ""
    return host in LOCAL_HOSTS or f"[{host}]" in LOCAL_HOSTS


# --------------------------------------------------------------------------- #
# JupyterLab server
# --------------------------------------------------------------------------- #


class LabServerError(RuntimeError):
    pass


@dataclass
class LabServer:
    """A private JupyterLab server on a temporary copy of the notebooks."""

    source: Path = field(default_factory=notebooks_dir)
    data: Path = ROOT / "data"
    startup_timeout: float = 90.0
    port: int = 0
    token: str = ""
    tmp: Path | None = None
    proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def root_dir(self) -> Path:
        assert self.tmp is not None
        return self.tmp / "work" / "notebooks"

    @property
    def log_path(self) -> Path:
        assert self.tmp is not None
        return self.tmp / "jupyterlab.log"

    def url(self, notebook: str) -> str:
        # ?reset: start from an empty workspace (no notebook left open by a previous page)
        return f"{self.base_url}/lab/tree/{notebook}?reset&token={self.token}"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def _prepare(self) -> dict[str, str]:
        self.tmp = Path(tempfile.mkdtemp(prefix="mw-lab-"))
        shutil.copytree(
            self.source,
            self.root_dir,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
        if self.data.is_dir():
            shutil.copytree(self.data, self.root_dir.parent / "data")
        dirs = {name: self.tmp / name for name in ("config", "data", "runtime", "ipython",
                                                   "app-settings", "user-settings", "workspaces")}
        for d in dirs.values():
            d.mkdir()
        (dirs["app-settings"] / "overrides.json").write_text(json.dumps(SETTINGS_OVERRIDES, indent=2))
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("JUPYTER", "JPY_")) and k not in ("IPYTHONDIR",)}
        env.update(
            JUPYTER_CONFIG_DIR=str(dirs["config"]),
            JUPYTER_DATA_DIR=str(dirs["data"]),
            JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
            JUPYTERLAB_SETTINGS_DIR=str(dirs["user-settings"]),
            JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
            IPYTHONDIR=str(dirs["ipython"]),
            JUPYTER_PLATFORM_DIRS="1",
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self) -> "LabServer":
        env = self._prepare()
        assert self.tmp is not None
        self.port = free_port()
        self.token = secrets.token_hex(16)
        cmd = [
            sys.executable, "-m", "jupyter", "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.terminals_enabled=False",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.app_settings_dir={self.tmp / 'app-settings'}",
            f"--LabApp.user_settings_dir={self.tmp / 'user-settings'}",
            f"--LabApp.workspaces_dir={self.tmp / 'workspaces'}",
            "--LabApp.extension_manager=readonly",
            "--LanguageServerManager.autodetect=False",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
            cmd.append("--allow-root")
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=self.root_dir, env=env, stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        status = f"{self.base_url}/api/status?token={self.token}"
        while True:
            if self.proc.poll() is not None:
                message = f"JupyterLab exited with {self.proc.returncode}:\n{self.log_tail()}"
                self.stop()
                raise LabServerError(message)
            try:
                with urllib.request.urlopen(status, timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                message = f"JupyterLab did not answer within {self.startup_timeout:.0f} s:\n{self.log_tail()}"
                self.stop()
                raise LabServerError(message)
            time.sleep(0.25)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:  # a clean shutdown also stops the kernels it started
                req = urllib.request.Request(f"{self.base_url}/api/shutdown?token={self.token}", method="POST")
                urllib.request.urlopen(req, timeout=5).close()
            except (urllib.error.URLError, OSError):
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        self.proc = None
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


# --------------------------------------------------------------------------- #
# Browser
# --------------------------------------------------------------------------- #


def launch_chromium(playwright: Any) -> tuple[Any, str]:
    """(browser, "") or (None, reason the browser tests must be skipped)."""
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return None, (f"chromium not found at {path}: apt-get install chromium "
                      "(or point MW_CHROMIUM at a Chromium binary)")
    try:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001 - any launch failure means: skip, with the reason
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return None, f"playwright cannot launch chromium at {path}: {first}"
    return browser, ""


class Offline:
    """Abort (and record) every request to a host other than 127.0.0.1/localhost."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def install(self, context: Any) -> None:
        context.route("**/*", self._route)
        context.route_web_socket("**/*", self._web_socket)

    def _record(self, what: str) -> None:
        if what not in self.blocked:
            self.blocked.append(what)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            self._record(f"{route.request.method} {url}")
            route.abort("blockedbyclient")

    def _web_socket(self, ws: Any) -> None:
        if is_local(ws.url):
            ws.connect_to_server()
        else:
            self._record(f"WEBSOCKET {ws.url}")
            ws.close()


# --------------------------------------------------------------------------- #
# Driving a notebook (JavaScript run in the page through window.jupyterapp)
# --------------------------------------------------------------------------- #

JS_PANEL = """
() => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  const w = app.shell.currentWidget;
  if (!w || !w.content || !w.content.model || !w.context || !w.sessionContext) return null;
  return w;
}
"""

JS_READY = f"""
(name) => {{
  const w = ({JS_PANEL})();
  if (!w || !w.context.isReady || w.context.path.split('/').pop() !== name) return false;
  const s = w.sessionContext.session;
  return !!(s && s.kernel && s.kernel.connectionStatus === 'connected'
            && s.kernel.status === 'idle' && w.content.widgets.length > 0);
}}
"""

JS_RUN_ALL = """
async () => {
  const app = window.jupyterapp;
  window.__mwRunError = null;
  await app.commands.execute('notebook:clear-all-cell-outputs');
  // resolves only when the run ends: do not wait here
  app.commands.execute('notebook:restart-run-all').catch(e => { window.__mwRunError = String(e); });
  return true;
}
"""

JS_STATE = f"""
() => {{
  const w = ({JS_PANEL})();
  if (!w) return null;
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  const visible = el => {{ const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; }};
  const cells = [];
  w.content.widgets.forEach((cell, index) => {{
    const m = cell.model;
    if (m.type !== 'code' || !m.sharedModel.getSource().trim()) return;
    const outputs = m.outputs.toJSON();
    const views = cell.outputArea ? cell.outputArea.widgets : [];
    const widgets = [];
    outputs.forEach((o, i) => {{
      if (!(o.data && o.data['application/vnd.jupyter.widget-view+json'])) return;
      const node = views[i] && views[i].node;
      const text = node ? (node.innerText || '').trim() : '';
      widgets.push({{
        rendered: !!(node && node.querySelector('.jupyter-widgets')),
        visible: !!(node && [...node.querySelectorAll('.jupyter-widgets')].some(visible)),
        error: /Error displaying widget|model not found|Failed to load model/i.test(text),
        text: text.slice(0, 300),
      }});
    }});
    cells.push({{
      index,
      count: m.executionCount,
      state: m.executionState || null,
      errors: outputs.filter(o => o.output_type === 'error')
                     .map(o => `${{o.ename}}: ${{o.evalue}}`),
      widgets,
    }});
  }});
  return {{
    kernel: kernel ? kernel.status : 'none',
    busy: w.sessionContext.kernelDisplayStatus,
    runError: window.__mwRunError || null,
    cells,
  }};
}}
"""

JS_SHUTDOWN_ALL = """
async () => {
  const app = window.jupyterapp;
  const all = [...app.shell.widgets('main')].filter(w => w.sessionContext && w.sessionContext.session);
  await Promise.all(all.map(w => w.sessionContext.session.shutdown().catch(() => {})));
  return true;
}
"""

JS_CLOSE = """
() => {
  // close every open notebook without a save dialog; their kernels shut down in the background
  const app = window.jupyterapp;
  for (const w of [...app.shell.widgets('main')]) {
    if (w.sessionContext && w.sessionContext.session) {
      w.sessionContext.session.shutdown().catch(() => {});
    }
    if (w.context && w.context.model) { w.context.model.dirty = false; }
    w.dispose();
  }
  return true;
}
"""

JS_INSPECT = """
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const root = panel || document;
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0
                          && getComputedStyle(el).visibility !== 'hidden'; };
  const text = el => (el.innerText || el.textContent || '').trim();
  const imgs = [...root.querySelectorAll('div.mw-chart img')];
  const errorOutputs = [...root.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]')];
  const stderr = [...root.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')];
  const controls = [...root.querySelectorAll(
    '.widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-radio, .widget-checkbox, '
    + '.widget-button, .widget-text, .widget-play, .widget-select, .widget-toggle-button')];
  return {
    charts: imgs.map(img => ({
      complete: img.complete, naturalWidth: img.naturalWidth,
      alt: (img.getAttribute('alt') || '').trim(),
      isData: (img.getAttribute('src') || '').startsWith('data:image/svg+xml'),
    })),
    errors: errorOutputs.map(e => text(e).slice(0, 2000)),
    tracebacks: stderr.map(text).filter(t => /Traceback/.test(t)).map(t => t.slice(0, 2000)),
    controls: controls.map(c => ({cls: [...c.classList].filter(x => x.startsWith('widget-')).join('.'),
                                  visible: visible(c)})),
    scroll: (() => { const o = root.querySelector('.jp-WindowedPanel-outer');
                     const v = root.querySelector('.jp-WindowedPanel-viewport');
                     return o ? {scrollHeight: o.scrollHeight, clientHeight: o.clientHeight,
                                 contentHeight: v ? v.getBoundingClientRect().height : o.scrollHeight} : null; })(),
  };
}
"""


def open_notebook(page: Any, server: LabServer, name: str, timeout_s: float = 90) -> None:
    """Load JupyterLab on ``lab/tree/NAME`` and wait for an idle, connected kernel."""
    page.goto(server.url(name), wait_until="domcontentloaded", timeout=timeout_s * 1000)
    page.wait_for_function(JS_READY, arg=name, timeout=timeout_s * 1000, polling=250)


class LabPage:
    """One offline browser page running JupyterLab, reused notebook after notebook.

    The first :meth:`open` loads ``lab/tree/NAME.ipynb``; later ones open the next
    notebook in the same page (``docmanager:open``) after closing the previous one,
    which saves reloading JupyterLab for every notebook. :meth:`discard` throws the
    page away (after a failure), so the next notebook starts from a fresh page.
    """

    def __init__(self, browser: Any, server: LabServer) -> None:
        self.browser = browser
        self.server = server
        self.context: Any = None
        self.page: Any = None
        self.offline = Offline()
        self.page_errors: list[str] = []

    def open(self, name: str, timeout_s: float = 90) -> Any:
        self.offline.blocked.clear()
        self.page_errors.clear()
        if self.page is None or self.page.is_closed():
            self.discard()
            self.context = self.browser.new_context(viewport={"width": 1280, "height": 900},
                                                    service_workers="block")
            self.offline.install(self.context)
            self.page = self.context.new_page()
            self.page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
            open_notebook(self.page, self.server, name, timeout_s)
        else:
            self.page.set_viewport_size({"width": 1280, "height": 900})
            self.page.evaluate(JS_CLOSE)
            self.page.evaluate("(p) => { window.jupyterapp.commands.execute('docmanager:open', {path: p}); }",
                               name)
            self.page.wait_for_function(JS_READY, arg=name, timeout=timeout_s * 1000, polling=250)
        return self.page

    def close_notebooks(self) -> None:
        if self.page is not None and not self.page.is_closed():
            try:
                self.page.evaluate(JS_CLOSE)
            except Exception:  # noqa: BLE001 - a broken page is discarded anyway
                self.discard()

    def discard(self) -> None:
        if self.page is not None and not self.page.is_closed():
            try:
                self.page.evaluate(JS_SHUTDOWN_ALL)
            except Exception:  # noqa: BLE001 - the server's shutdown stops them anyway
                pass
        if self.context is not None:
            try:
                self.context.close()
            except Exception:  # noqa: BLE001
                pass
        self.context = self.page = None


def dismiss_dialogs(page: Any) -> None:
    """Accept any modal dialog (a kernel restart confirmation, if one shows)."""
    button = page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept")
    if button.count():
        button.first.click()


def restart_and_run_all(page: Any, timeout_s: float = 180) -> dict[str, Any]:
    """Restart the kernel, run every cell, wait until all ran (or one failed) and idle.

    Outputs and execution counts are cleared first, so a committed (executed)
    notebook cannot look finished before it ran. Returns the final state.
    """
    page.evaluate(JS_RUN_ALL)
    deadline = time.monotonic() + timeout_s
    state: dict[str, Any] | None = None
    settled_since: float | None = None
    while time.monotonic() < deadline:
        dismiss_dialogs(page)
        state = page.evaluate(JS_STATE)
        if state is not None:
            if state.get("runError"):
                raise RuntimeError(f"'Restart kernel and run all' failed: {state['runError']}")
            cells = state["cells"]
            failed = any(c["errors"] for c in cells)
            ran = all(c["count"] is not None for c in cells)
            idle = state["kernel"] == "idle" and not any(c["state"] == "running" for c in cells)
            if (ran or failed) and idle:
                # stay idle for a moment: widget comm messages and displays may still arrive
                settled_since = settled_since or time.monotonic()
                if time.monotonic() - settled_since > 0.75:
                    return state
            else:
                settled_since = None
        time.sleep(0.25)
    pending = [c["index"] for c in (state or {}).get("cells", []) if c["count"] is None]
    raise TimeoutError(f"notebook did not finish within {timeout_s:.0f} s; kernel "
                       f"{(state or {}).get('kernel')}, cells not run: {pending}")


def wait_for_charts(page: Any, timeout_s: float = 30) -> None:
    """Wait until every chart image has finished decoding (or failed to)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.mw-chart img')].every(i => i.complete)",
        timeout=timeout_s * 1000, polling=200)


def wait_for_widgets(page: Any, timeout_s: float = 30) -> dict[str, Any]:
    """Wait until every widget output shows a rendered widget or an error (or time
    out: the caller's checks then say which did not render). Returns the state."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = page.evaluate(JS_STATE)
        views = [v for c in state["cells"] for v in c["widgets"]]
        if all(v["rendered"] or v["error"] for v in views) or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


def inspect(page: Any) -> dict[str, Any]:
    return page.evaluate(JS_INSPECT)


def full_page_screenshot(page: Any, path: Path, max_height: int = 16000) -> None:
    """Photograph the whole notebook: grow the viewport to the notebook's height."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or {"width": 1280, "height": 900}
    try:
        scroll = inspect(page)["scroll"]
    except Exception:  # noqa: BLE001 - JupyterLab did not load: photograph what is there
        scroll = None
    if scroll:
        chrome = size["height"] - scroll["clientHeight"]
        content = min(scroll["scrollHeight"], scroll["contentHeight"] + 60)
        height = min(max_height, max(size["height"], int(content) + chrome))
        page.set_viewport_size({"width": size["width"], "height": height})
        page.wait_for_timeout(300)
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)


# --------------------------------------------------------------------------- #
# Sliders
# --------------------------------------------------------------------------- #

JS_WIDGET_OUTPUTS = """
(cellIndex) => {
  const cells = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')];
  const scope = cellIndex === null ? document : cells[cellIndex];
  return [...scope.querySelectorAll('.widget-output, .jupyter-widgets-output-area')]
    .filter(o => !o.parentElement.closest('.widget-output, .jupyter-widgets-output-area'))
    .map(o => [...o.querySelectorAll('img')].map(i => i.getAttribute('src') || '').join('|')
              + '\\n' + (o.innerText || ''));
}
"""

JS_SLIDER_CELLS = """
() => {
  const cells = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')];
  return cells.map((c, i) => ({
    index: i,
    sliders: c.querySelectorAll('.widget-slider .noUi-handle, .widget-hslider .noUi-handle').length,
    outputs: c.querySelectorAll('.widget-output, .jupyter-widgets-output-area').length,
  })).filter(c => c.sliders > 0);
}
"""


@dataclass
class SliderMove:
    cell_index: int | None
    readout_before: str
    readout_after: str
    before: list[str] = field(repr=False)
    after: list[str] = field(repr=False)

    @property
    def changed(self) -> bool:
        return self.before != self.after


def move_first_slider(page: Any, timeout_s: float = 60) -> SliderMove | None:
    """Move the first slider (preferably one sharing a cell with an Output widget)
    one step with the keyboard and wait until the widget outputs change.

    Returns None when the notebook shows no slider.
    """
    cells = page.evaluate(JS_SLIDER_CELLS)
    if not cells:
        return None
    best = next((c for c in cells if c["outputs"]), cells[0])
    index = best["index"] if best["outputs"] else None
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(best["index"])
    slider = cell.locator(".widget-slider, .widget-hslider").first
    handle = slider.locator(".noUi-handle").first
    readout = slider.locator(".widget-readout").first
    before = page.evaluate(JS_WIDGET_OUTPUTS, index)
    readout_before = readout.inner_text() if readout.count() else ""
    handle.scroll_into_view_if_needed()
    handle.focus()
    readout_after = readout_before
    for key in ("ArrowRight", "ArrowLeft", "ArrowLeft"):  # the slider may start at its maximum
        handle.press(key)
        page.wait_for_timeout(200)
        readout_after = readout.inner_text() if readout.count() else ""
        if readout_after != readout_before:
            break
    deadline = time.monotonic() + timeout_s
    after = before
    while time.monotonic() < deadline:
        after = page.evaluate(JS_WIDGET_OUTPUTS, index)
        if after != before:
            # let the redraw finish (a clear_output, then a display): wait until stable
            page.wait_for_timeout(400)
            again = page.evaluate(JS_WIDGET_OUTPUTS, index)
            if again == after:
                break
            after = again
        time.sleep(0.25)
    return SliderMove(index, readout_before, readout_after, before, after)


# --------------------------------------------------------------------------
# Playing a participant: type an answer into an exercise cell and read the feedback
# --------------------------------------------------------------------------

JS_FIND_CHECK_CELL = f"""
(name) => {{
  const w = ({JS_PANEL})();
  if (!w) return -1;
  const re = new RegExp('\\\\b' + name + '\\\\.check\\\\(');
  return w.content.widgets.findIndex(c => c.model.type === 'code' && re.test(c.model.sharedModel.getSource()));
}}
"""

JS_EDIT_CELL = f"""
(index) => {{
  const w = ({JS_PANEL})();
  const nb = w.content;
  nb.activeCellIndex = index;
  nb.mode = 'edit';
  nb.activeCell.editor.focus();
  return nb.activeCell.model.executionCount;
}}
"""

JS_CELL_RESULT = f"""
(index) => {{
  const w = ({JS_PANEL})();
  const cell = w.content.widgets[index];
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  return {{
    count: cell.model.executionCount,
    running: cell.model.executionState === 'running' || (kernel && kernel.status !== 'idle'),
    source: cell.model.sharedModel.getSource(),
    text: cell.outputArea ? (cell.outputArea.node.innerText || '').trim() : '',
  }};
}}
"""


def play_exercise(page: Any, index: int, source: str, timeout_s: float = 60) -> dict[str, Any]:
    """Replace the text of cell ``index`` by typing ``source`` (one line), run it with
    Shift+Enter, and return the cell's source, execution count and output text."""
    before = page.evaluate(JS_EDIT_CELL, index)
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(source, delay=5)
    page.keyboard.press("Shift+Enter")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = page.evaluate(JS_CELL_RESULT, index)
        if result["count"] not in (None, before) and not result["running"] and result["text"]:
            return result
        time.sleep(0.25)
    raise TimeoutError(f"cell {index} did not run within {timeout_s:.0f} s: {page.evaluate(JS_CELL_RESULT, index)}")
