package tokenizer

import "sync"

// Limits of a wordCache: past either, it starts again empty.
const (
	cacheMaxWords  = 1 << 17
	cacheMaxTokens = 1 << 22
	cacheMaxKey    = 256 // bytes; longer words are not cached
)

// token is one token of a word: its id and the byte offset in the word
// where it starts.
type token struct {
	id  int32
	off int32
}

// wordCache remembers how words were tokenized. Text repeats words often,
// so most words are found here and never merged again. It is safe for
// concurrent use.
type wordCache struct {
	mu     sync.RWMutex
	spans  map[string]cacheSpan
	tokens []token
}

type cacheSpan struct{ start, n int32 }

func newWordCache() *wordCache {
	return &wordCache{spans: make(map[string]cacheSpan)}
}

// appendTo appends the cached tokens of word to dst and reports whether
// word was cached.
func (c *wordCache) appendTo(dst []token, word []byte) ([]token, bool) {
	c.mu.RLock()
	s, ok := c.spans[string(word)]
	if ok {
		dst = append(dst, c.tokens[s.start:s.start+s.n]...)
	}
	c.mu.RUnlock()
	return dst, ok
}

// put records the tokens of word.
func (c *wordCache) put(word []byte, toks []token) {
	if len(word) > cacheMaxKey {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.spans) >= cacheMaxWords || len(c.tokens)+len(toks) > cacheMaxTokens {
		c.spans = make(map[string]cacheSpan)
		c.tokens = nil
	}
	c.spans[string(word)] = cacheSpan{start: int32(len(c.tokens)), n: int32(len(toks))}
	c.tokens = append(c.tokens, toks...)
}
