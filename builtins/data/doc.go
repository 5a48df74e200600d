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
// # Conversations
//
// A dataset whose rows hold a list of turns under "messages" or
// "conversations" is a conversation dataset; ChatFormat says which of two
// forms it has, and the first row that holds such a list decides:
//
//	{"messages": [{"role": "user", "content": "Define gnu."}, {"role": "assistant", "content": "…"}]}
//	{"conversations": [{"from": "human", "value": "Define gnu."}, {"from": "gpt", "value": "…"}]}
//
// The first is OpenAI's: each turn has a role (system, user, assistant or
// tool) and a content, and may have other keys (tool_calls, name,
// tool_call_id). The second is ShareGPT's: each turn has a "from" and a
// "value". Conversation reads a row in OpenAI form whichever it holds;
// ShareGPT's "from" becomes a role as follows, "value" becomes the content,
// and the turn's other keys stay:
//
//	system                      → system
//	human, user                 → user
//	gpt, assistant              → assistant
//	function_call               → assistant (the call's text stays in content; it is not made into tool_calls)
//	observation, tool, function → tool
//
// A content is a string, or OpenAI's list of parts, whose text parts
// ([{"type": "text", "text": "…"}]) are joined without a separator; any
// other part (an image) is an error. An assistant turn with tool_calls may
// have a null or missing content, read as "". The keys of a turn whose
// value is null are dropped, as transformers drops them before it renders
// a chat template (nulls inside a value stay). Numbers decode as
// json.Number, so that an integer stays an integer, and every object of a
// turn, the turn too, records its keys' order under KeyOrder, so that a
// template's tojson writes a tool call's arguments as the file has them.
//
// Reading a conversation fails, with an error that names the file, the
// row (from 0), its line and the turn (from 0), and says how to mend it,
// when a row has no turns or lacks the key of the dataset's form (a row
// that holds the other form is named as such, since a dataset holds one
// form), when a turn is not an object, has no role or an unknown one (the
// error lists those accepted), has a content that is not a string or a
// list of text parts (the error names its JSON kind), or is a system
// message that is not the first turn or not the only one. CheckTrainable
// checks what training needs on top: an assistant turn, and the
// assistant's reply last.
//
// Parse reads a dataset from JSON text in a cell, and FromRows makes one
// from Go values. A dataset shown in a notebook is a table of its first
// rows, with its source, row count and columns.
package data
