package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Debian packages the data comes from, and the files each one is read for.
const (
	pkgAusten = "r-cran-janeaustenr"
	pkgKJV    = "bible-kjv-text"
	pkgDevil  = "dict-devil"
	pkgJargon = "dict-jargon"

	austenDB    = "usr/lib/R/site-library/janeaustenr/data/Rdata" // .rdx and .rdb
	kjvData     = "usr/lib/bible.data"
	devilIndex  = "usr/share/dictd/devil.index"
	devilDict   = "usr/share/dictd/devil.dict.dz"
	jargonIndex = "usr/share/dictd/jargon.index"
	jargonDict  = "usr/share/dictd/jargon.dict.dz"
)

// packageFiles lists, per package, the files whose bytes decide the output.
var packageFiles = [...]struct {
	name  string
	files []string
}{
	{pkgAusten, []string{austenDB + ".rdx", austenDB + ".rdb"}},
	{pkgKJV, []string{kjvData}},
	{pkgDevil, []string{devilIndex, devilDict}},
	{pkgJargon, []string{jargonIndex, jargonDict}},
}

// inputs is a folder made by fetch-debs.sh: each package's .deb, and its
// contents unpacked into a folder named after the package.
type inputs struct {
	dir string
}

// path is where file of package pkg was unpacked.
func (in inputs) path(pkg, file string) string {
	return filepath.Join(in.dir, pkg, filepath.FromSlash(file))
}

// describe records what each package contributed: its .deb (name, version,
// sha256) and the sha256 of every file read from it.
func (in inputs) describe() ([]inputPackage, error) {
	var out []inputPackage
	for _, p := range packageFiles {
		debs, err := filepath.Glob(filepath.Join(in.dir, p.name+"_*.deb"))
		if err != nil {
			return nil, err
		}
		if len(debs) != 1 {
			return nil, fmt.Errorf("%s: want one %s_*.deb, found %d: run datasets/fetch-debs.sh %s", in.dir, p.name, len(debs), in.dir)
		}
		deb := filepath.Base(debs[0])
		sum, err := fileSHA256(debs[0])
		if err != nil {
			return nil, err
		}
		ip := inputPackage{
			Package: p.name,
			Version: strings.SplitN(strings.TrimSuffix(deb, ".deb"), "_", 3)[1],
			Deb:     deb,
			SHA256:  sum,
		}
		for _, f := range p.files {
			sum, err := fileSHA256(in.path(p.name, f))
			if err != nil {
				return nil, fmt.Errorf("%w (unpack %s into %s with dpkg-deb -x, as fetch-debs.sh does)", err, deb, filepath.Join(in.dir, p.name))
			}
			ip.Files = append(ip.Files, inputFile{Path: f, SHA256: sum})
		}
		out = append(out, ip)
	}
	return out, nil
}

func fileSHA256(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return sha256Hex(data), nil
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
