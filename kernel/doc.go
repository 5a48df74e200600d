// Package kernel speaks the Jupyter messaging protocol (version 5.3) over
// ZeroMQ, so that Jupyter clients — JupyterLab, Notebook, nbclient, the
// console — can run cells in an Evaluator.
//
// A Kernel binds the five sockets named in a connection file (shell,
// control, stdin, iopub, heartbeat), verifies the HMAC-SHA256 signature of
// every message it receives in constant time and drops those that fail,
// signs every message it sends, and dispatches requests to one handler per
// message type. Shell requests run one at a time in arrival order; control
// requests (interrupt, shutdown) run at once, even while a cell runs; the
// heartbeat answers from its own goroutine.
//
// Nothing a peer sends without the key can stop the kernel. The sockets
// listen through a transport that reads each ZMTP frame's header before
// zmq4 does: a peer that announces a frame, or a message, over
// Kernel.MaxFrame bytes (DefaultMaxFrame, 256 MiB, unless set; golora kernel
// reads it from GOLORA_MAX_FRAME) or a message of more than 1024 frames
// has its connection closed, with a line in the log, before anything is
// allocated; a peer that does not finish its greeting within ten seconds
// is cut too, so that it cannot keep other clients out. A message whose
// signature the kernel has seen before, on any channel, is a replay: it is
// logged and dropped. The kernel remembers the last 65536 signatures, as
// jupyter_client's sessions do.
//
// WatchParent ends an orphaned kernel: when the kernel's parent pid changes
// from the one it started with (the parent died and init or a sub-reaper
// adopted the kernel), or the process named by JPY_PARENT_PID is gone, it
// logs why, interrupts the running cell (training saves its adapter and
// checkpoint on interrupt), waits up to a minute for the cell to end, and
// shuts the kernel down as on SIGTERM. golora kernel watches once a second.
//
// The package knows nothing of Go or of the interpreter: it talks to an
// Evaluator, declared in the types of package cell that golora's runtime
// implements without importing the kernel, and hands each running cell a
// cell.Output that turns streams and displays (package output's bundles)
// into iopub messages and input requests into stdin messages. What a
// kernel_info reply says of the language comes in Info, from package
// kernelspec.
package kernel
