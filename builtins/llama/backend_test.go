package llama

import (
	"strings"
	"testing"
)

func TestChooseBackend(t *testing.T) {
	for _, c := range []struct {
		env, name, config, note string
	}{
		{"", "simplego", simplegoDefaults, ""},
		{"go", "simplego", simplegoDefaults, ""},
		{"go:dotgeneral_small", "simplego", "dotgeneral_small," + simplegoDefaults, ""},
		{"go:parallelism=4", "simplego", "parallelism=4", ""}, // The user's executor setting wins.
		{"go:ops_sequential", "simplego", "ops_sequential", ""},
		{"go:ops_parallel", "simplego", "ops_parallel," + simplegoDefaults, ""}, // Would deadlock on bounded workers.
		{"xla:/no/such/pjrt_plugin.so", "simplego", simplegoDefaults, "no such file"},
		{"tpu", "simplego", simplegoDefaults, "names no backend"},
	} {
		t.Setenv(BackendEnv, c.env)
		got := chooseBackend()
		if got.name != c.name || got.config != c.config || !strings.Contains(got.note, c.note) || (c.note == "") != (got.note == "") {
			t.Errorf("%s=%q: chose %+v, want %s (%s) with a note containing %q", BackendEnv, c.env, got, c.name, c.config, c.note)
		}
	}
}
