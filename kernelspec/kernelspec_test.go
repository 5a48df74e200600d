package kernelspec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestInstallIsIdempotent(t *testing.T) {
	prefix := t.TempDir()
	exe := filepath.Join(prefix, "bin", "golora")
	var dir string
	for i := 0; i < 2; i++ {
		var err error
		dir, err = Install(Where{Prefix: prefix}, exe)
		if err != nil {
			t.Fatal(err)
		}
	}
	if want := filepath.Join(prefix, "share", "jupyter", "kernels", "golora"); dir != want {
		t.Errorf("installed in %s, want %s", dir, want)
	}
	var spec Spec
	data, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	if spec.Argv[0] != exe || spec.Argv[1] != "kernel" || spec.Argv[2] != "{connection_file}" {
		t.Errorf("argv %q", spec.Argv)
	}
	if spec.DisplayName != "Go (golora)" || spec.Language != "go" || spec.InterruptMode != "message" {
		t.Errorf("spec %+v", spec)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 4 {
		t.Errorf("files %v, want kernel.json and three logos, no temporaries", names)
	}
	if _, err := Uninstall(Where{Prefix: prefix}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("still there after Uninstall: %v", err)
	}
	if _, err := Uninstall(Where{Prefix: prefix}); err == nil {
		t.Error("Uninstall of nothing succeeded")
	}
}

func TestUserDirFollowsJupyterDataDir(t *testing.T) {
	d := t.TempDir()
	t.Setenv("JUPYTER_DATA_DIR", d)
	got, err := Where{User: true}.Dir()
	if err != nil || got != filepath.Join(d, "kernels") {
		t.Errorf("Dir() = %s, %v", got, err)
	}
	t.Setenv("VIRTUAL_ENV", "")
	t.Setenv("CONDA_PREFIX", "")
	if _, err := (Where{SysPrefix: true}).Dir(); err == nil {
		t.Error("--sys-prefix without an environment succeeded")
	}
}

// TestLanguageMatchesKernelJSON: the language_info that the kernel and
// golora run write names the language of the shipped kernel.json.
func TestLanguageMatchesKernelJSON(t *testing.T) {
	spec, err := Template()
	if err != nil {
		t.Fatal(err)
	}
	lang := Language()
	if lang.Name != spec.Language || lang.FileExtension != "."+spec.Language || lang.Version == "" {
		t.Errorf("language_info %+v for kernel.json's language %q", lang, spec.Language)
	}
}
