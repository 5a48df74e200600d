// Package brs reads the King James Bible text of the Bible Retrieval System
// (Chip Chapin, 1989), the program Debian ships as bible-kjv: the compressed
// data file bible.data of the bible-kjv-text package.
//
// The file is a table of independently compressed blocks, each a
// compress(1) LZW stream, so that the program can seek to a verse;
// Decompress undoes it. The text is one verse a line, "Ge1:1 In the
// beginning …", after a title line; ParseVerses reads it.
package brs
