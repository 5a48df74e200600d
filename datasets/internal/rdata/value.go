package rdata

// Type is an R object type, the SEXPTYPE number R writes for it.
type Type uint8

// The object types that Unserialize returns.
const (
	Nil       Type = 0
	Symbol    Type = 1
	Pairlist  Type = 2
	Char      Type = 9
	Logical   Type = 10
	Integer   Type = 13
	Double    Type = 14
	Character Type = 16
	List      Type = 19
	// Special values R writes as a bare marker.
	BaseEnv       Type = 241
	EmptyEnv      Type = 242
	BaseNamespace Type = 247
	MissingArg    Type = 251
	UnboundValue  Type = 252
	GlobalEnv     Type = 253
)

// NAInteger is R's NA for integer and logical vectors.
const NAInteger = -1 << 31

// Value is one R object.
type Value struct {
	Type Type
	// Strings holds a character vector's elements, or a Char's one string.
	Strings []string
	// NA marks the elements of Strings that are NA; nil when none is.
	NA []bool
	// Ints holds an integer or logical vector; NAInteger is NA.
	Ints []int32
	// Reals holds a double vector.
	Reals []float64
	// Elems holds a list's elements, or a pairlist's values.
	Elems []*Value
	// Tags holds a pairlist's tags ("" where a node has none).
	Tags []string
	// Name is a symbol's name.
	Name string
	// Attrs is the attribute pairlist, nil when the object has none.
	Attrs *Value
}

// Attr returns the attribute called name, or nil.
func (v *Value) Attr(name string) *Value {
	if v == nil || v.Attrs == nil {
		return nil
	}
	return v.Attrs.Get(name)
}

// Get returns the element tagged name of a pairlist, or the element called
// name of a list with a names attribute; nil when there is none.
func (v *Value) Get(name string) *Value {
	if v == nil {
		return nil
	}
	tags := v.Tags
	if v.Type == List {
		if names := v.Attr("names"); names != nil {
			tags = names.Strings
		}
	}
	for i, t := range tags {
		if t == name && i < len(v.Elems) {
			return v.Elems[i]
		}
	}
	return nil
}

// Len is the number of elements of a vector, list or pairlist.
func (v *Value) Len() int {
	switch v.Type {
	case Character:
		return len(v.Strings)
	case Logical, Integer:
		return len(v.Ints)
	case Double:
		return len(v.Reals)
	case List, Pairlist:
		return len(v.Elems)
	}
	return 0
}
