package runtime

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"sync"
)

//go:generate go run ./internal/mkdocs -o docs.json.gz

// docsGz is the documentation of every package a cell can import, made by
// internal/mkdocs from the packages' source.
//
//go:embed docs.json.gz
var docsGz []byte

type docEntry struct {
	Decl string `json:"d,omitempty"`
	Doc  string `json:"t,omitempty"`
}

var docIndex = sync.OnceValue(func() map[string]docEntry {
	index := map[string]docEntry{}
	zr, err := gzip.NewReader(bytes.NewReader(docsGz))
	if err != nil {
		return index
	}
	json.NewDecoder(zr).Decode(&index)
	return index
})
