"""Benchmarks of the golora kernel through jupyter_client, the real client.

  start: from launching `golora kernel` to its kernel_info_reply
  ready: from launching to the first iopub message (jupyter_client's wait_for_ready)
  round trip: from sending execute_request for `1+1` to its iopub status idle

Prints the medians and spreads. Run with `make bench-kernel`.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

import jupyter_client
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

GOLORA = os.environ.get("GOLORA", "./golora")
STARTS = int(os.environ.get("STARTS", "10"))
ROUND_TRIPS = int(os.environ.get("ROUND_TRIPS", "200"))


def start():
    fn, _ = write_connection_file(tempfile.mktemp(suffix=".json"), ip="127.0.0.1", key=b"bench-key")
    t0 = time.perf_counter()
    proc = subprocess.Popen([GOLORA, "kernel", fn], stderr=subprocess.DEVNULL)
    kc = BlockingKernelClient(connection_file=fn)
    kc.load_connection_file()
    kc.start_channels()
    kc.kernel_info()
    kc.get_shell_msg(timeout=30)
    t_info = time.perf_counter() - t0
    kc.wait_for_ready(timeout=30)
    t_ready = time.perf_counter() - t0
    return proc, kc, t_info, t_ready


def round_trip(kc):
    t0 = time.perf_counter()
    msg_id = kc.execute("1+1")
    while True:
        m = kc.get_iopub_msg(timeout=30)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    dt = time.perf_counter() - t0
    kc.get_shell_msg(timeout=30)
    return dt


def summary(name, xs):
    xs = sorted(x * 1000 for x in xs)
    q = statistics.quantiles(xs, n=10) if len(xs) >= 10 else [xs[0]] * 9
    print(f"{name:<28} median {statistics.median(xs):8.2f} ms   p10 {q[0]:7.2f}   p90 {q[-1]:7.2f}   n {len(xs)}")


def main():
    infos, readies, trips = [], [], []
    for i in range(STARTS):
        proc, kc, t_info, t_ready = start()
        infos.append(t_info)
        readies.append(t_ready)
        if i == 0:
            for _ in range(20):  # warm-up
                round_trip(kc)
            trips = [round_trip(kc) for _ in range(ROUND_TRIPS)]
        kc.shutdown()
        proc.wait(timeout=30)
        kc.stop_channels()
    print(f"golora kernel, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, jupyter_client {jupyter_client.__version__}")
    summary("start → kernel_info_reply", infos)
    summary("start → iopub ready", readies)
    summary("execute 1+1 → idle", trips)


if __name__ == "__main__":
    main()
