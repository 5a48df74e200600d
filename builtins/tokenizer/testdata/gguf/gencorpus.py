"""gencorpus.py writes corpus.jsonl: the texts that the GGUF tests encode on top
of ../corpus.jsonl, one JSON string per line. They aim at what the GGUF
pre-tokenizers treat differently: digits and numbers of every length, Go source
code (tabs, newlines, operators), runs of spaces, tabs and newlines, the chat
template's special tokens inside text, Unicode (CJK, accents and combining
marks, emoji sequences, right-to-left scripts) and empty lines.

The Go source comes from the Go distribution at GOROOT (BSD licence; its
copyright notices are left out of the chosen lines); the rest is written here
and mixed with a fixed seed, so with the same Go release the output is the same
on every run. The committed corpus.jsonl was made with go1.26.8:

    python3 gencorpus.py "$(go env GOROOT)" > corpus.jsonl
"""

import json
import os
import random
import sys

GO_FILES = [
    "src/fmt/print.go", "src/strings/strings.go", "src/strconv/quote.go",
    "src/unicode/utf8/utf8.go", "src/bufio/scan.go", "src/sort/sort.go",
    "src/encoding/json/decode.go", "src/net/http/server.go", "src/os/file.go",
    "src/regexp/regexp.go", "src/time/format.go", "src/math/big/nat.go",
    "src/text/template/exec.go", "src/container/list/list.go",
]

SPECIALS = [
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<repo_name>", "<file_sep>",
    "<filename>", "<gh_stars>", "<jupyter_code>", "<empty_output>", "<s>", "</s>",
    "<unk>", "<|begin_of_text|>", "<|eot_id|>", "<tool>", "[MASK]", "hello world",
]

WORDS = [
    "the", "quick", "brown", "fox", "tokenizer", "llama", "gguf", "ing", "sing",
    "thé", "été", "naïve", "Straße", "你好", "世界", "東京", "こんにちは", "안녕",
    "مرحبا", "שָׁלוֹם", "नमस्ते", "ภาษาไทย", "Ελλάδα", "Привет", "😀", "👍🏽",
    "👨‍👩‍👧", "🇯🇵", "1️⃣", "e\u0301", "a\u0308\u0301", "Z\u0351\u0308l\u0359g\u0327o",
    "don't", "it's", "WE'LL", "O'Neil", "x", "I",
]

SPACES = [" ", "  ", "   ", "    ", "\t", "\t\t", "\n", "\n\n", "\r\n", " \n", "\n ",
          "\u00a0", "\u3000", "\u2009", ""]


def numbers(rng):
    out = []
    for n in range(1, 41):
        out.append("".join(rng.choice("0123456789") for _ in range(n)))
        out.append(str(n % 10) * n)
    for prefix in ["", " ", "  ", "    ", "\t", "\n", "x", "-", "+", "$", "(", "v", "#", "第"]:
        for digits in ["1", "12", "123", "1234", "12345", "1234567", "3.14", "1,000,000"]:
            out.append(prefix + digits)
    out += [
        "    1.", "    1. Item", "  2) second", "\t3: third", "1.\n2.\n3.", "10 20 30", "0.5%",
        "1e10", "6.02e23", "-273.15", "0x1F", "0b1010", "0o777", "1_000_000", "3/4",
        "½ ⅓ ¼", "x² + y³", "Ⅻ Ⅳ", "٣٤٥", "१२३४", "３４５６", "๑๒๓", "①②③",
        "2024-05-01T12:30:45Z", "+1 (555) 010-9999", "ISBN 978-3-16-148410-0",
        "abc123def456", "a1b2c3", "H2O", "CO2", "4th", "21st", "v1.2.3-rc4",
        "192.168.0.1", "127.0.0.1:8080", "$1,234.56", "€5", "1 000 000", "12345678901234567890123",
    ]
    return out


def go_source(goroot, rng):
    out = []
    for rel in GO_FILES:
        path = os.path.join(goroot, rel)
        with open(path, encoding="utf-8") as f:
            lines = [l for l in f.read().split("\n") if not l.startswith("// Copyright")]
        for _ in range(30):
            start = rng.randrange(len(lines))
            n = rng.choice([1, 1, 1, 2, 3, 5, 8, 12])
            out.append("\n".join(lines[start:start + n]))
    return out


