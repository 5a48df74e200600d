package rawtext

import "github.com/golora/golora/builtins/formats"

// Examples returns the chunks as training examples, every token a target of
// the loss but the first (which nothing comes before to predict).
func (c Chunks) Examples() []formats.Example {
	examples := make([]formats.Example, len(c))
	for i, p := range c {
		mask := make([]bool, len(p.IDs))
		for j := 1; j < len(mask); j++ {
			mask[j] = true
		}
		examples[i] = formats.Example{IDs: p.IDs, Mask: mask}
	}
	return examples
}
