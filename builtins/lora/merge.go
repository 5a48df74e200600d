package lora

import (
	"context"
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/internal/busy"
)

// Merge returns a copy of model whose weights include the adapter: each
// adapted W becomes W + s·B·A. The merged model computes what
// model.WithAdapter(a) computes (up to rounding), without the adapter's
// extra products; save it with its Save method to share it as a plain model.
// ctx is checked before each module: cancelling it stops the merge.
func Merge(ctx context.Context, model *llama.Model, a *Adapter) (merged *llama.Model, err error) {
	defer busy.Enter(ctx)()
	defer recoverTo(&err, "merge")
	if a == nil {
		return nil, fmt.Errorf("lora: merge: no adapter")
	}
	merged, err = model.Copy()
	if err != nil {
		return nil, fmt.Errorf("lora: merge: %w", err)
	}
	s := float32(a.scaling())
	for _, name := range a.order {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("lora: merge: %w", err)
		}
		mod := a.modules[name]
		w, err := merged.WeightValues(name + ".weight")
		if err != nil {
			return nil, fmt.Errorf("lora: merge: %w", err)
		}
		at, err := mod.a.Value()
		if err != nil {
			return nil, fmt.Errorf("lora: merge: reading %s: %w", peftName(name, "A"), err)
		}
		bt, err := mod.b.Value()
		if err != nil {
			return nil, fmt.Errorf("lora: merge: reading %s: %w", peftName(name, "B"), err)
		}
		av := tensors.MustCopyFlatData[float32](at)
		bv := tensors.MustCopyFlatData[float32](bt)
		in, out, r := mod.linear.In, mod.linear.Out, a.Rank
		if len(w) != in*out {
			return nil, fmt.Errorf("lora: merge: %s.weight has %d values, want %d×%d", name, len(w), out, in)
		}
		for o := range out {
			row := w[o*in : (o+1)*in]
			for k := range r {
				c := s * bv[o*r+k]
				if c == 0 {
					continue
				}
				ak := av[k*in : (k+1)*in]
				for i := range in {
					row[i] += c * ak[i]
				}
			}
		}
		if err := merged.SetWeightValues(name+".weight", w); err != nil {
			return nil, fmt.Errorf("lora: merge: %w", err)
		}
	}
	return merged, nil
}
