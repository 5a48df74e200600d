package notebook

import (
	"fmt"
	"go/token"
	"slices"
	"strconv"
	"strings"

	"github.com/golora/golora/runtime"
)

// Param is a name=value given on the command line. A value that reads as
// a Go literal (a number, true, false, a quoted string) is used as is; any
// other value is a string.
type Param struct{ Name, Value string }

// ParseParam parses name=value.
func ParseParam(s string) (Param, error) {
	name, value, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || !token.IsIdentifier(name) {
		return Param{}, fmt.Errorf("parameter %q: want name=value with a Go identifier as the name", s)
	}
	return Param{name, value}, nil
}

// goValue returns the Go expression of a parameter's value.
func (p Param) goValue() string {
	v := strings.TrimSpace(p.Value)
	if v == "true" || v == "false" {
		return v
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(v, "_", ""), 64); err == nil {
		return v
	}
	if _, err := strconv.Unquote(v); err == nil && (strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "`")) {
		return v
	}
	return strconv.Quote(p.Value)
}

// injectParams inserts a cell after the one tagged "parameters" that sets
// the parameters; without such a cell, it declares them in a first cell.
func (nb *notebook) injectParams(params []Param) error {
	at, op := 0, ":="
	var declared map[string]bool
	for i, c := range nb.cells {
		if c.kind() == "code" && slices.Contains(c.tags(), "parameters") {
			at, op = i+1, "="
			declared = map[string]bool{}
			for _, name := range runtime.DeclaredNames(c.source()) {
				declared[name] = true
			}
			break
		}
	}
	var b strings.Builder
	b.WriteString("// Parameters given to golora run.\n")
	for _, p := range params {
		if declared != nil && !declared[p.Name] {
			return fmt.Errorf("parameter %s is not declared in the cell tagged \"parameters\": declare it there (%s := …) or drop -p %s", p.Name, p.Name, p.Name)
		}
		fmt.Fprintf(&b, "%s %s %s\n", p.Name, op, p.goValue())
	}
	injected := rawCell{"cell_type": "code", "id": newCellID(), "execution_count": nil, "outputs": []any{},
		"metadata": map[string]any{"tags": []any{"injected-parameters"}}, "source": b.String()}
	nb.cells = slices.Insert(nb.cells, at, injected)
	return nil
}
