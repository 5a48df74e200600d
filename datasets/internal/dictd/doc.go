// Package dictd reads dictionaries in the format of the DICT server dictd:
// an .index file of tab-separated lines (headword, offset, length, the
// numbers in dictd's base64 digits) and a .dict text, usually dictzipped
// (.dict.dz, a gzip file readable as a whole by any gzip reader).
package dictd
