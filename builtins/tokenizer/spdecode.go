package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// spDecoder decodes as SentencePiece does: control pieces vanish, <unk>
// becomes the unknown surface (" ⁇ "), runs of byte pieces become UTF-8
// text (U+FFFD for each byte that does not start a valid character), "▁"
// becomes a space, and the leading "▁" of the first piece goes away when
// the model adds a dummy prefix or drops extra whitespace.
type spDecoder struct {
	pieces        []string
	types         []pieceType
	canonical     []int32 // id -> id of its piece text (SentencePiece decodes piece texts)
	byteValue     []int16 // byte of a byte piece, -1 for others
	unkSurface    string
	stripLeading  bool // add_dummy_prefix or remove_extra_whitespaces
	removeExtraWS bool
}

func newSPDecoder(m *spModel, enc *spEncoder) *spDecoder {
	d := &spDecoder{
		pieces:        make([]string, len(m.pieces)),
		types:         make([]pieceType, len(m.pieces)),
		canonical:     enc.final,
		byteValue:     make([]int16, len(m.pieces)),
		unkSurface:    m.unkSurface,
		stripLeading:  m.addDummyPrefix || m.removeExtraWS,
		removeExtraWS: m.removeExtraWS,
	}
	for i, p := range m.pieces {
		d.pieces[i] = p.text
		d.types[i] = p.typ
		d.byteValue[i] = -1
		if b, ok := parseBytePiece(p.text); ok && p.typ == pieceByte {
			d.byteValue[i] = int16(b)
		}
	}
	return d
}

func (d *spDecoder) decode(ids []int) string {
	var text, pending []byte
	atStart, leadingSeen := true, false
	for _, id := range ids {
		if id < 0 || id >= len(d.pieces) {
			continue
		}
		id = int(d.canonical[id])
		if b := d.byteValue[id]; b >= 0 {
			pending = append(pending, byte(b))
			continue
		}
		text = appendBytesAsText(text, pending)
		pending = pending[:0]
		if leadingSeen || len(text) > 0 {
			atStart = false
		}
		leadingSeen = false
		switch d.types[id] {
		case pieceControl:
		case pieceUnknown:
			text = append(text, d.unkSurface...)
		default:
			piece := d.pieces[id]
			if atStart && d.stripLeading {
				if rest, ok := strings.CutPrefix(piece, metaspace); ok {
					piece = rest
					leadingSeen = !d.removeExtraWS
				}
			}
			text = appendReplacingMetaspace(text, piece)
		}
	}
	return string(appendBytesAsText(text, pending))
}

// appendBytesAsText appends the bytes of byte pieces to text, writing
// U+FFFD for each byte that does not start a valid UTF-8 character.
func appendBytesAsText(text, b []byte) []byte {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			text = append(text, replacementChar...)
		} else {
			text = append(text, b[:n]...)
		}
		b = b[n:]
	}
	return text
}

func appendReplacingMetaspace(text []byte, piece string) []byte {
	for {
		i := strings.Index(piece, metaspace)
		if i < 0 {
			return append(text, piece...)
		}
		text = append(text, piece[:i]...)
		text = append(text, ' ')
		piece = piece[i+len(metaspace):]
	}
}
