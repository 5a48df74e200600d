// Package rdata reads R data without R: the XDR serialization format
// (versions 2 and 3, what saveRDS and serialize write) and the lazy-load
// databases (a .rdx index and a .rdb file of compressed objects) in which R
// packages ship their data sets.
//
// It reads the value types that data sets are made of: character, integer,
// logical and double vectors, lists, pairlists, symbols and attributes (so
// factors and data frames read as vectors with attributes). Environments,
// closures, byte code and ALTREP objects are reported as unsupported.
package rdata
