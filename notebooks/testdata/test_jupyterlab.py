"""golora in a real JupyterLab, driven in headless Chromium.

Starts `jupyter lab` on 127.0.0.1 with the golora kernelspec installed in the
project's virtualenv, checks that the launcher offers "Go (golora)" with its
logo, opens notebooks/quickstart.ipynb, runs all its cells, and checks that
the scheduler plot and the progress bar are on the page. Screenshots go to
the artifacts folder (out/test by default). Run with `make test-browser`.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
TOKEN = "golora-browser-test"
PLUGIN = os.path.expanduser("~/.local/lib/go-xla/pjrt_c_api_cpu_plugin.so")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    # The quickstart, with a short run: it is the page that matters here.
    nb = json.load(open(os.path.join(ROOT, "notebooks", "quickstart.ipynb")))
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cell["source"] = 'rows := 32\nepochs := 1\nname := "devil-browser"'
    json.dump(nb, open(root / "quickstart.ipynb", "w"))
    os.symlink(os.path.join(ROOT, "models"), root / "models")
    os.symlink(os.path.join(ROOT, "datasets"), root / "datasets")
    os.symlink(os.path.join(ROOT, "formats"), root / "formats")
    port = free_port()
    # No question about Jupyter's news in the screenshots.
    settings = root / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env = dict(os.environ,
               GOMLX_BACKEND=os.environ.get("GOMLX_BACKEND", "xla:cpu" if os.path.exists(PLUGIN) else "go"),
               JUPYTERLAB_SETTINGS_DIR=str(root / ".settings"),
               JUPYTER_CONFIG_DIR=str(root / ".config"),
               JUPYTER_RUNTIME_DIR=str(root / ".runtime"),
               JUPYTER_DATA_DIR=str(root / ".data"))
    jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
    log = open(root / "lab.log", "w")
    proc = subprocess.Popen([
        jupyter, "lab", "--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=", "--ServerApp.port_retries=0", "--allow-root",
    ], cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("jupyter lab did not start:\n" + open(root / "lab.log").read())
            time.sleep(0.5)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield driver
    driver.quit()


def test_launcher_offers_golora(lab, browser, artifacts):
    browser.get(f"{lab}/lab?token={TOKEN}")
    card = WebDriverWait(browser, 90).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, '.jp-LauncherCard[title="Go (golora)"]')))
    logo = card.find_element(By.TAG_NAME, "img")
    assert "golora" in logo.get_attribute("src") and "logo" in logo.get_attribute("src")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", logo))
    browser.save_screenshot(os.path.join(artifacts, "jupyterlab-launcher.png"))


def test_quickstart_runs_in_jupyterlab(lab, browser, artifacts):
    browser.get(f"{lab}/lab/tree/quickstart.ipynb?token={TOKEN}")
    # Wait until the notebook's golora kernel is idle.
    WebDriverWait(browser, 120).until(lambda d: d.execute_script("""
        const app = window.jupyterapp;
        const w = app && app.shell.currentWidget;
        const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
        return !!k && k.name === 'golora' && k.status === 'idle';
    """))
    # The committed notebook carries outputs: clear them, so that what the
    # test finds afterwards comes from this run.
    browser.execute_script("return window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    assert not browser.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output img")
    browser.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # Every code cell gets an execution count, and the kernel is idle again.
    WebDriverWait(browser, 600).until(lambda d: d.execute_script("""
        const w = window.jupyterapp.shell.currentWidget;
        const cells = w.content.widgets.filter(c => c.model.type === 'code');
        const done = cells.every(c => c.model.executionCount !== null);
        return done && w.sessionContext.session.kernel.status === 'idle';
    """))
    errors = browser.find_elements(By.CSS_SELECTOR, '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    assert not [e.text for e in errors if "Error" in e.text or "Panic" in e.text]
    plots = browser.find_elements(By.CSS_SELECTOR, '.jp-OutputArea-output img')
    assert plots, "no image in the outputs"
    assert any(browser.execute_script("return arguments[0].naturalWidth", img) > 300 for img in plots)
    bars = browser.find_elements(By.CSS_SELECTOR, ".golora-progress")
    assert bars and "100%" in bars[-1].text and "train devil-browser" in bars[-1].text
    text = browser.find_element(By.CSS_SELECTOR, ".jp-Notebook").text
    assert "LoRA run devil-browser" in text
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", bars[-1])
    browser.save_screenshot(os.path.join(artifacts, "jupyterlab-quickstart.png"))
