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
// text. Save writes a tokenizer.json that Hugging Face tokenizers reads:
// the file it was loaded from, what TrainBPE made, or a SentencePiece model
// converted as transformers' LlamaTokenizerFast converts it.
//
// Special tokens: a SentencePiece model's BOS, EOS and PAD are its control
// pieces named in trainer_spec. For a tokenizer.json they come from
// tokenizer_config.json beside it, else from the post-processor's
// template, else from the usual names (<s>, </s>, <pad>, <|endoftext|>).
// As in the reference libraries, added special tokens written in the text
// ("<s>") become their ids with tokenizer.json, but SentencePiece models
// read control pieces in text as plain text.
//
// What is not supported (Unigram and WordPiece models, normalizers such as
// NFKC, custom split patterns) is refused by Load with an error that names
// the file, the field and what is supported, never tokenized differently.
package tokenizer
