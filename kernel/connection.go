package kernel

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// ConnectionInfo is the content of a Jupyter connection file: where the
// kernel listens and the key that signs messages.
type ConnectionInfo struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	StdinPort       int    `json:"stdin_port"`
	IOPubPort       int    `json:"iopub_port"`
	HBPort          int    `json:"hb_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnectionFile reads and checks a connection file.
func ReadConnectionFile(path string) (ConnectionInfo, error) {
	var ci ConnectionInfo
	data, err := os.ReadFile(path)
	if err != nil {
		return ci, fmt.Errorf("connection file: %w", err)
	}
	if err := json.Unmarshal(data, &ci); err != nil {
		return ci, fmt.Errorf("connection file %s is not valid JSON: %w", path, err)
	}
	if err := ci.Validate(); err != nil {
		return ci, fmt.Errorf("connection file %s: %w", path, err)
	}
	return ci, nil
}

// Validate checks that the transport, address, ports and signature scheme
// are ones the kernel can use.
func (ci ConnectionInfo) Validate() error {
	switch ci.Transport {
	case "tcp", "ipc":
	case "":
		return errors.New(`"transport" is missing (want "tcp" or "ipc")`)
	default:
		return fmt.Errorf("transport %q is not supported (want \"tcp\" or \"ipc\")", ci.Transport)
	}
	if ci.IP == "" {
		return errors.New(`"ip" is missing`)
	}
	for name, port := range map[string]int{"shell_port": ci.ShellPort, "control_port": ci.ControlPort, "stdin_port": ci.StdinPort, "iopub_port": ci.IOPubPort, "hb_port": ci.HBPort} {
		if port <= 0 || port > 65535 {
			return fmt.Errorf("%q is %d: want a port between 1 and 65535", name, port)
		}
	}
	if ci.Key != "" && ci.SignatureScheme != "hmac-sha256" {
		return fmt.Errorf("signature_scheme %q is not supported (want \"hmac-sha256\")", ci.SignatureScheme)
	}
	return nil
}

// endpoint returns the ZeroMQ address of a port: tcp://ip:port, or for the
// ipc transport the file ip-port, as Jupyter names it.
func (ci ConnectionInfo) endpoint(port int) string {
	if ci.Transport == "ipc" {
		return "ipc://" + ci.IP + "-" + strconv.Itoa(port)
	}
	return "tcp://" + ci.IP + ":" + strconv.Itoa(port)
}
