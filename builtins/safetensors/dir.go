package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Names of a model folder's weight files, as Hugging Face writes them.
const (
	ModelFile = "model.safetensors"
	IndexFile = "model.safetensors.index.json"
)

// Set is the weights of a model folder: one file or several shards, read as
// one collection of named tensors.
type Set struct {
	dir   string
	files []*File
	owner map[string]*File
	names []string
}

// OpenDir opens the weights of the model folder dir: model.safetensors if it
// exists, else the shards listed in model.safetensors.index.json, each of
// which must hold the tensors the index assigns to it.
func OpenDir(dir string) (*Set, error) {
	single := filepath.Join(dir, ModelFile)
	if _, err := os.Stat(single); err == nil {
		f, err := Open(single)
		if err != nil {
			return nil, err
		}
		s := &Set{dir: dir, files: []*File{f}, owner: map[string]*File{}, names: f.Names()}
		for _, name := range s.names {
			s.owner[name] = f
		}
		return s, nil
	}
	indexPath := filepath.Join(dir, IndexFile)
	weightMap, err := readIndex(indexPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("safetensors: %s has neither %s nor %s", dir, ModelFile, IndexFile)
	}
	if err != nil {
		return nil, err
	}
	s := &Set{dir: dir, owner: map[string]*File{}}
	shards := map[string]*File{}
	for _, name := range slices.Sorted(maps.Keys(weightMap)) {
		shard := weightMap[name]
		f := shards[shard]
		if f == nil {
			if f, err = Open(filepath.Join(dir, shard)); err != nil {
				s.Close()
				return nil, fmt.Errorf("%s: shard of tensor %q: %w", indexPath, name, err)
			}
			shards[shard] = f
			s.files = append(s.files, f)
		}
		if _, ok := f.tensors[name]; !ok {
			s.Close()
			return nil, fmt.Errorf("safetensors %s: tensor %q is assigned to %s, which does not hold it", indexPath, name, shard)
		}
		s.owner[name] = f
		s.names = append(s.names, name)
	}
	return s, nil
}

// readIndex reads a sharded model's index and returns its weight_map,
// checking that every shard is a plain file name inside the folder.
func readIndex(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var index struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(raw, &index); err != nil {
		return nil, fmt.Errorf("safetensors %s: %w: %v", path, ErrFormat, err)
	}
	if len(index.WeightMap) == 0 {
		return nil, fmt.Errorf("safetensors %s: %w: empty or missing weight_map", path, ErrFormat)
	}
	for name, shard := range index.WeightMap {
		if shard == "" || shard != filepath.Base(shard) || strings.HasPrefix(shard, ".") {
			return nil, fmt.Errorf("safetensors %s: %w: tensor %q: shard %q is not a file name in the model folder", path, ErrFormat, name, shard)
		}
	}
	return index.WeightMap, nil
}

// Dir returns the model folder.
func (s *Set) Dir() string { return s.dir }

// Close closes every file of the set.
func (s *Set) Close() error {
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// Names returns every tensor name: in file order for a single file, sorted
// for shards.
func (s *Set) Names() []string { return slices.Clone(s.names) }

// Tensor returns the description of the named tensor and whether it exists.
func (s *Set) Tensor(name string) (TensorInfo, bool) {
	f := s.owner[name]
	if f == nil {
		return TensorInfo{}, false
	}
	return f.Tensor(name)
}

// File returns the file that holds the named tensor, or nil.
func (s *Set) File(name string) *File { return s.owner[name] }

// ReadFloat32 converts the named tensor into dst; see File.ReadFloat32.
func (s *Set) ReadFloat32(name string, dst []float32) error {
	f := s.owner[name]
	if f == nil {
		return fmt.Errorf("safetensors %s: no tensor %q", s.dir, name)
	}
	return f.ReadFloat32(name, dst)
}
