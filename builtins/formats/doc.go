// Package formats turns the rows of a dataset into the texts a model is
// trained on, with format files as text-generation-webui's Train LoRA tab
// reads them.
//
// A format file is a JSON object that maps a key set, key names separated
// by commas, to a template:
//
//	{
//	  "instruction,output": "### Instruction:\n%instruction%\n\n### Response:\n%output%",
//	  "instruction,input,output": "### Instruction:\n%instruction%\n\n### Input:\n%input%\n\n### Response:\n%output%"
//	}
//
// For each row, K is the set of its keys whose value is a string that is
// not empty once white space is trimmed. The first template, in the order
// of the file, whose key set equals K formats the row: each %key% of K in
// the template is replaced by the row's value, as it is (untrimmed).
// Names in a key set are trimmed ("instruction, output" is the key set
// {instruction, output}). A row that no template matches is an error that
// names the row, its keys and the key sets on offer; Apply checks every row
// before it returns, so a run never stops on a bad row halfway.
//
// Placeholders are read from left to right, and a value put into the text
// is not read again: a value that holds "%output%" stays as it is. A
// template may only use keys of its own key set: Parse refuses one whose
// text still holds something like a placeholder, %name% with letters,
// digits and underscores, that is not a key of its key set (a misspelling,
// or a key of another set), which could never be filled. Any other '%' is
// literal: "100%", "50% off".
//
//	f, err := formats.Load("formats/alpaca-format.json")
//	texts, err := f.Apply(ds)
//	f.Preview(ds, tok, 5, 256) // the first 5 rows: template and data apart, token counts
//
// Prompts returns the formatted rows with the byte spans of template text and
// of each value. Tokenize turns texts into token ids with a loss mask for
// training: with a train-only-after string, the tokens that end at or before
// the end of its first occurrence are not trained on. TokenLengths counts
// tokens for a histogram against the cutoff.
package formats
