package main

import (
	"bytes"
	"encoding/json"
)

// manifestName is the manifest's file name in the output folder.
const manifestName = "MANIFEST.json"

// manifest records how the committed files were made.
type manifest struct {
	Builder string         `json:"builder"`
	Inputs  []inputPackage `json:"inputs"`
	Outputs []outputFile   `json:"outputs"`
}

type inputPackage struct {
	Package string      `json:"package"`
	Version string      `json:"version"`
	Deb     string      `json:"deb"`
	SHA256  string      `json:"sha256"`
	Files   []inputFile `json:"files"`
}

type inputFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

type outputFile struct {
	Path   string `json:"path"`
	Bytes  int    `json:"bytes"`
	Rows   int    `json:"rows"` // lines of a text, JSON objects of a .jsonl
	SHA256 string `json:"sha256"`
}

// encodeManifest writes the manifest as indented JSON ending in a newline.
func encodeManifest(m manifest) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
