package llama

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/go-xla/compute/xla"
)

// BackendEnv is the environment variable that chooses the GoMLX backend, as
// GoMLX itself reads it: unset or "go[:options]" for the Go backend
// (compute/gobackend, pure Go, the CPU default; "simplego", its name before
// GoMLX v0.28, is accepted too), "xla:PLUGIN" or
// "xla:/abs/path/pjrt_plugin.so" for XLA.
const BackendEnv = "GOMLX_BACKEND"

// simplegoDefaults is the Go backend's configuration golora uses unless
// GOMLX_BACKEND sets the parallelism or ops_sequential itself. simplego's
// default pool of workers is as large as the number of cores, and each op
// that runs in parallel with others may start parallel work of its own: with
// two cores every worker ends up held by an op waiting for a worker for its
// inner work, and the program deadlocks. Unbounded workers avoid that, and
// let the element-wise ops, which use one core each, overlap with each other
// and with the matrix products: a stories15M LoRA step took 8.6–8.9 s against
// 9.4–11.1 s with ops_sequential (one op at a time, the only other setting
// that does not deadlock), for 25% more peak memory (1.6 GB against 1.3).
const simplegoDefaults = "parallelism=-1"

// xlaAliases are the names GoMLX accepts for its XLA backend.
var xlaAliases = []string{"xla", "stablehlo", "shlo", "hlo", "pjrt"}

// backendChoice is what GOMLX_BACKEND asks for and what golora will use.
type backendChoice struct {
	name   string // "go" or "xla".
	config string // Configuration passed to the backend's constructor.
	note   string // Why the choice differs from the request, if it does.
}

// chooseBackend interprets GOMLX_BACKEND. XLA is chosen only when its PJRT
// plugin can be found without downloading anything; otherwise simplego, with
// a note that says why.
func chooseBackend() backendChoice {
	spec := os.Getenv(BackendEnv)
	name, config, _ := strings.Cut(spec, ":")
	switch {
	case name == "" || name == gobackend.BackendName || name == "simplego":
		if !strings.Contains(config, "ops_sequential") && !strings.Contains(config, "parallelism") {
			config = strings.Trim(config+","+simplegoDefaults, ",")
		}
		return backendChoice{name: gobackend.BackendName, config: config}
	case slices.Contains(xlaAliases, name):
		if err := findPlugin(config); err != nil {
			return backendChoice{name: gobackend.BackendName, config: simplegoDefaults,
				note: fmt.Sprintf("%s=%s: %v", BackendEnv, spec, err)}
		}
		return backendChoice{name: "xla", config: config}
	}
	return backendChoice{name: gobackend.BackendName, config: simplegoDefaults,
		note: fmt.Sprintf("%s=%s names no backend golora knows (want go or xla)", BackendEnv, spec)}
}

// findPlugin checks that the PJRT plugin named by an xla configuration
// ("", "cpu", "cuda" or an absolute path, then options after commas) exists.
func findPlugin(config string) error {
	xla.EnableAutoInstall(false) // Never download a plugin.
	plugin, _, _ := strings.Cut(config, ",")
	if filepath.IsAbs(plugin) {
		if _, err := os.Stat(plugin); err != nil {
			return fmt.Errorf("PJRT plugin: %w", err)
		}
		return nil
	}
	available := xla.GetAvailablePlugins()
	if len(available) == 0 {
		return fmt.Errorf("no PJRT plugin found (set PJRT_PLUGIN_LIBRARY_PATH or give the plugin's absolute path)")
	}
	if plugin != "" && !slices.Contains(available, plugin) {
		return fmt.Errorf("no PJRT plugin %q (found %s)", plugin, strings.Join(available, ", "))
	}
	return nil
}

// String describes the choice for a person: the backend, its configuration,
// and on the Go backend the matrix kernels in use (see MatrixKernels).
func (c backendChoice) String() string {
	s := c.name
	if c.config != "" {
		s += " (" + c.config + ")"
	}
	if c.name == gobackend.BackendName {
		s += ", " + MatrixKernels() + " matrix kernels"
	}
	if c.note != "" {
		s += "; " + c.note
	}
	return s
}

// Backend returns the backend a model loaded now would run on: "go" (pure
// Go, the CPU default, with the matrix kernels it uses: "go
// (parallelism=-1), AVX2 matrix kernels") or "xla", with its configuration,
// and why XLA was not used when GOMLX_BACKEND asked for it.
func Backend() string { return chooseBackend().String() }

// newBackend creates the backend chooseBackend picks.
func newBackend() (compute.Backend, backendChoice, error) {
	c := chooseBackend()
	var b compute.Backend
	var err error
	if c.name == "xla" {
		b, err = xla.New(c.config)
	} else {
		b, err = newSimplego(c.config)
	}
	if err != nil {
		return nil, c, fmt.Errorf("llama: creating the %s backend: %w", c, err)
	}
	return b, c, nil
}

// newSimplego creates a Go backend. It prints a line to
// standard output whenever it is given a parallelism, which a notebook would
// show under the cell; newSimplego keeps it quiet.
func newSimplego(config string) (b compute.Backend, err error) {
	withoutStdout(func() { b, err = gobackend.New(config) })
	return b, err
}

// withoutStdout runs f with os.Stdout sent to the null device. Nothing else
// writes to standard output meanwhile: golora creates a backend while it
// loads a model, in the cell that asked for it.
func withoutStdout(f func()) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		f()
		return
	}
	defer null.Close()
	saved := os.Stdout
	os.Stdout = null
	defer func() { os.Stdout = saved }()
	f()
}
