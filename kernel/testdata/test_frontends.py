"""golora run (notebooks without Jupyter) and golora repl (a terminal)."""
import os
import pty
import select
import subprocess
import time

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

TIMEOUT = 60


def write_nb(path, cells, tags=None):
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "golora", "display_name": "Go (golora)", "language": "go"}
    nbformat.write(nb, str(path))
    return path


def test_run_writes_valid_notebook(golora, tmp_path):
    src = write_nb(tmp_path / "in.ipynb", [
        new_markdown_cell("# A title"),
        new_code_cell('fmt.Println("hello from run")'),
        new_code_cell("x := 41\nx + 1"),
        new_code_cell('display.Show(display.HTML("<b>bold</b>"))'),
        new_code_cell('fmt.Fprintln(os.Stderr, "to stderr")'),
    ])
    out = tmp_path / "out.ipynb"
    p = subprocess.run([golora, "run", str(src), "-o", str(out)], capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    nb = nbformat.read(str(out), as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4 and nb.nbformat_minor == 5
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].outputs[0].output_type == "stream" and code[0].outputs[0].text == "hello from run\n"
    assert code[1].execution_count == 2 and code[1].outputs[0].data["text/plain"] == "42"
    assert code[2].outputs[0].output_type == "display_data" and "text/html" in code[2].outputs[0].data
    assert code[3].outputs[0].name == "stderr"
    assert nb.cells[0].source == "# A title"
    # The terminal saw the cells' output as they ran.
    assert "hello from run" in p.stderr


def test_run_stops_at_error_and_writes(golora, tmp_path):
    src = write_nb(tmp_path / "in.ipynb", [
        new_code_cell("x := 1"),
        new_code_cell('panic("stop here")'),
        new_code_cell("x + 1"),
    ])
    out = tmp_path / "out.ipynb"
    p = subprocess.run([golora, "run", str(src), "-o", str(out)], capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode == 1 and "stop here" in p.stderr
    nb = nbformat.read(str(out), as_version=4)
    nbformat.validate(nb)
    assert nb.cells[1].outputs[0].output_type == "error" and nb.cells[1].outputs[0].evalue == "stop here"
    assert nb.cells[2].outputs == [] and nb.cells[2].execution_count is None
    p = subprocess.run([golora, "run", str(src), "-o", str(out), "--allow-errors"], capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode == 1
    nb = nbformat.read(str(out), as_version=4)
    assert nb.cells[2].outputs[0].data["text/plain"] == "2"


def test_run_parameters(golora, tmp_path):
    params = new_code_cell('lr := 3e-4\nname := "base"\nsteps := 10')
    params.metadata["tags"] = ["parameters"]
    src = write_nb(tmp_path / "in.ipynb", [params, new_code_cell('fmt.Println(name, lr, steps)')])
    out = tmp_path / "out.ipynb"
    p = subprocess.run([golora, "run", str(src), "-o", str(out), "-p", "name=devil", "-p", "lr=1e-3", "-p", "steps=20"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    nb = nbformat.read(str(out), as_version=4)
    nbformat.validate(nb)
    assert nb.cells[1].metadata["tags"] == ["injected-parameters"]
    assert nb.cells[2].outputs[0].text == "devil 0.001 20\n"
    p = subprocess.run([golora, "run", str(src), "-p", "nosuch=1"], capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode != 0 and "nosuch" in p.stderr and "parameters" in p.stderr


def test_run_bad_notebook(golora, tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    p = subprocess.run([golora, "run", str(bad)], capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode != 0 and "bad.ipynb" in p.stderr


def test_repl_through_pipes(golora, tmp_path):
    cells = 'x := 41\nx + 1\nfunc f() int {\n\treturn 2\n}\nf() * 10\nvar name string\nfmt.Scanln(&name)\nAda\n"hi " + name\npanic("boom")\nx\n'
    p = subprocess.run([golora, "repl"], input=cells, capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "Out[2]: 42" in p.stdout
    assert "Out[4]: 20" in p.stdout
    assert "...:" in p.stdout  # the func continued over lines
    assert 'Out[7]: "hi Ada"' in p.stdout
    assert "Panic" in p.stdout and "boom" in p.stdout
    assert "Out[9]: 41" in p.stdout


def test_repl_in_a_terminal(golora, tmp_path):
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(tmp_path)
        os.execv(golora, [golora, "repl"])
    out = b""

    def read_until(token, timeout=TIMEOUT):
        nonlocal out
        deadline = time.time() + timeout
        while token not in out and time.time() < deadline:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    break
        assert token in out, out.decode(errors="replace")

    read_until(b"In [1]: ")
    os.write(fd, b"for {}\n")
    time.sleep(0.5)
    os.write(fd, b"\x03")  # Ctrl-C interrupts the cell, not the REPL
    read_until(b"Interrupted")
    os.write(fd, b"6 * 7\n")
    read_until(b"42")
    os.write(fd, b"display.Show(display.Image(image.NewRGBA(image.Rect(0, 0, 2, 2))))\n")
    read_until(b"image written to")
    os.write(fd, b"\x04")  # Ctrl-D leaves
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert list(tmp_path.glob("golora-images/*.png"))


def test_kernelspec_found_by_jupyter():
    from jupyter_client.kernelspec import KernelSpecManager
    spec = KernelSpecManager().get_kernel_spec("golora")
    assert spec.display_name == "Go (golora)" and spec.language == "go" and spec.interrupt_mode == "message"
    assert os.path.isabs(spec.argv[0]) and os.access(spec.argv[0], os.X_OK)
    assert os.path.exists(os.path.join(spec.resource_dir, "logo-64x64.png"))
