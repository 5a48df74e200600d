"""Every example notebook runs top to bottom, with golora run and with
jupyter nbconvert on the installed kernelspec, and shows what it promises."""
import glob
import os
import subprocess
import sys

import nbformat
import pytest

HERE = os.path.dirname(__file__)
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
NOTEBOOKS = sorted(glob.glob(os.path.join(HERE, "..", "*.ipynb")))
# Notebooks that take too long for every test run (pretraining, the real
# model's) are checked by their own targets.
SKIP = {"pretrain-tiny.ipynb", "real-model.ipynb"}  # make demo-real runs the second
# What each notebook must show, beyond running without errors.
MUST_SHOW = {
    "quickstart.ipynb": ["image/png", "text/html"],
    "schedulers.ipynb": ["image/png", "text/html"],
    "format-files.ipynb": ["image/png", "text/html"],
    "train-lora.ipynb": ["image/png", "text/html"],
    "raw-text.ipynb": ["image/png", "text/html"],
    "evaluate-and-generate.ipynb": ["text/html"],
    "resume.ipynb": ["image/png"],
    "chat.ipynb": ["image/png", "text/html"],
}
TIMEOUT = 900
# The notebooks train models: on XLA's CPU plugin, when `make xla-cpu` has
# installed it, they run many times faster than on the pure-Go default.
PLUGIN = os.path.expanduser("~/.local/lib/go-xla/pjrt_c_api_cpu_plugin.so")
ENV = dict(os.environ)
if "GOMLX_BACKEND" not in ENV and os.path.exists(PLUGIN):
    ENV["GOMLX_BACKEND"] = "xla:cpu"
# Without the plugin (a newcomer's `make test` on the pure-Go backend) the
# notebooks that train run with the smaller parameters of QUICK, set in the
# cell after their `parameters` cell as `golora run -p` does, and through
# Jupyter (nbconvert) only NBCONVERT_ON_GO run: every notebook still runs
# once, and the kernel path still runs a training. CI installs the plugin
# and runs each notebook both ways with its own parameters.
ON_GO = ENV.get("GOMLX_BACKEND", "go").split(":")[0] in ("", "go", "simplego")
QUICK = {
    "quickstart.ipynb": {"rows": "48", "epochs": "1"},
    "train-lora.ipynb": {"epochs": "1"},
    "raw-text.ipynb": {"epochs": "1"},
    "chat.ipynb": {"rows": "48", "epochs": "1"},
    "evaluate-and-generate.ipynb": {"heldoutChars": "16000", "sample": "12000"},
}
NBCONVERT_ON_GO = {"quickstart.ipynb", "format-files.ipynb", "schedulers.ipynb"}


def quick(name):
    return QUICK.get(name, {}) if ON_GO else {}


def with_parameters(src, dst, values):
    """Writes the notebook src to dst with a cell setting values inserted
    after its parameters cell, and a first cell that moves to the
    repository's root (the notebooks find it as the folder above theirs)."""
    nb = nbformat.read(src, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"os.Chdir({ROOT!r})".replace("'", '"')))
    for i, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            code = "\n".join(f"{k} = {v}" for k, v in values.items())
            nb.cells.insert(i + 1, nbformat.v4.new_code_cell(code))
            break
    else:
        raise AssertionError(f"{src}: no parameters cell")
    nbformat.write(nb, dst)


def names():
    return [os.path.basename(p) for p in NOTEBOOKS if os.path.basename(p) not in SKIP]


def check_outputs(nb, name):
    mimes = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"{name}: a cell did not run"
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{name}: {out.ename}: {out.evalue}"
            mimes.update(out.get("data", {}).keys())
    for mime in MUST_SHOW.get(name, []):
        assert mime in mimes, f"{name}: no {mime} output"


@pytest.mark.parametrize("name", names())
def test_golora_run(golora, tmp_path, name):
    out = tmp_path / name
    params = [a for k, v in quick(name).items() for a in ("-p", f"{k}={v}")]
    p = subprocess.run([golora, "run", os.path.join(HERE, "..", name), "-o", str(out), "-q", *params],
                       capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT, env=ENV)
    assert p.returncode == 0, p.stderr
    nb = nbformat.read(str(out), as_version=4)
    nbformat.validate(nb)
    check_outputs(nb, name)


@pytest.mark.parametrize("name", names())
def test_nbconvert_execute(tmp_path, name):
    if ON_GO and name not in NBCONVERT_ON_GO:
        pytest.skip("on the pure-Go backend only NBCONVERT_ON_GO run through Jupyter (make xla-cpu runs all)")
    src = os.path.join(HERE, "..", name)
    if quick(name):
        os.makedirs(tmp_path / "in")
        with_parameters(src, str(tmp_path / "in" / name), quick(name))
        src = str(tmp_path / "in" / name)
    p = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--execute", "--to", "notebook",
                        "--ExecutePreprocessor.kernel_name=golora", f"--ExecutePreprocessor.timeout={TIMEOUT}",
                        "--output-dir", str(tmp_path), src],
                       capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path, env=ENV)
    assert p.returncode == 0, p.stderr
    nb = nbformat.read(str(tmp_path / name), as_version=4)
    check_outputs(nb, name)
