package tokenizer

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// pieceType is a SentencePiece piece's type (ModelProto.SentencePiece.Type).
type pieceType int8

// The piece types of sentencepiece_model.proto, with the same numbers.
const (
	pieceNormal      pieceType = 1
	pieceUnknown     pieceType = 2
	pieceControl     pieceType = 3
	pieceUserDefined pieceType = 4
	pieceUnused      pieceType = 5
	pieceByte        pieceType = 6
)

// The model types of TrainerSpec.model_type.
const (
	spUnigram = 1
	spBPE     = 2
	spWord    = 3
	spChar    = 4
)

// spPiece is one entry of a SentencePiece vocabulary.
type spPiece struct {
	text  string
	score float32
	typ   pieceType
}

// spModel holds the parts of a SentencePiece ModelProto that encoding and
// decoding use, with the proto's defaults filled in.
type spModel struct {
	pieces       []spPiece
	modelType    int
	byteFallback bool
	wsSuffix     bool // treat_whitespace_as_suffix
	unkSurface   string
	bosPiece     string
	eosPiece     string
	padPiece     string

	normName       string
	charsmap       []byte
	addDummyPrefix bool
	removeExtraWS  bool
	escapeWS       bool
	denormCharsmap []byte
}

// parseSentencePiece decodes a serialized ModelProto.
func parseSentencePiece(data []byte) (*spModel, error) {
	m := &spModel{
		modelType:      spUnigram,
		unkSurface:     " \u2047 ",
		bosPiece:       "<s>",
		eosPiece:       "</s>",
		padPiece:       "<pad>",
		addDummyPrefix: true,
		removeExtraWS:  true,
		escapeWS:       true,
	}
	err := eachField(data, func(f protoField) error {
		switch f.num {
		case 1:
			if err := f.expect(wireBytes, "pieces"); err != nil {
				return err
			}
			p, err := parsePiece(f.data)
			if err != nil {
				return fmt.Errorf("piece %d: %w", len(m.pieces), err)
			}
			m.pieces = append(m.pieces, p)
		case 2:
			if err := f.expect(wireBytes, "trainer_spec"); err != nil {
				return err
			}
			return wrap("trainer_spec", m.parseTrainerSpec(f.data))
		case 3:
			if err := f.expect(wireBytes, "normalizer_spec"); err != nil {
				return err
			}
			return wrap("normalizer_spec", m.parseNormalizerSpec(f.data, false))
		case 5:
			if err := f.expect(wireBytes, "denormalizer_spec"); err != nil {
				return err
			}
			return wrap("denormalizer_spec", m.parseNormalizerSpec(f.data, true))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(m.pieces) == 0 {
		return nil, errors.New("no pieces: not a SentencePiece model")
	}
	return m, nil
}

func parsePiece(data []byte) (spPiece, error) {
	p := spPiece{typ: pieceNormal}
	err := eachField(data, func(f protoField) error {
		switch f.num {
		case 1:
			p.text = string(f.data)
			return f.expect(wireBytes, "piece")
		case 2:
			p.score = f.float32()
			return f.expect(wireFixed32, "score")
		case 3:
			p.typ = pieceType(f.int32())
			if p.typ < pieceNormal || p.typ > pieceByte {
				return fmt.Errorf("unknown piece type %d", f.int32())
			}
			return f.expect(wireVarint, "type")
		}
		return nil
	})
	if err != nil {
		return p, err
	}
	if p.text == "" {
		return p, errors.New("empty piece")
	}
	if !utf8.ValidString(p.text) {
		return p, fmt.Errorf("piece %q is not UTF-8", p.text)
	}
	return p, nil
}

func (m *spModel) parseTrainerSpec(data []byte) error {
	return eachField(data, func(f protoField) error {
		switch f.num {
		case 3:
			m.modelType = int(f.int32())
			return f.expect(wireVarint, "model_type")
		case 24:
			m.wsSuffix = f.bool()
			return f.expect(wireVarint, "treat_whitespace_as_suffix")
		case 35:
			m.byteFallback = f.bool()
			return f.expect(wireVarint, "byte_fallback")
		case 44:
			m.unkSurface = string(f.data)
			return f.expect(wireBytes, "unk_surface")
		case 46:
			m.bosPiece = string(f.data)
			return f.expect(wireBytes, "bos_piece")
		case 47:
			m.eosPiece = string(f.data)
			return f.expect(wireBytes, "eos_piece")
		case 48:
			m.padPiece = string(f.data)
			return f.expect(wireBytes, "pad_piece")
		}
		return nil
	})
}

func (m *spModel) parseNormalizerSpec(data []byte, denormalizer bool) error {
	return eachField(data, func(f protoField) error {
		switch {
		case f.num == 2 && denormalizer:
			m.denormCharsmap = f.data
			return f.expect(wireBytes, "precompiled_charsmap")
		case denormalizer:
		case f.num == 1:
			m.normName = string(f.data)
			return f.expect(wireBytes, "name")
		case f.num == 2:
			m.charsmap = f.data
			return f.expect(wireBytes, "precompiled_charsmap")
		case f.num == 3:
			m.addDummyPrefix = f.bool()
			return f.expect(wireVarint, "add_dummy_prefix")
		case f.num == 4:
			m.removeExtraWS = f.bool()
			return f.expect(wireVarint, "remove_extra_whitespaces")
		case f.num == 5:
			m.escapeWS = f.bool()
			return f.expect(wireVarint, "escape_whitespaces")
		}
		return nil
	})
}

// wrap prefixes a non-nil error with what was being read.
func wrap(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// supported returns an error naming the first feature of m that this
// package does not implement.
func (m *spModel) supported() error {
	switch {
	case m.modelType != spBPE:
		names := map[int]string{spUnigram: "UNIGRAM", spWord: "WORD", spChar: "CHAR"}
		name := names[m.modelType]
		if name == "" {
			name = fmt.Sprint(m.modelType)
		}
		return fmt.Errorf("trainer_spec.model_type is %s: only BPE SentencePiece models (as LLaMA's) are supported", name)
	case len(m.charsmap) > 0:
		return fmt.Errorf("normalizer_spec.precompiled_charsmap is set (rule %q): only the identity normalizer (as LLaMA's) is supported", m.normName)
	case len(m.denormCharsmap) > 0:
		return errors.New("denormalizer_spec.precompiled_charsmap is set: denormalization is not supported")
	case m.wsSuffix:
		return errors.New("trainer_spec.treat_whitespace_as_suffix is true: only whitespace as prefix is supported")
	}
	return nil
}
