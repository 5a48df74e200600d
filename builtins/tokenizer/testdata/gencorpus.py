"""gencorpus.py writes corpus.jsonl: the texts that the tokenizer tests encode,
one JSON string per line. The texts are written here (word lists in many
scripts, code, URLs, numbers, whitespace, special-token strings) and mixed
with a fixed seed, so the output is the same on every run.

    python3 gencorpus.py > corpus.jsonl
"""

import json
import random

WORDS = {
    "english": "the quick brown fox jumps over lazy dog while reading books about history "
    "science music and programming languages people often say that tokenizers are simple "
    "but details matter when every byte counts".split(),
    "contractions": "don't I'm they'll it's we've you'd she's can't won't isn't "
    "DON'T I'M THEY'LL IT'S WE'VE 'tis o'clock rock'n'roll y'all ma'am".split(),
    "french": "été déjà où garçon cœur naïve façade élève hôpital œuvre très".split(),
    "german": "Straße Größe über Mädchen Äpfel Öl Übermut fußball schön Grüße".split(),
    "polish": "zażółć gęślą jaźń źdźbło łódź Świętokrzyskie".split(),
    "vietnamese": "Tiếng Việt người nước phở Hà Nội chữ quốc ngữ".split(),
    "turkish": "İstanbul ılık ışık Çağ şeker öğrenci".split(),
    "greek": "Καλημέρα κόσμε αλφάβητο ψυχή Ωμέγα ἀρχή λόγος".split(),
    "russian": "Привет мир съешь же ещё этих мягких французских булок ЁЖИК".split(),
    "ukrainian": "Їжак ґанок єдність світ".split(),
    "arabic": "مرحبا بالعالم اللغة العربية كتاب مدرسة ١٢٣ ٤٥٦".split(),
    "hebrew": "שלום עולם עברית ספר בית".split(),
    "hindi": "नमस्ते दुनिया हिन्दी भाषा क्षत्रिय ज्ञान २०२४".split(),
    "bengali": "আমি বাংলায় গান গাই ভাষা".split(),
    "tamil": "வணக்கம் தமிழ் மொழி".split(),
    "thai": "สวัสดีครับ ภาษาไทย กรุงเทพมหานคร".split(),
    "chinese": "你好世界 中文分词 汉字 北京欢迎你 机器学习 人工智能".split(),
    "japanese": "こんにちは世界 カタカナ ひらがな 東京都 日本語の文章 ｶﾀｶﾅ".split(),
    "korean": "안녕하세요 세계 한국어 문장 대한민국".split(),
    "georgian": "გამარჯობა საქართველო".split(),
    "armenian": "Բարեւ Հայաստան".split(),
    "amharic": "ሰላም ዓለም አማርኛ".split(),
    "emoji": ["😀", "🎉", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "🇯🇵", "❤️", "🧑🏿‍💻", "🤷‍♀️",
              "✨", "🔥🔥🔥", "☕", "👩‍❤️‍💋‍👨", "🫠", "1️⃣", "©", "™", "→", "∑", "√2", "≠"],
    "combining": ["e\u0301", "a\u0308", "n\u0303o", "Z\u0351\u0308\u036ba\u0310\u034cl\u0359g\u0327o",
                  "\u0915\u094d\u0937", "o\u0328\u0304", "\u1100\u1161\u11a8", "A\u030a",
                  "\u05e9\u05c1\u05b8", "i\u0307"],
    "code": ["func main() {", "\tfmt.Println(\"hi\")", "}", "for i := 0; i < n; i++ {",
             "if err != nil { return nil, fmt.Errorf(\"load %s: %w\", path, err) }",
             "def f(x):", "    return x ** 2", "x = [1, 2, 3]  # comment",
             "{\"key\": \"value\", \"n\": 42, \"ok\": true}", "<div class=\"a\">b</div>",
             "SELECT * FROM users WHERE id = 7;", "a+=b*c-d/e%f", "#include <stdio.h>",
             "std::vector<int> v{1,2,3};", "console.log(`x=${x}`);", "$ ls -la | grep .go",
             "a&&b||!c", "x==y!=z", "//", "/* block */", "__init__", "snake_case_name",
             "camelCaseName", "SCREAMING_CASE", "0xDEADBEEF", "1e-9", "λx.x"],
    "urls": ["https://example.com/path?q=1&lang=en#top", "http://localhost:8080/",
             "www.wikipedia.org", "user@example.org", "ftp://files.example.net/a/b.tar.gz",
             "https://例え.jp/パス", "C:\\Users\\name\\file.txt", "/usr/local/bin/go",
             "git@github.com:golang/go.git", "mailto:someone@example.com"],
    "numbers": ["0", "7", "42", "123", "2024", "3.14159", "1,000,000", "12345678901234567890",
                "-273.15", "+1 (555) 010-9999", "1/2", "99%", "#1", "v1.2.3", "2024-05-01",
                "12:30:45", "1st", "2nd", "3rd", "4th", "½", "²", "Ⅻ", "٣", "१२३", "３４５"],
    "specials": ["<s>", "</s>", "<unk>", "<pad>", "<|endoftext|>", "<0x41>", "<0x0A>", "▁",
                 "▁▁", "<|im_start|>", "<|im_end|>", "[MASK]", "<tool>", "hello world",
                 "ing", "the", "été", "<s >", "< s>", "<|endoftext|", "<<s>>", "</s></s>"],
}

