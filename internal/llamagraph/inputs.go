package llamagraph

import (
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"
)

// IgnoreLabel marks a label that the loss does not score, as in Hugging Face
// (the -100 of transformers). Package llama names it llama.IgnoreLabel.
const IgnoreLabel = -100

// Inputs is a batch as the tensors Model.LogitsGraph and Model.LossGraph
// take: tokens [rows, seq] int32, mask [rows, seq] float32, targets [rows,
// seq] int32 and weights [rows, seq] float32.
type Inputs struct {
	Tokens, Mask, Targets, Weights *tensors.Tensor
	Rows, Seq                      int
}

// NewInputs validates a batch given as the rows of a llama.Batch (tokens,
// and mask and labels, each nil or with one row per row of tokens; see
// llama.Batch for what they hold) for a model of vocab tokens, and converts
// it: the label at position t+1 becomes the target of position t, with
// weight 1 unless it is IgnoreLabel; the last position, ignored labels,
// padding and the first token of another segment than t's get weight 0. The
// mask tensor holds the segment numbers.
func NewInputs(tokens, mask, labels [][]int, vocab int) (Inputs, error) {
	rows := len(tokens)
	if rows == 0 || len(tokens[0]) == 0 {
		return Inputs{}, fmt.Errorf("llama: empty batch")
	}
	seq := len(tokens[0])
	if mask != nil && len(mask) != rows || labels != nil && len(labels) != rows {
		return Inputs{}, fmt.Errorf("llama: batch has %d rows of tokens, %d of mask and %d of labels", rows, len(mask), len(labels))
	}
	ids := make([]int32, rows*seq)
	segments := make([]float32, rows*seq)
	targets := make([]int32, rows*seq)
	weights := make([]float32, rows*seq)
	for r, row := range tokens {
		if len(row) != seq || mask != nil && len(mask[r]) != seq || labels != nil && len(labels[r]) != seq {
			return Inputs{}, fmt.Errorf("llama: batch row %d: tokens, mask and labels must all have length %d", r, seq)
		}
		if mask != nil {
			if err := checkSegments(r, mask[r]); err != nil {
				return Inputs{}, err
			}
		}
		for t, id := range row {
			if id < 0 || id >= vocab {
				return Inputs{}, fmt.Errorf("llama: batch row %d, position %d: token %d is outside the vocabulary of %d", r, t, id, vocab)
			}
			ids[r*seq+t] = int32(id)
			segments[r*seq+t] = 1
			if mask != nil {
				segments[r*seq+t] = float32(mask[r][t])
			}
			if labels == nil || t+1 == seq {
				continue
			}
			if mask != nil && (mask[r][t+1] == 0 || mask[r][t] != 0 && mask[r][t] != mask[r][t+1]) {
				continue // Padding, or the next example's first token.
			}
			label := labels[r][t+1]
			switch {
			case label == IgnoreLabel:
			case label < 0 || label >= vocab:
				return Inputs{}, fmt.Errorf("llama: batch row %d, position %d: label %d is neither a token nor IgnoreLabel", r, t+1, label)
			default:
				targets[r*seq+t] = int32(label)
				weights[r*seq+t] = 1
			}
		}
	}
	return Inputs{
		Tokens:  tensors.FromFlatDataAndDimensions(ids, rows, seq),
		Mask:    tensors.FromFlatDataAndDimensions(segments, rows, seq),
		Targets: tensors.FromFlatDataAndDimensions(targets, rows, seq),
		Weights: tensors.FromFlatDataAndDimensions(weights, rows, seq),
		Rows:    rows, Seq: seq,
	}, nil
}

// maxSegment is the largest segment number a mask may hold: the float32
// mask tensor holds every integer up to it exactly.
const maxSegment = 1 << 24

// checkSegments validates row r of a mask (see llama.Batch.Mask): no
// negative value, each segment one contiguous run, and, in a row of several
// segments, padding only after the last one.
func checkSegments(r int, mask []int) error {
	seen := map[int]bool{}
	current, firstPad, lastReal := 0, -1, -1
	for t, k := range mask {
		switch {
		case k < 0 || k > maxSegment:
			return fmt.Errorf("llama: batch row %d, position %d: mask value %d is neither padding (0) nor a segment number (1 to %d)", r, t, k, maxSegment)
		case k == 0:
			if firstPad < 0 {
				firstPad = t
			}
			continue
		case k != current && seen[k]:
			return fmt.Errorf("llama: batch row %d, position %d: segment %d resumes after segment %d began; each packed example must be one contiguous run", r, t, k, current)
		}
		seen[k], current, lastReal = true, k, t
	}
	if len(seen) > 1 && firstPad >= 0 && firstPad < lastReal {
		return fmt.Errorf("llama: batch row %d, position %d: padding before the row's last segment; in a row of several examples, padding goes after the last one", r, firstPad)
	}
	return nil
}
