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
	r := protoReader{buf: data}
	for !r.done() {
		f, err := r.next()
		if err != nil {
			return nil, err
		}
		switch f.num {
		case 1:
			if err := f.expect(wireBytes, "pieces"); err != nil {
				return nil, err
			}
			p, err := parsePiece(f.data)
			if err != nil {
				return nil, fmt.Errorf("piece %d: %w", len(m.pieces), err)
			}
			m.pieces = append(m.pieces, p)
		case 2:
			if err := f.expect(wireBytes, "trainer_spec"); err != nil {
				return nil, err
			}
			if err := m.parseTrainerSpec(f.data); err != nil {
				return nil, fmt.Errorf("trainer_spec: %w", err)
			}
		case 3:
			if err := f.expect(wireBytes, "normalizer_spec"); err != nil {
				return nil, err
			}
			if err := m.parseNormalizerSpec(f.data, false); err != nil {
				return nil, fmt.Errorf("normalizer_spec: %w", err)
			}
		case 5:
			if err := f.expect(wireBytes, "denormalizer_spec"); err != nil {
				return nil, err
			}
			if err := m.parseNormalizerSpec(f.data, true); err != nil {
				return nil, fmt.Errorf("denormalizer_spec: %w", err)
			}
		}
	}
	if len(m.pieces) == 0 {
		return nil, errors.New("no pieces: not a SentencePiece model")
	}
	return m, nil
}

func parsePiece(data []byte) (spPiece, error) {
	p := spPiece{typ: pieceNormal}
	r := protoReader{buf: data}
	for !r.done() {
		f, err := r.next()
		if err != nil {
			return p, err
		}
		switch f.num {
		case 1:
			if err := f.expect(wireBytes, "piece"); err != nil {
				return p, err
			}
			p.text = string(f.data)
		case 2:
			if err := f.expect(wireFixed32, "score"); err != nil {
				return p, err
			}
			p.score = f.float32()
		case 3:
			if err := f.expect(wireVarint, "type"); err != nil {
				return p, err
			}
			p.typ = pieceType(f.int32())
			if p.typ < pieceNormal || p.typ > pieceByte {
				return p, fmt.Errorf("unknown piece type %d", f.int32())
			}
		}
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
	r := protoReader{buf: data}
	for !r.done() {
		f, err := r.next()
		if err != nil {
			return err
		}
		var ferr error
		switch f.num {
		case 3:
			ferr = f.expect(wireVarint, "model_type")
			m.modelType = int(f.int32())
		case 24:
			ferr = f.expect(wireVarint, "treat_whitespace_as_suffix")
			m.wsSuffix = f.bool()
		case 35:
			ferr = f.expect(wireVarint, "byte_fallback")
			m.byteFallback = f.bool()
		case 44:
			ferr = f.expect(wireBytes, "unk_surface")
			m.unkSurface = string(f.data)
		case 46:
			ferr = f.expect(wireBytes, "bos_piece")
			m.bosPiece = string(f.data)
		case 47:
			ferr = f.expect(wireBytes, "eos_piece")
			m.eosPiece = string(f.data)
		case 48:
			ferr = f.expect(wireBytes, "pad_piece")
			m.padPiece = string(f.data)
		}
		if ferr != nil {
			return ferr
		}
	}
	return nil
}

func (m *spModel) parseNormalizerSpec(data []byte, denormalizer bool) error {
	r := protoReader{buf: data}
	for !r.done() {
		f, err := r.next()
		if err != nil {
			return err
		}
		var ferr error
		switch {
		case f.num == 2 && denormalizer:
			ferr = f.expect(wireBytes, "precompiled_charsmap")
			m.denormCharsmap = f.data
		case denormalizer:
		case f.num == 1:
			ferr = f.expect(wireBytes, "name")
			m.normName = string(f.data)
		case f.num == 2:
			ferr = f.expect(wireBytes, "precompiled_charsmap")
			m.charsmap = f.data
		case f.num == 3:
			ferr = f.expect(wireVarint, "add_dummy_prefix")
			m.addDummyPrefix = f.bool()
		case f.num == 4:
			ferr = f.expect(wireVarint, "remove_extra_whitespaces")
			m.removeExtraWS = f.bool()
		case f.num == 5:
			ferr = f.expect(wireVarint, "escape_whitespaces")
			m.escapeWS = f.bool()
		}
		if ferr != nil {
			return ferr
		}
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
