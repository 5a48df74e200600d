// Package kernelspec installs golora as a Jupyter kernel: a folder named
// golora holding kernel.json, which tells Jupyter how to start the kernel,
// and the logos that the launcher shows.
//
// It is also where golora's name and language are said once: Name, the
// display name and language of the shipped kernel.json (Template), and
// Language, the language_info that the kernel's kernel_info replies and
// the notebooks that `golora run` writes carry.
package kernelspec

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/golora/golora/internal/atomicfile"
)

// Name is the kernelspec's name, the folder Jupyter finds it in.
const Name = "golora"

//go:embed kernel.json logo-32x32.png logo-64x64.png logo-svg.svg
var files embed.FS

// Spec is the content of kernel.json.
type Spec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env,omitempty"`
	Metadata      map[string]any    `json:"metadata,omitempty"`
}

// Template returns the shipped kernel.json.
func Template() (Spec, error) {
	var s Spec
	data, err := files.ReadFile("kernel.json")
	if err != nil {
		return s, err
	}
	err = json.Unmarshal(data, &s)
	return s, err
}

// LanguageInfo describes the language of golora's cells as Jupyter's
// language_info does.
type LanguageInfo struct {
	Name              string `json:"name"`
	Version           string `json:"version"`
	MIMEType          string `json:"mimetype"`
	FileExtension     string `json:"file_extension"`
	PygmentsLexer     string `json:"pygments_lexer"`
	CodeMirrorMode    string `json:"codemirror_mode"`
	NbconvertExporter string `json:"nbconvert_exporter"`
}

// Language returns the language_info of golora's cells: Go, at the version
// golora was built with.
func Language() LanguageInfo {
	return LanguageInfo{
		Name:              "go",
		Version:           strings.TrimPrefix(runtime.Version(), "go"),
		MIMEType:          "text/x-go",
		FileExtension:     ".go",
		PygmentsLexer:     "go",
		CodeMirrorMode:    "go",
		NbconvertExporter: "script",
	}
}

// Where says where to install: exactly one of User, SysPrefix and Prefix.
type Where struct {
	User      bool   // the user's Jupyter data folder
	SysPrefix bool   // the active virtualenv or conda environment
	Prefix    string // PREFIX/share/jupyter/kernels
}

// Dir returns the kernels folder that w names.
func (w Where) Dir() (string, error) {
	switch {
	case w.Prefix != "":
		abs, err := filepath.Abs(w.Prefix)
		if err != nil {
			return "", err
		}
		return filepath.Join(abs, "share", "jupyter", "kernels"), nil
	case w.SysPrefix:
		for _, v := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
			if p := os.Getenv(v); p != "" {
				return filepath.Join(p, "share", "jupyter", "kernels"), nil
			}
		}
		return "", errors.New("--sys-prefix needs an active virtualenv or conda environment (VIRTUAL_ENV or CONDA_PREFIX is not set); use --user or --prefix DIR")
	default:
		return userKernels()
	}
}

// userKernels returns the user's Jupyter kernels folder, as Jupyter itself
// finds it: JUPYTER_DATA_DIR, else the platform's data folder.
func userKernels() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return filepath.Join(d, "kernels"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Jupyter", "kernels"), nil
	case "windows":
		if a := os.Getenv("APPDATA"); a != "" {
			return filepath.Join(a, "jupyter", "kernels"), nil
		}
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "jupyter", "kernels"), nil
	}
	return filepath.Join(home, ".local", "share", "jupyter", "kernels"), nil
}

// Install writes the kernelspec for the binary at exe into the folder w
// names, replacing an earlier one, and returns the kernelspec's folder.
// Each file is written to a temporary name first and renamed, so that
// Jupyter never reads half a kernel.json.
func Install(w Where, exe string) (string, error) {
	kernels, err := w.Dir()
	if err != nil {
		return "", err
	}
	exe, err = filepath.Abs(exe)
	if err != nil {
		return "", err
	}
	spec, err := Template()
	if err != nil {
		return "", err
	}
	spec.Argv[0] = exe
	dir := filepath.Join(kernels, Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("kernelspec: %w", err)
	}
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return "", err
	}
	if err := writeFile(filepath.Join(dir, "kernel.json"), append(data, '\n')); err != nil {
		return "", err
	}
	for _, logo := range []string{"logo-32x32.png", "logo-64x64.png", "logo-svg.svg"} {
		data, err := files.ReadFile(logo)
		if err != nil {
			return "", err
		}
		if err := writeFile(filepath.Join(dir, logo), data); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// Uninstall removes the kernelspec from the folder w names and returns the
// folder it removed.
func Uninstall(w Where) (string, error) {
	kernels, err := w.Dir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(kernels, Name)
	if _, err := os.Stat(filepath.Join(dir, "kernel.json")); err != nil {
		return "", fmt.Errorf("kernelspec: no golora kernel in %s", kernels)
	}
	return dir, os.RemoveAll(dir)
}

func writeFile(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("kernelspec: %w", err)
	}
	return nil
}