def whitespace():
    out = [""] * 3 + ["\n" * n for n in range(1, 13)]
    out += [" " * n for n in range(1, 34)] + ["\t" * n for n in range(1, 11)]
    for ws in ["  ", "\t", "\n", "\n\n", " \t", "\t ", "\r\n", "\n\t\t", "   \n", "\u00a0\u00a0", "\u3000"]:
        out += [ws + "word", "word" + ws, ws + "word" + ws, "a" + ws + "b", ws + "1", "1" + ws, ws + "." + ws]
    out += ["a" + " " * n + "b" for n in range(1, 17)]
    out += ["if x {\n" + "\t" * n + "return\n}" for n in range(1, 7)]
    return out


def chat(rng):
    out = [
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
        "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello! How can I help?<|im_end|>\n",
        "<|im_start|>assistant\n", "<|im_end|>", "<|im_start|><|im_end|>", "<|im_start|", "<|im_end|>>",
        "text<|endoftext|>text", " <|endoftext|> ", "<repo_name>golora<file_sep>main.go\npackage main",
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
        "<s>[INST] Hi [/INST]</s>", " <s> ", "<s><s>", "a<unk>b", "<tool> x <tool>", "say hello world",
        "hello worlds", "singing the thing", "<0x0A>", "<0x41><0x42>", "▁", "▁▁hello", "a▁b",
    ]
    for _ in range(60):
        parts = []
        for _ in range(rng.randint(1, 6)):
            r = rng.random()
            if r < 0.35:
                parts.append(rng.choice(SPECIALS))
            elif r < 0.5:
                parts.append(rng.choice(SPACES))
            else:
                parts.append(rng.choice(WORDS))
        out.append("".join(parts))
    return out


def mixed(rng):
    out = []
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(1, 12)):
            parts.append(rng.choice(WORDS) if rng.random() < 0.7 else str(rng.randrange(10 ** rng.randint(1, 8))))
            parts.append(rng.choice(SPACES) if rng.random() < 0.4 else " ")
        s = "".join(parts)
        if rng.random() < 0.3:
            s = s.strip()
        out.append(s)
    return out


def unicode_texts():
    return [
        "我想在apple工作1314151天～", "人工智能和机器学习是未来。", "日本語の文章です。カタカナ、ひらがな。",
        "대한민국의 수도는 서울입니다.", "Việt Nam có 54 dân tộc.", "Ça va? Où êtes-vous, garçon?",
        "e\u0301te\u0301 vs été", "n\u0303 ñ", "ﬁ ﬂ ﬀ", "Ａｂｃ　ｄｅｆ", "ｶﾀｶﾅ",
        "مرحبا بالعالم، كيف حالك؟", "שָׁלוֹם עוֹלָם", "עברית ו-English mixed", "\u202eRTL override\u202c",
        "नमस्ते दुनिया", "க்ஷ ஸ்ரீ", "ສະບາຍດີ", "ᚠᛇᚻ᛫ᛒᛦᚦ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𝟘𝟙𝟚",
        "🚀 (normal) 😶\u200d🌫️ (multiple emojis concatenated) ✅ 🦙🦙", "👩🏽‍💻👨‍👩‍👧‍👦🏳️‍🌈🇺🇳",
        "\u200b\u200c\u200d", "\ufeffBOM", "\u00ad soft hyphen", "tab\tand\u000bvt\u000cff", "\u0085NEL",
        "\u2028line\u2029para", "\u0000nul", "\u007fdel", "Ω≈ç√∫˜µ≤≥÷", "«quotes» „low” ‘single’",
        "------======= нещо на Български ''''''```````\"\"\"\"......!!!!!!??????",
        "I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL",
        "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'VE 'M 'LL 'D",
    ]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gencorpus.py GOROOT")
    rng = random.Random(20260101)
    texts = numbers(rng) + go_source(sys.argv[1], rng) + whitespace() + chat(rng) + mixed(rng) + unicode_texts()
    for t in texts:
        print(json.dumps(t, ensure_ascii=False))


if __name__ == "__main__":
    main()
