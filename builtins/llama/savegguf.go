package llama

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/golora/golora/builtins/gguf"
)

// ggufFileTypes are llama.cpp's general.file_type values (enum
// llama_ftype) of the files SaveGGUF writes in one type.
var ggufFileTypes = map[gguf.Type]uint32{
	gguf.TypeF32: 0, gguf.TypeF16: 1, gguf.TypeQ8_0: 7, gguf.TypeBF16: 32,
}

// saveGGUFTypes are the values of SaveGGUF's typ that name one type for
// every matrix.
var saveGGUFTypes = map[string]gguf.Type{
	"f32": gguf.TypeF32, "f16": gguf.TypeF16, "bf16": gguf.TypeBF16, "q8_0": gguf.TypeQ8_0,
}

// GGUFName returns the GGUF (llama.cpp) name of a Hugging Face weight name,
// such as "blk.3.attn_q.weight" for "model.layers.3.self_attn.q_proj.weight",
// and whether it has one.
func GGUFName(hf string) (string, bool) { return ggufName(hf) }

// SaveGGUF writes the model as a GGUF file of architecture llama, which
// llama.cpp loads: a merged model (lora.Merge) so becomes one llama.cpp
// runs without its adapter. Only a model loaded from a GGUF file (or a
// copy of one) can be written: the file's metadata (general.*, llama.*,
// tokenizer.*) is copied as it is, but for general.file_type, and its
// tensors keep their names and order, with the model's values; the rows of
// attn_q and attn_k are put back in llama.cpp's order. A tokenizer set
// with SetTokenizer is not written: the file's is.
//
// typ says how the matrices are stored; the norms stay F32:
//   - "f32", "f16", "bf16" or "q8_0": every matrix in that type (Q8_0 as
//     ggml's reference quantizer makes it; a matrix whose rows are not a
//     multiple of 32 values is F16, as llama.cpp's converter does);
//   - "" or "base": each matrix in its type in the source file. golora
//     writes F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 (a Q4_0 or
//     Q4_1 file of SmolLM2 comes back in the same types); a K-quant (Q4_K,
//     Q5_K, Q6_K, as in Q4_K_M files and the output weight of Q4_0 files)
//     is written as Q8_0 instead, which is closer to the model's values
//     and a little larger. Run llama.cpp's llama-quantize on an F16 or
//     Q8_0 file for K-quants.
//
// Quantizing rounds the weights again: a Q4_1 file of a merged model holds
// the merged weights rounded to Q4_1, not the base's Q4_1 weights plus the
// adapter. The file is written to a temporary name in path's folder and
// renamed; the encoded tensors are held in memory until then.
func (m *Model) SaveGGUF(path, typ string) (err error) {
	defer recoverTo(&err, "save GGUF "+path)
	fixed, ok := saveGGUFTypes[strings.ToLower(typ)]
	if !ok && typ != "" && !strings.EqualFold(typ, "base") {
		return fmt.Errorf("llama: save GGUF %s: type %q: want f32, f16, bf16, q8_0, or base (each matrix in the source file's type)", path, typ)
	}
	src, isGGUF, err := ggufPath(m.Dir)
	if err != nil {
		return err
	}
	if !isGGUF && strings.EqualFold(filepath.Ext(m.Dir), ".gguf") {
		src, isGGUF = m.Dir, true // Gone since: Open says so.
	}
	if !isGGUF {
		from := fmt.Sprintf("was loaded from %s, not from a GGUF file", m.Dir)
		if m.Dir == "" {
			from = "was not loaded from a file"
		}
		return fmt.Errorf("llama: save GGUF %s: the model %s: only models loaded from GGUF can be written as GGUF for now (their metadata and tokenizer are copied from the file); save it with Save(dir, \"float32\") and convert the folder with llama.cpp's convert_hf_to_gguf.py", path, from)
	}
	f, err := gguf.Open(src)
	if err != nil {
		return fmt.Errorf("llama: save GGUF %s: the source file, whose metadata it copies: %w", path, err)
	}
	defer f.Close()
	hf := map[string]string{} // GGUF tensor name → the model's weight.
	for _, name := range m.WeightNames() {
		g, ok := ggufName(name)
		if !ok {
			return fmt.Errorf("llama: save GGUF %s: weight %s has no GGUF name", path, name)
		}
		if _, ok := f.Tensor(g); !ok {
			return fmt.Errorf("llama: save GGUF %s: the source file %s has no tensor %s for weight %s: is the model still the one loaded from it?", path, src, g, name)
		}
		hf[g] = name
	}
	var tensors []gguf.Tensor
	for _, info := range f.Tensors() {
		t, err := m.ggufTensor(f, info, hf[info.Name], fixed, ok)
		if err != nil {
			return fmt.Errorf("llama: save GGUF %s: tensor %s: %w", path, info.Name, err)
		}
		tensors = append(tensors, t)
	}
	meta := f.Metadata()
	if ft, known := ggufFileTypes[fixed]; ok && known {
		meta = setKV(meta, "general.file_type", ft)
	}
	if err := gguf.WriteFile(path, meta, tensors); err != nil {
		return fmt.Errorf("llama: save GGUF: %w", err)
	}
	return nil
}

// ggufTensor encodes the model's weight name as the source tensor info
// describes it, in type fixed when useFixed (a matrix) or in info's type
// otherwise (see SaveGGUF). A tensor the model does not have (name "") is
// copied from the source file as it is.
func (m *Model) ggufTensor(f *gguf.File, info gguf.TensorInfo, name string, fixed gguf.Type, useFixed bool) (gguf.Tensor, error) {
	if name == "" {
		data, err := f.TensorData(info.Name)
		return gguf.Tensor{Name: info.Name, Type: info.Type, Dims: info.Dims, Data: data}, err
	}
	values, err := m.WeightValues(name)
	if err != nil {
		return gguf.Tensor{}, err
	}
	if len(values) != info.NumElements() {
		return gguf.Tensor{}, fmt.Errorf("weight %s has %d values, the source file's tensor %d (GGUF dimensions %v)", name, len(values), info.NumElements(), info.Dims)
	}
	heads := 0
	switch {
	case strings.HasSuffix(info.Name, ".attn_q.weight"):
		heads = m.Config.NumHeads
	case strings.HasSuffix(info.Name, ".attn_k.weight"):
		heads = m.Config.NumKVHeads
	}
	if heads > 0 {
		rows := make([]float32, len(values))
		gguf.PermuteQK(rows, values, heads, info.Dims[0])
		values = rows
	}
	typ := gguf.TypeF32
	if len(info.Dims) == 2 {
		typ = info.Type
		if useFixed {
			typ = fixed
		}
		if !typ.CanQuantize() {
			typ = gguf.TypeQ8_0
		}
		if info.Dims[0]%typ.BlockSize() != 0 {
			typ = gguf.TypeF16
		}
	}
	return gguf.NewTensor(info.Name, typ, info.Dims, values)
}

// setKV returns metadata with key's value replaced, or appended.
func setKV(metadata []gguf.KV, key string, value any) []gguf.KV {
	out := append([]gguf.KV(nil), metadata...)
	for i, kv := range out {
		if kv.Key == key {
			out[i].Value = value
			return out
		}
	}
	return append(out, gguf.KV{Key: key, Value: value})
}
