"""golora's kernel driven by jupyter_client, over real sockets on 127.0.0.1."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from queue import Empty

import pytest
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file
from jupyter_client.manager import KernelManager, start_new_kernel
from jupyter_client.session import Session

TIMEOUT = 20


@pytest.fixture
def kernel():
    km, kc = start_new_kernel(kernel_name="golora", startup_timeout=TIMEOUT)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def collect(kc, msg_id, timeout=TIMEOUT):
    """Returns the execute reply and the iopub messages of one request."""
    outputs = []
    deadline = time.time() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        if msg["msg_type"] != "status":
            outputs.append(msg)
    while True:
        reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"], outputs


def execute(kc, code, **kw):
    return collect(kc, kc.execute(code, **kw))


def result_text(outputs):
    for m in outputs:
        if m["msg_type"] == "execute_result":
            return m["content"]["data"]["text/plain"]
    return None


def stream(outputs, name="stdout"):
    return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == name)


def test_cells_keep_state(kernel):
    _, kc = kernel
    reply, out = execute(kc, 'fmt.Println("hello, world")')
    assert reply["status"] == "ok" and stream(out) == "hello, world\n"
    execute(kc, "x := 41")
    reply, out = execute(kc, "x + 1")
    assert result_text(out) == "42"
    assert reply["execution_count"] == out[-1]["content"]["execution_count"]
    execute(kc, "func double(n int) int { return n * 2 }")
    assert result_text(execute(kc, "double(21)")[1]) == "42"
    # Running a cell with an import and a func again works.
    for _ in range(2):
        reply, out = execute(kc, 'import "strings"\nfunc shout(s string) string { return strings.ToUpper(s) }\nshout("go")')
        assert reply["status"] == "ok" and result_text(out) == '"GO"'


def test_panic_is_one_error_and_state_stays(kernel):
    _, kc = kernel
    execute(kc, "x := 41")
    reply, out = execute(kc, 'y := 1\npanic("boom")')
    assert reply["status"] == "error" and reply["ename"] == "Panic" and reply["evalue"] == "boom"
    errors = [m for m in out if m["msg_type"] == "error"]
    assert len(errors) == 1 and not [m for m in out if m["msg_type"] == "stream"]
    assert any("line 2" in line for line in errors[0]["content"]["traceback"])
    assert result_text(execute(kc, "x")[1]) == "41"


def test_syntax_error(kernel):
    _, kc = kernel
    reply, out = execute(kc, "x := \nfunc (")
    assert reply["status"] == "error" and reply["ename"] == "SyntaxError"
    assert "line" in reply["evalue"]


def wait_busy(kc, msg_id):
    while True:
        m = kc.get_iopub_msg(timeout=TIMEOUT)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input":
            return


def test_interrupt_by_message(kernel):
    km, kc = kernel
    execute(kc, "x := 41")
    msg_id = kc.execute("for {}")
    wait_busy(kc, msg_id)
    time.sleep(0.3)
    km.interrupt_kernel()  # interrupt_mode "message": an interrupt_request on control
    reply, out = collect(kc, msg_id)
    assert reply["status"] == "error" and reply["ename"] == "Interrupted"
    assert result_text(execute(kc, "x + 1")[1]) == "42"


def test_interrupt_by_sigint(kernel):
    km, kc = kernel
    execute(kc, "x := 41")
    msg_id = kc.execute("time.Sleep(time.Hour)")
    wait_busy(kc, msg_id)
    time.sleep(0.3)
    km.signal_kernel(signal.SIGINT)
    reply, _ = collect(kc, msg_id)
    assert reply["ename"] == "Interrupted"
    assert km.is_alive()
    assert result_text(execute(kc, "x + 1")[1]) == "42"


def test_restart_resets_state(kernel):
    km, kc = kernel
    execute(kc, "x := 41")
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=TIMEOUT)
    reply, _ = execute(kc, "x")
    assert reply["status"] == "error" and "undefined: x" in reply["evalue"]


def test_stdin(kernel):
    _, kc = kernel
    msg_id = kc.execute('var name string\nfmt.Scanln(&name)\n"hello " + name', allow_stdin=True)
    req = kc.get_stdin_msg(timeout=TIMEOUT)
    assert req["msg_type"] == "input_request" and req["parent_header"]["msg_id"] == msg_id
    kc.input("Ada")
    reply, out = collect(kc, msg_id)
    assert result_text(out) == '"hello Ada"'


def test_stdin_not_allowed(kernel):
    _, kc = kernel
    reply, out = execute(kc, 'var name string\n_, err := fmt.Scanln(&name)\nerr != nil', allow_stdin=False)
    assert reply["status"] == "ok" and result_text(out) == "true"
    assert "allow_stdin is false" in stream(out, "stderr")
    with pytest.raises(Empty):
        kc.get_stdin_msg(timeout=0.5)


def test_history(kernel):
    _, kc = kernel
    for code in ["1 + 1", "2 + 2", "1 + 1"]:
        execute(kc, code)
    kc.history(hist_access_type="tail", n=2, output=True, raw=True)
    h = kc.get_shell_msg(timeout=TIMEOUT)["content"]["history"]
    assert [e[2][0] for e in h] == ["2 + 2", "1 + 1"] and h[1][2][1] == "2"
    session, line = h[0][0], h[0][1]
    kc.history(hist_access_type="range", session=session, start=line, stop=line + 1, output=False, raw=True)
    assert [e[2] for e in kc.get_shell_msg(timeout=TIMEOUT)["content"]["history"]] == ["2 + 2"]
    kc.history(hist_access_type="search", pattern="1 +*", unique=True, output=False, raw=True)
    assert len(kc.get_shell_msg(timeout=TIMEOUT)["content"]["history"]) == 1


def test_comms(kernel):
    _, kc = kernel
    kc.comm_info()
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["content"] == {"status": "ok", "comms": {}}
    msg = kc.session.msg("comm_open", {"comm_id": "c1", "target_name": "nobody", "data": {}})
    kc.shell_channel.send(msg)
    while True:
        m = kc.get_iopub_msg(timeout=TIMEOUT)
        if m["msg_type"] == "comm_close":
            assert m["content"]["comm_id"] == "c1"
            break


def test_silent_and_store_history(kernel):
    _, kc = kernel
    reply, out = execute(kc, "1 + 1")
    count = reply["execution_count"]
    reply, out = execute(kc, '2 + 2\n', silent=True)
    assert reply["execution_count"] == count
    assert not [m for m in out if m["msg_type"] in ("execute_input", "execute_result")]
    reply, out = execute(kc, "3 + 3", store_history=False)
    assert reply["execution_count"] == count and result_text(out) == "6"
    reply, _ = execute(kc, "4 + 4")
    assert reply["execution_count"] == count + 1
    kc.history(hist_access_type="tail", n=2, output=False, raw=True)
    assert [e[2] for e in kc.get_shell_msg(timeout=TIMEOUT)["content"]["history"]] == ["1 + 1", "4 + 4"]


def test_user_expressions(kernel):
    _, kc = kernel
    reply, _ = execute(kc, "y := 5", user_expressions={"twice": "y * 2", "bad": "nope + 1"})
    ue = reply["user_expressions"]
    assert ue["twice"] == {"status": "ok", "data": {"text/plain": "10"}, "metadata": {}}
    assert ue["bad"]["status"] == "error" and "nope" in ue["bad"]["evalue"]


def test_stop_on_error_aborts_queued(kernel):
    _, kc = kernel
    first = kc.execute('time.Sleep(500 * time.Millisecond)\npanic("first")')
    queued = [kc.execute("1 + 1"), kc.execute("2 + 2")]
    assert collect(kc, first)[0]["status"] == "error"
    for msg_id in queued:
        assert collect(kc, msg_id)[0]["status"] == "aborted"
    # Later requests run again.
    assert execute(kc, "3 + 3")[0]["status"] == "ok"
    # Without stop_on_error the queue runs.
    first = kc.execute('time.Sleep(300 * time.Millisecond)\npanic("first")', stop_on_error=False)
    queued = kc.execute("1 + 1")
    collect(kc, first)
    assert collect(kc, queued)[0]["status"] == "ok"


def test_wrong_signature_is_never_executed(kernel, tmp_path):
    km, kc = kernel
    marker = tmp_path / "marker"
    code = f'os.WriteFile("{marker}", []byte("ran"), 0o644)'
    for key in (b"not-the-key", b""):
        bad = BlockingKernelClient(connection_file=km.connection_file)
        bad.load_connection_file()
        bad.session = Session(key=key, signature_scheme="hmac-sha256")
        bad.start_channels()
        bad.execute(code)
        with pytest.raises(Empty):
            bad.get_shell_msg(timeout=1.5)
        bad.stop_channels()
        assert not marker.exists(), f"executed a message signed with {key!r}"
    # The kernel is alive and executes properly signed messages.
    execute(kc, code)
    assert marker.read_text() == "ran"


def test_unknown_message_type(kernel):
    _, kc = kernel
    msg = kc.session.msg("frobnicate_request", {})
    kc.shell_channel.send(msg)
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["msg_type"] == "frobnicate_reply" and reply["content"]["status"] == "error"
    assert "frobnicate_request" in reply["content"]["evalue"]
    assert execute(kc, "1 + 1")[0]["status"] == "ok"


def run_kernel(golora, connection_file):
    return subprocess.run([golora, "kernel", connection_file], capture_output=True, text=True, timeout=TIMEOUT)


def test_missing_connection_file(golora, tmp_path):
    p = run_kernel(golora, str(tmp_path / "nope.json"))
    assert p.returncode != 0 and "nope.json" in p.stderr


def test_malformed_connection_file(golora, tmp_path):
    f = tmp_path / "bad.json"
    f.write_text('{"transport": "tcp", "ip": ')
    p = run_kernel(golora, str(f))
    assert p.returncode != 0 and "bad.json" in p.stderr and "JSON" in p.stderr


def test_port_in_use(golora, tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    fn, info = write_connection_file(str(tmp_path / "c.json"), ip="127.0.0.1", key=b"k")
    info = json.loads(open(fn).read())
    info["shell_port"] = port
    open(fn, "w").write(json.dumps(info))
    p = run_kernel(golora, fn)
    busy.close()
    assert p.returncode != 0 and "shell" in p.stderr and str(port) in p.stderr


def test_streams_arrive_while_the_cell_runs(kernel):
    _, kc = kernel
    msg_id = kc.execute('fmt.Println("first")\ntime.Sleep(1500 * time.Millisecond)\nfmt.Println("second")')
    first_at = idle_at = None
    while idle_at is None:
        m = kc.get_iopub_msg(timeout=TIMEOUT)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "stream" and "first" in m["content"]["text"] and first_at is None:
            first_at = time.time()
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            idle_at = time.time()
    assert first_at is not None and idle_at - first_at > 1.0


def test_every_writer_is_captured(kernel):
    _, kc = kernel
    reply, out = execute(kc, 'fmt.Fprintln(os.Stdout, "via os.Stdout")\nos.Stdout.WriteString("direct\\n")\nlog.SetFlags(0)\nlog.Println("via log")')
    assert "via os.Stdout\ndirect\n" in stream(out)
    assert "via log" in stream(out, "stderr")
    reply, out = execute(kc, "!echo from a child process")
    assert "from a child process" in stream(out)


def test_update_display_data(kernel):
    _, kc = kernel
    reply, out = execute(kc, 'id := display.NewID()\ndisplay.Update(id, display.Text("one"))\ndisplay.Update(id, display.Text("two"))')
    out = [m for m in out if m["msg_type"] != "execute_input"]
    kinds = [m["msg_type"] for m in out]
    assert kinds == ["display_data", "update_display_data"]
    ids = {m["content"]["transient"]["display_id"] for m in out}
    assert len(ids) == 1
    assert out[1]["content"]["data"]["text/plain"] == "two"


def test_heartbeat_answers_while_a_cell_runs(kernel):
    km, kc = kernel
    import zmq
    ctx = zmq.Context.instance()
    hb = ctx.socket(zmq.REQ)
    hb.connect(f"tcp://{km.ip}:{km.hb_port}")
    msg_id = kc.execute("time.Sleep(2 * time.Second)")
    wait_busy(kc, msg_id)
    t0 = time.time()
    hb.send(b"ping")
    assert hb.poll(1000), "no heartbeat while a cell runs"
    assert hb.recv() == b"ping" and time.time() - t0 < 1
    hb.close()
    collect(kc, msg_id)


def test_interrupt_keeps_a_training_run(kernel, tmp_path):
    """The interrupt button stops training at a step boundary; the cell's
    variable gets the partial run, and the adapter and a checkpoint are saved."""
    km, kc = kernel
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    setup = f'''model, err := llama.Load(ctx, "{root}/builtins/llama/testdata/models/gqa")
var examples []lora.Example
for i := 0; i < 4000; i++ {{
	ids := make([]int, 48)
	for j := range ids {{
		ids[j] = 3 + (i*7+j*13)%250
	}}
	examples = append(examples, lora.Example{{IDs: ids}})
}}'''
    reply, _ = execute(kc, setup)
    assert reply["status"] == "ok", reply
    msg_id = kc.execute(f'run, err := lora.Train(ctx, model, lora.FromExamples(examples), lora.Config{{Name: "stopme", Epochs: 1, MicroBatch: 2, Batch: 2, OutputDir: "{tmp_path}", NoWarmup: true}})')
    wait_busy(kc, msg_id)
    time.sleep(3)
    km.interrupt_kernel()
    reply, out = collect(kc, msg_id)
    assert reply["status"] == "error" and reply["ename"] == "Interrupted"
    reply, out = execute(kc, 'fmt.Println(run.Status, run.Steps > 0, run.Steps < run.TotalSteps, err)')
    assert stream(out) == "interrupted true true <nil>\n", out
    assert (tmp_path / "stopme" / "adapter_model.safetensors").exists()
    assert list((tmp_path / "stopme").glob("checkpoint-*/trainer_state.json"))


def process_gone(pid):
    """Whether pid has exited (a zombie whose new parent does not reap it counts)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_orphaned_kernel_saves_the_training_and_exits(golora, tmp_path):
    """A kernel whose parent dies (a killed nbconvert) interrupts the training
    cell, which saves its adapter and a checkpoint, then exits."""
    fn, _ = write_connection_file(str(tmp_path / "c.json"), ip="127.0.0.1", key=b"orphan-key")
    env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
    parent = subprocess.Popen(["sh", "-c", '"$0" kernel "$1" 2>"$2" & echo $!; wait', golora, fn, str(tmp_path / "kernel.log")],
                              stdout=subprocess.PIPE, text=True, env=env)
    kernel_pid = int(parent.stdout.readline())
    try:
        kc = BlockingKernelClient(connection_file=fn)
        kc.load_connection_file()
        kc.start_channels()
        kc.wait_for_ready(timeout=TIMEOUT)
        root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
        reply, _ = execute(kc, f'''model, err := llama.Load(ctx, "{root}/builtins/llama/testdata/models/gqa")
var examples []lora.Example
for i := 0; i < 4000; i++ {{
	examples = append(examples, lora.Example{{IDs: []int{{3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}}}})
}}''')
        assert reply["status"] == "ok", reply
        msg_id = kc.execute(f'lora.Train(ctx, model, lora.FromExamples(examples), lora.Config{{Name: "orphan", Epochs: 1, MicroBatch: 2, Batch: 2, OutputDir: "{tmp_path}", NoWarmup: true}})')
        wait_busy(kc, msg_id)
        time.sleep(3)
        kc.stop_channels()
        parent.kill()
        parent.wait()
        deadline = time.time() + TIMEOUT
        while not process_gone(kernel_pid) and time.time() < deadline:
            time.sleep(0.1)
        log = (tmp_path / "kernel.log").read_text()
        assert process_gone(kernel_pid), "the orphaned kernel is still running\n" + log
        assert "is gone" in log, log
        assert (tmp_path / "orphan" / "adapter_model.safetensors").exists(), log
        assert list((tmp_path / "orphan").glob("checkpoint-*/trainer_state.json")), log
    finally:
        if not process_gone(kernel_pid):
            os.kill(kernel_pid, signal.SIGKILL)
