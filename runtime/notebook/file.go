package notebook

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/golora/golora/internal/atomicfile"
	"github.com/golora/golora/kernelspec"
)

// notebook is a notebook read as plain JSON, so that everything it holds
// that golora does not know survives the round trip.
type notebook struct {
	doc   map[string]any
	cells []rawCell
}

// rawCell is one cell of a notebook, as JSON.
type rawCell map[string]any

func (c rawCell) kind() string { s, _ := c["cell_type"].(string); return s }

func (c rawCell) source() string {
	switch v := c["source"].(type) {
	case string:
		return v
	case []any:
		var b strings.Builder
		for _, l := range v {
			s, _ := l.(string)
			b.WriteString(s)
		}
		return b.String()
	}
	return ""
}

func (c rawCell) tags() []string {
	meta, _ := c["metadata"].(map[string]any)
	list, _ := meta["tags"].([]any)
	var out []string
	for _, t := range list {
		if s, ok := t.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// read reads the notebook at path.
func read(path string) (*notebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("notebook: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("notebook %s is not valid JSON: %w", path, err)
	}
	if v, _ := doc["nbformat"].(float64); v != 4 {
		return nil, fmt.Errorf("notebook %s: nbformat %v is not supported (want 4; convert it with jupyter nbconvert --to notebook)", path, doc["nbformat"])
	}
	list, ok := doc["cells"].([]any)
	if !ok {
		return nil, fmt.Errorf("notebook %s has no cells list", path)
	}
	nb := &notebook{doc: doc}
	for i, c := range list {
		m, ok := c.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("notebook %s: cell %d is not an object", path, i+1)
		}
		nb.cells = append(nb.cells, rawCell(m))
	}
	return nb, nil
}

func newCellID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// write saves the notebook as nbformat 4.5, atomically: a temporary file
// in the same folder, then a rename, so that an interrupted write never
// leaves half a notebook. A notebook without a kernelspec gets golora's.
func (nb *notebook) write(path string) error {
	cells := make([]any, len(nb.cells))
	for i, c := range nb.cells {
		if _, ok := c["id"].(string); !ok {
			c["id"] = newCellID()
		}
		if c.kind() != "code" {
			delete(c, "outputs")
			delete(c, "execution_count")
		}
		cells[i] = map[string]any(c)
	}
	nb.doc["cells"] = cells
	nb.doc["nbformat"] = 4
	nb.doc["nbformat_minor"] = 5
	meta, _ := nb.doc["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		nb.doc["metadata"] = meta
	}
	if _, ok := meta["kernelspec"]; !ok {
		spec, err := kernelspec.Template()
		if err != nil {
			return fmt.Errorf("notebook %s: %w", path, err)
		}
		meta["kernelspec"] = map[string]any{"name": kernelspec.Name, "display_name": spec.DisplayName, "language": spec.Language}
	}
	// The language without its version, so that a notebook run again by a
	// golora built with another Go does not change.
	lang := kernelspec.Language()
	meta["language_info"] = map[string]any{"name": lang.Name, "file_extension": lang.FileExtension, "mimetype": lang.MIMEType,
		"pygments_lexer": lang.PygmentsLexer, "codemirror_mode": lang.CodeMirrorMode}
	data, err := json.MarshalIndent(nb.doc, "", " ")
	if err != nil {
		return fmt.Errorf("notebook %s: %w", path, err)
	}
	if err := atomicfile.Write(path, append(data, '\n')); err != nil {
		return fmt.Errorf("notebook %s: %w", path, err)
	}
	return nil
}
