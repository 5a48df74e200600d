package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// output is one file the builder makes, relative to the output folder.
type output struct {
	Path string
	Data []byte
	Rows int
}

// textOutput makes a text output; its rows are its lines.
func textOutput(path, text string) output {
	return output{Path: path, Data: []byte(text), Rows: strings.Count(text, "\n")}
}

func main() {
	debs := flag.String("debs", "", "folder made by datasets/fetch-debs.sh (the .deb files, each unpacked into a folder named after its package)")
	out := flag.String("out", "datasets", "folder to write the data into")
	check := flag.Bool("check", false, "write nothing; fail if a file in -out differs from what would be written")
	flag.Parse()
	if *debs == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./datasets/build -debs DIR [-out datasets] [-check]")
		os.Exit(2)
	}
	if err := run(*debs, *out, *check); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}

func run(debs, outDir string, check bool) error {
	outs, report, err := build(inputs{dir: debs})
	if err != nil {
		return err
	}
	if check {
		return compare(outDir, outs)
	}
	for _, o := range outs {
		path := filepath.Join(outDir, filepath.FromSlash(o.Path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, o.Data, 0o644); err != nil {
			return err
		}
		fmt.Printf("%-42s %9d bytes %7d rows\n", o.Path, len(o.Data), o.Rows)
	}
	fmt.Print(report)
	return nil
}

// build makes every output and the manifest (the last output), and a report
// of the entries the dictionaries dropped.
func build(in inputs) ([]output, string, error) {
	described, err := in.describe()
	if err != nil {
		return nil, "", err
	}
	var outs []output
	austen, err := buildAusten(in)
	if err != nil {
		return nil, "", err
	}
	kjv, err := buildKJV(in)
	if err != nil {
		return nil, "", err
	}
	dicts, dropped, err := buildDictionaries(in)
	if err != nil {
		return nil, "", err
	}
	outs = append(append(append(outs, austen...), kjv...), dicts...)
	for _, o := range dicts {
		if o.Path == chatSource {
			chat, err := buildChat(o.Data)
			if err != nil {
				return nil, "", err
			}
			outs = append(outs, chat)
		}
	}
	sort.Slice(outs, func(i, j int) bool { return outs[i].Path < outs[j].Path })
	m := manifest{Builder: "go run ./datasets/build", Inputs: described}
	for _, o := range outs {
		m.Outputs = append(m.Outputs, outputFile{Path: o.Path, Bytes: len(o.Data), Rows: o.Rows, SHA256: sha256Hex(o.Data)})
	}
	data, err := encodeManifest(m)
	if err != nil {
		return nil, "", err
	}
	outs = append(outs, output{Path: manifestName, Data: data})
	var report strings.Builder
	for _, d := range dictionaries {
		fmt.Fprintf(&report, "%s dropped:", d.pkg)
		for _, why := range []string{dropEmpty, dropCrossRef, dropTooLong, dropUnfinished} {
			fmt.Fprintf(&report, " %d %s;", dropped[d.pkg][why], why)
		}
		report.WriteString("\n")
	}
	return outs, report.String(), nil
}

// compare checks that the files in dir are the outputs, byte for byte.
func compare(dir string, outs []output) error {
	var errs []error
	for _, o := range outs {
		have, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(o.Path)))
		switch {
		case err != nil:
			errs = append(errs, err)
		case !bytes.Equal(have, o.Data):
			errs = append(errs, fmt.Errorf("%s differs from what the builder makes (rebuild: go run ./datasets/build -debs DIR)", o.Path))
		}
	}
	return errors.Join(errs...)
}
