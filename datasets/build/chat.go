package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// The conversation dataset is made from the training rows of the
// dictionaries, so that no evaluation row is in it.
const (
	chatName          = "chat-dictionary.jsonl"
	chatSource        = "dictionary-train.jsonl"
	chatConversations = 200
	chatMaxExchanges  = 3 // user questions a conversation has, from 1
	chatSystemShare   = 3 // one conversation in chatSystemShare has a system prompt
	chatSalt          = "golora-chat-dictionary-1"
)

// chatSystemPrompts are the system prompts a conversation may open with.
var chatSystemPrompts = [...]string{
	"You are a dictionary. Answer with the definition only.",
	"You define words from The Devil's Dictionary (Ambrose Bierce, 1911) and hacker terms from the Jargon File 4.4.7.",
	"Give a short definition of each term the user asks about.",
}

// message is one turn of a conversation, in OpenAI's form.
type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// buildChat makes chatConversations conversations from the JSON Lines
// text of chatSource: its rows in the order of a salted hash of their
// instruction, cut into conversations of 1 to chatMaxExchanges questions
// and answers (the instruction and the definition), the count and whether
// a system prompt comes first (and which) chosen by hashes of the
// conversation's number.
func buildChat(train []byte) (output, error) {
	type keyed struct {
		h uint32
		r row
	}
	var rows []keyed
	sc := bufio.NewScanner(bytes.NewReader(train))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return output{}, fmt.Errorf("%s: %w", chatSource, err)
		}
		rows = append(rows, keyed{hash32(chatSalt + r.Instruction), r})
	}
	if err := sc.Err(); err != nil {
		return output{}, err
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].h < rows[j].h })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	next := 0
	for c := range chatConversations {
		var turns []message
		if h := hash32(fmt.Sprintf("%s system %d", chatSalt, c)); h%chatSystemShare == 0 {
			turns = append(turns, message{"system", chatSystemPrompts[h/chatSystemShare%uint32(len(chatSystemPrompts))]})
		}
		n := 1 + int(hash32(fmt.Sprintf("%s exchanges %d", chatSalt, c))%chatMaxExchanges)
		if next+n > len(rows) {
			return output{}, fmt.Errorf("%s: %d rows are too few for %d conversations", chatSource, len(rows), chatConversations)
		}
		for _, k := range rows[next : next+n] {
			turns = append(turns, message{"user", k.r.Instruction}, message{"assistant", k.r.Output})
		}
		next += n
		if err := enc.Encode(struct {
			Messages []message `json:"messages"`
		}{turns}); err != nil {
			return output{}, err
		}
	}
	return output{Path: chatName, Data: buf.Bytes(), Rows: chatConversations}, nil
}
