// Package tokenizer turns text into the token ids of a language model and
// back, matching the reference implementations token for token: Hugging
// Face tokenizers for tokenizer.json files (byte-level BPE as GPT-2's,
// SentencePiece-style BPE with byte fallback as LLaMA's) and Google's
// sentencepiece for tokenizer.model files (BPE models as LLaMA's).
//
// Load reads either format, or a model folder holding one:
//
//	tok, err := tokenizer.Load("models/llama/tokenizer.model")
//	ids := tok.Encode("Hello world", true) // [1 15043 3186]
//	text := tok.Decode(ids)                 // "Hello world"
//
// EncodeOffsets also says where in the text each token starts, for loss
// masking and chunking. TrainBPE learns a byte-level BPE tokenizer from
// text, and Save writes any tokenizer loaded from tokenizer.json, or
// trained, as a tokenizer.json that Hugging Face tokenizers reads.
//
// What is not supported (Unigram and WordPiece models, normalizers such as
// NFKC, custom split patterns) is refused by Load with an error that names
// the file, the field and what is supported, never tokenized differently.
package tokenizer