SPACES = [" ", " ", " ", " ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", " \n ", "\r\n",
          "\u00a0", "\u2003", "\u3000", "\u200b", "\u2009", "    ", "        ", "", " \t "]

FIXED = [
    "", " ", "  ", "\t", "\n", "\n\n\n", " leading space", "trailing space ", "  both  ",
    "Hello world", "Hello, world!", "hello\tworld", "hello\nworld", "a  b   c    d",
    "I'm sure it's fine, isn't it? We'll see.", "The year 2024 had 366 days.",
    "<s>", "</s>", "<s>Hello</s>", " <s> ", "text<s>text", "<unk><unk>", "<|endoftext|>",
    "Hello<|endoftext|>World", " <|endoftext|> ", "<|im_start|>user\nhi<|im_end|>\n",
    "a [MASK] b", "a[MASK]b", "   [MASK]", "<tool>  x  <tool>", "sing the song", "the",
    "hello world", "hello worlds", "Hello world", "été", "étés", "ing", "ringing ing",
    "👨‍👩‍👧‍👦", "🏳️‍🌈🇫🇷", "e\u0301te\u0301", "\u0000", "\x7f", "\u00ad", "\ufeffBOM",
    "\ufffd", "\U0001F600\U0001F600\U0001F600", "1234567890" * 5, "x" * 300, " " * 40,
    "\t" * 10, "ab" * 100, "▁" * 10, "a▁b", "▁hello", "<0x41><0x42>",
    "    def indented():\n        pass\n", "line1\r\nline2\r\n", "trailing newline\n",
    "\n leading newline", "mixed 中文 and English 和 日本語", "😀😀 😀", "A\u030a\u0301",
]


def fragment(rng):
    kind = rng.choice(list(WORDS))
    return rng.choice(WORDS[kind])


def sentence(rng):
    n = rng.randint(1, 14)
    parts = []
    for _ in range(n):
        parts.append(fragment(rng))
        parts.append(rng.choice(SPACES) if rng.random() < 0.3 else " ")
    s = "".join(parts)
    if rng.random() < 0.3:
        s = s.strip()
    if rng.random() < 0.2:
        s = rng.choice(SPACES) + s
    if rng.random() < 0.3:
        s += rng.choice([".", "!", "?", "...", ",", ":", ";", " ", "  ", "\n"])
    return s


def monolingual(rng):
    kind = rng.choice(list(WORDS))
    words = [rng.choice(WORDS[kind]) for _ in range(rng.randint(1, 10))]
    sep = "" if kind in ("chinese", "japanese", "emoji") and rng.random() < 0.5 else " "
    return sep.join(words)


RANGES = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x5FF),
          (0x600, 0x6FF), (0x900, 0x97F), (0xE00, 0xE5B), (0x3040, 0x30FF), (0x4E00, 0x9FA5),
          (0xAC00, 0xD7A3), (0x1F300, 0x1F5FF), (0x2000, 0x206F), (0x300, 0x36F)]


def random_chars(rng):
    out = []
    for _ in range(rng.randint(1, 30)):
        lo, hi = rng.choice(RANGES)
        c = rng.randint(lo, hi)
        if 0xD800 <= c <= 0xDFFF:
            continue
        out.append(chr(c))
    return "".join(out)


def main():
    rng = random.Random(20240501)
    texts = list(FIXED)
    makers = [sentence] * 5 + [monolingual] * 3 + [random_chars]
    while len(texts) < 2500:
        texts.append(rng.choice(makers)(rng))
    for t in texts:
        print(json.dumps(t, ensure_ascii=False))


if __name__ == "__main__":
    main()
