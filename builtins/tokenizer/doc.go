// Package tokenizer turns text into the token ids of a language model and
// back, matching the reference implementations token for token: Hugging
// Face tokenizers for tokenizer.json files (byte-level BPE as GPT-2's,
// SentencePiece-style BPE with byte fallback as LLaMA's), Google's
// sentencepiece for tokenizer.model files (BPE models as LLaMA's), and
// llama.cpp for the vocabularies of GGUF files.
//
// Load reads either file format, or a model folder holding one:
//
//	tok, err := tokenizer.Load("models/llama/tokenizer.model")
//	ids := tok.Encode("Hello world", true) // [1 15043 3186]
//	text := tok.Decode(ids)                 // "Hello world"
//
// EncodeOffsets also says where in the text each token starts, for loss
// masking and chunking. TrainBPE learns a byte-level BPE tokenizer from
// text. Save writes a tokenizer.json that Hugging Face tokenizers reads:
// the file it was loaded from, what TrainBPE made, a SentencePiece model
// converted as transformers' LlamaTokenizerFast converts it, or a GGUF
// vocabulary (below).
//
// Special tokens: a SentencePiece model's BOS, EOS and PAD are its control
// pieces named in trainer_spec. For a tokenizer.json they come from
// tokenizer_config.json beside it, else from the post-processor's
// template, else from the usual names (<s>, </s>, <pad>, <|endoftext|>).
// As in the reference libraries, added special tokens written in the text
// ("<s>") become their ids with tokenizer.json, but SentencePiece models
// read control pieces in text as plain text.
//
// Pre-tokenizers of tokenizer.json: ByteLevel, Metaspace, Digits
// (individual_digits true or false), and a Sequence of them, as SmolLM2's
// Sequence[Digits, ByteLevel].
//
// # GGUF vocabularies
//
// FromGGUF builds the tokenizer of a GGUF file (llama.cpp's format) from
// the tokenizer.ggml.* keys of its metadata, which a model loader reads
// into a GGUFVocab. It tokenizes as llama.cpp's llama_tokenize with
// parse_special, and decodes as its llama_detokenize without special
// tokens. Supported:
//
//   - tokenizer.ggml.model "gpt2", byte-level BPE with the merges of
//     tokenizer.ggml.merges, with tokenizer.ggml.pre "default" (or none),
//     "gpt-2" (or "phi-2"), "smollm" (SmolLM2's: each digit alone, then
//     GPT-2's split), "llama-bpe" (Llama 3's, or any name llama.cpp gives
//     the same rules: "llama3", "falcon3", "pixtral", ...) and "qwen2"
//     ("deepseek-r1-qwen", ...);
//   - tokenizer.ggml.model "llama", SentencePiece-style BPE by
//     tokenizer.ggml.scores with the 256 byte tokens <0x00>...<0xFF> as
//     fallback, spaces written "▁", and "▁" in front of the text and of
//     each stretch after a special token when add_space_prefix is true (its
//     default).
//
// Anything else (tokenizer.ggml.model "bert", "t5", "rwkv", another pre
// type, a general.name for which llama.cpp changes the rules of special
// tokens, as Phi-3's) is refused with an error that names the key, its
// value and what is supported, never tokenized differently.
//
// Special tokens of a GGUF vocabulary: BOS, EOS, UNK and PAD are the
// tokenizer.ggml.*_token_id keys (a "llama" vocabulary without them has
// llama.cpp's 1, 2 and 0; a "gpt2" one has none, where llama.cpp takes
// token 11, so add_bos_token without bos_token_id is refused).
// Encode(text, true) adds what the file says:
// BOS in front when tokenizer.ggml.add_bos_token is true (its default is
// true for "llama" and "llama-bpe", false for the others; SmolLM2's file
// says false), and EOS at the end when add_eos_token is; AddsBOS reports
// it. Control, user-defined and unknown tokens written in the text become
// their ids.
//
// What the GGUF tests (TestGGUFLlamaCpp, against ids that llama.cpp gave;
// testdata/gguf) rest on, as llama.cpp's llama-vocab.cpp does it:
//   - special tokens are cut out of the text first, the longest token
//     first, every occurrence left to right, then the next one in what is
//     left; besides the tokens of type control (3), user-defined (4) and
//     unknown (2), llama.cpp makes control tokens of end-of-generation and
//     fill-in-the-middle tokens by their text (<|im_end|>, <|endoftext|>,
//     </s>, <|fim_prefix|>, [PAD], ...);
//   - each pre type is a list of split patterns applied in turn, each to the
//     pieces of the one before (smollm: \p{N}, then GPT-2's; default:
//     punctuation runs, GPT-2's, \p{N}+, then ASCII digits three by three);
//     byte-level BPE then merges by rank, the leftmost of equal ranks, and
//     "llama-bpe" takes a word that is a token whole (ignore_merges);
//   - SentencePiece-style BPE merges any two adjacent pieces whose text is a
//     token, of any type, the highest score first, the leftmost of equal
//     scores; a character outside the vocabulary becomes its byte tokens;
//   - bytes that are not UTF-8 read as U+FFFD in byte-level vocabularies;
//     a byte without a byte-level token (SmolLM2 lacks 21 of the 256, most
//     of them bytes that UTF-8 never has) is dropped, and keeps the bytes
//     around it from merging;
//   - decoding drops control and unknown tokens, keeps user-defined ones
//     as written, turns byte tokens into their byte, strips one leading space
//     from the first token when add_space_prefix is true, and, for the pre
//     types "default", "gpt-2" and "llama-bpe", drops the space before ?!.,
//     and in front of 's 'm 're 've and the spaces around a lone ', as
//     clean_up_tokenization_spaces does; the result may end in part of a
//     character.
//
// Where a vocabulary has several tokens for one fill-in-the-middle role,
// llama.cpp marks one of them as control, whichever its hash map yields
// first; this package marks all. Text that is not valid UTF-8 is encoded
// without panic but not compared with llama.cpp, which reads it differently
// in "llama" vocabularies. Save writes a GGUF vocabulary as a tokenizer.json
// that this package and Hugging Face tokenizers read back to llama.cpp's ids
// (TestGGUFSave), for "llama" and for the pre types "gpt-2" and "smollm";
// the others have no tokenizer.json form that this package reads, and Save
// says so. The file names BOS and EOS only in its post-processor, when the
// vocabulary adds them; loaded again, it finds its special tokens as any
// tokenizer.json does (and Encode(text, true) puts BOS in front whenever
// there is one).
//
// What is not supported (Unigram and WordPiece models, normalizers such as
// NFKC, custom split patterns) is refused by Load with an error that names
// the file, the field and what is supported, never tokenized differently.
package tokenizer
