package llama

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/golora/golora/builtins/gguf"
)

// ggufFileTypes are llama.cpp's general.file_type values (enum
// llama_ftype) of the files SaveGGUF writes in one type.
var ggufFileTypes = map[gguf.Type]uint32{
	gguf.TypeF32: 0, gguf.TypeF16: 1, gguf.TypeQ4_0: 2, gguf.TypeQ4_1: 3,
	gguf.TypeQ8_0: 7, gguf.TypeQ5_0: 8, gguf.TypeQ5_1: 9, gguf.TypeBF16: 32,
}

// saveGGUFTypes are the values of SaveGGUF's typ that name one type for
// every matrix.
var saveGGUFTypes = map[string]gguf.Type{
	"f32": gguf.TypeF32, "f16": gguf.TypeF16, "bf16": gguf.TypeBF16, "q8_0": gguf.TypeQ8_0,
	"q4_0": gguf.TypeQ4_0, "q4_1": gguf.TypeQ4_1, "q5_0": gguf.TypeQ5_0, "q5_1": gguf.TypeQ5_1,
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
// typ says how the matrices are stored; the norms stay F32. A matrix the
// model holds as the file does (unchanged since Load) is copied as the
// file stores it whenever typ keeps its type, K-quants included.
//   - "" (what a merged model wants): each matrix in its type in the file,
//     but where that loses the change. A changed matrix in Q8_0, F16, BF16
//     or F32 keeps its type; one in Q4_0, Q4_1, Q5_0 or Q5_1 keeps it when
//     its grid holds at least 90% of the change, and is Q8_0 otherwise; a
//     changed K-quant (Q4_K, Q5_K, Q6_K) is Q8_0. Run llama.cpp's
//     llama-quantize on an F16 or Q8_0 file for K-quants.
//   - "base": each matrix in its type in the file, however little of the
//     change that holds (a changed K-quant is Q8_0 all the same).
//   - "f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0" or "q5_1": every
//     matrix in that type, as ggml's reference quantizers make it (a matrix
//     whose rows are not a multiple of 32 values is F16, as llama.cpp's
//     converter does).
//
// A changed matrix written in its type in the file (a merged model's
// q_proj in the base's Q4_1, say) is rounded onto the file's grid for it
// (gguf.Requantize): each weight keeps its code unless the change moves
// it by more than half a step, so the file is the base's plus what of the
// change the type can hold, not a new quantization of the merged weights
// (which would move every weight by up to half a step). A LoRA adapter's
// change is mostly under half a step of a 4- or 5-bit type: on SmolLM2's
// Q4_1 file, an adapter that moves the logits by a mean 0.65 keeps 6% of
// its change on the base's grid, and the file's logits end farther from
// the merged model's than the base's are. "" therefore writes such
// matrices as Q8_0 and says so in a note: with q, k, v and o merged,
// SmolLM2's file grows by 12% and its logits are a mean 0.08 from the
// merged model's, where Q8_0 throughout is 1.47× the size and 0.11 away.
// With "base" the note says how much of the change the file keeps. The
// adapter itself (lora.Adapter.SaveGGUF, llama.cpp's --lora) keeps all of
// it on the 4-bit base.
//
// The file is written to a temporary name in path's folder and renamed;
// the encoded tensors are held in memory until then.
func (m *Model) SaveGGUF(path, typ string) (err error) {
	defer recoverTo(&err, "save GGUF "+path)
	fixed, ok := saveGGUFTypes[strings.ToLower(typ)]
	strict := strings.EqualFold(typ, "base")
	if !ok && typ != "" && !strict {
		return fmt.Errorf("llama: save GGUF %s: type %q: want \"\" (the source file's types, Q8_0 where they lose a change), \"base\" (the source file's types), or one type for every matrix: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1", path, typ)
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
	var kept, widened keptShare
	for _, info := range f.Tensors() {
		t, err := m.ggufTensor(f, info, hf[info.Name], fixed, ok, strict || ok, &kept, &widened)
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
	if kept.norm > 0 && kept.dot < 0.9*kept.norm {
		ways := `"q8_0" or "f16"`
		if strict {
			ways = `"" (the base's types but where they lose the change), ` + ways
		}
		fmt.Printf("note: %s: %s in %s, on the base's grid: the file keeps %.0f%% of their change from the base (the rest is under half a step); save with %s for a file that keeps it, or use the adapter on the base (Adapter.SaveGGUF, llama.cpp's --lora)\n",
			path, changedMatrices(kept.matrices), kept.typeList(), 100*kept.dot/kept.norm, ways)
	}
	if widened.matrices > 0 {
		fmt.Printf("note: %s: %s Q8_0, not the base's %s, whose grid keeps only %.0f%% of their change (the rest is under half a step)\n",
			path, changedMatrices(widened.matrices), widened.typeList(), 100*widened.dot/widened.norm)
	}
	return nil
}

// changedMatrices says "1 changed matrix is" or "n changed matrices are".
func changedMatrices(n int) string {
	if n == 1 {
		return "1 changed matrix is"
	}
	return fmt.Sprintf("%d changed matrices are", n)
}

// keptShare measures how much of the change of the matrices SaveGGUF
// rounds onto the base's 4- or 5-bit grid their files keep: the change
// wanted is Δ = w − w₀ (w the model's, w₀ the file's values), the change
// kept Δ' = q(w) − w₀; the share is ⟨Δ', Δ⟩ / ⟨Δ, Δ⟩, 1 when every weight
// moves as wanted and 0 when none does.
type keptShare struct {
	matrices  int
	dot, norm float64
	types     map[gguf.Type]bool
}

// measure returns ⟨Δ', Δ⟩ and ⟨Δ, Δ⟩ of one matrix: base the file's
// values, want the model's, got the new file's.
func measure(base, want, got []float32) (dot, norm float64) {
	for i := range base {
		d := float64(want[i] - base[i])
		dot += d * float64(got[i]-base[i])
		norm += d * d
	}
	return dot, norm
}

// add counts one matrix of type typ.
func (k *keptShare) add(typ gguf.Type, dot, norm float64) {
	if k.types == nil {
		k.types = map[gguf.Type]bool{}
	}
	k.matrices++
	k.types[typ] = true
	k.dot += dot
	k.norm += norm
}

// typeList names the types counted.
func (k *keptShare) typeList() string {
	var names []string
	for t := range k.types {
		names = append(names, t.String())
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// ggufTensor encodes the model's weight name as the source tensor info
// describes it, in type fixed when useFixed (a matrix) or in info's type
// otherwise (see SaveGGUF); onGrid keeps a changed matrix on its 4- or
// 5-bit grid however little of the change it holds. kept counts the
// changed matrices put on their 4- or 5-bit grid, widened those written as
// Q8_0 instead. A tensor the
// model does not have (name "") is copied from the source file as it is.
func (m *Model) ggufTensor(f *gguf.File, info gguf.TensorInfo, name string, fixed gguf.Type, useFixed, onGrid bool, kept, widened *keptShare) (gguf.Tensor, error) {
	data, err := f.TensorData(info.Name)
	if err != nil {
		return gguf.Tensor{}, err
	}
	copied := gguf.Tensor{Name: info.Name, Type: info.Type, Dims: info.Dims, Data: data}
	if name == "" {
		return copied, nil
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
	if len(info.Dims) != 2 {
		return gguf.NewTensor(info.Name, gguf.TypeF32, info.Dims, values)
	}
	fresh := func(typ gguf.Type) (gguf.Tensor, error) {
		if info.Dims[0]%typ.BlockSize() != 0 {
			typ = gguf.TypeF16
		}
		return gguf.NewTensor(info.Name, typ, info.Dims, values)
	}
	if useFixed && fixed != info.Type {
		return fresh(fixed)
	}
	base, err := gguf.Dequantize(info.Type, data, len(values))
	if err != nil {
		return gguf.Tensor{}, err
	}
	if !info.Type.CanQuantize() {
		// A K-quant, which the model holds as Q8_0 since Load: it is the
		// file's unless it changed since.
		if base, err = roundTrip(gguf.TypeQ8_0, base); err != nil {
			return gguf.Tensor{}, err
		}
	}
	switch {
	case slices.Equal(values, base):
		return copied, nil
	case !info.Type.CanQuantize():
		return fresh(gguf.TypeQ8_0)
	}
	out, err := gguf.Requantize(info.Type, data, values)
	if err != nil {
		return gguf.Tensor{}, err
	}
	if info.Type.BlockSize() == 1 || info.Type == gguf.TypeQ8_0 {
		return gguf.Tensor{Name: info.Name, Type: info.Type, Dims: info.Dims, Data: out}, nil
	}
	got, err := gguf.Dequantize(info.Type, out, len(values))
	if err != nil {
		return gguf.Tensor{}, err
	}
	dot, norm := measure(base, values, got)
	if !onGrid && dot < 0.9*norm {
		widened.add(info.Type, dot, norm)
		return fresh(gguf.TypeQ8_0)
	}
	kept.add(info.Type, dot, norm)
	return gguf.Tensor{Name: info.Name, Type: info.Type, Dims: info.Dims, Data: out}, nil
}

// roundTrip returns values encoded as t and decoded.
func roundTrip(t gguf.Type, values []float32) ([]float32, error) {
	data, err := gguf.Quantize(t, values)
	if err != nil {
		return nil, err
	}
	return gguf.Dequantize(t, data, len(values))
}

// setKV returns metadata with key's value replaced, or appended.
func setKV(metadata []gguf.KV, key string, value any) []gguf.KV {
	out := slices.Clone(metadata)
	if i := slices.IndexFunc(out, func(kv gguf.KV) bool { return kv.Key == key }); i >= 0 {
		out[i].Value = value
		return out
	}
	return append(out, gguf.KV{Key: key, Value: value})
}
