// Package data reads the datasets a model is fine-tuned on: a JSON array of
// objects, or JSON Lines (one object per line), each object a row.
//
//	ds, err := data.Load("alpaca.jsonl")
//	ds.Len()     // 52002
//	ds.Columns() // [instruction input output]
//	ds.Row(0)    // map[instruction:Give three tips… input: output:1. Eat…]
//	train, eval, err := ds.Split(0.1, 42)
//
// Load tells the two forms apart by their content, not by the file's
// extension: a file that is one JSON array is an array of rows; otherwise
// a file whose first non-blank line holds a whole JSON value is JSON Lines,
// where every non-blank line is a row. So one object on one line is a
// dataset of one row, and one object spread over several lines (not a
// dataset) is refused. Invalid JSON is refused with an error that names
// the file, the line and the column (in JSON Lines, the row's line); a row
// that is not an object, with its index (rows count from 0) and its line.
//
// A dataset keeps its rows as the JSON text they were read from, one copy
// of the file in memory and a few words a row, and decodes a row each time
// Row is called; a large file is therefore not held as maps of Go values.
// Numbers decode as float64, as encoding/json decodes them into an any.
//
// Parse reads a dataset from JSON text in a cell, and FromRows makes one
// from Go values. A dataset shown in a notebook is a table of its first
// rows, with its source, row count and columns.
package data
