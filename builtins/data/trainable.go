package data

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// listedRows is how many untrainable rows an error of
// Dataset.CheckTrainable names before it counts the rest.
const listedRows = 5

// CheckTrainable reports whether a conversation, as Conversation returns
// it, can be trained on: it must have an assistant turn and end with one,
// since training learns the assistant's replies and the last reply is the
// one a prompt leads to.
func CheckTrainable(turns []map[string]any) error {
	if len(turns) == 0 {
		return errors.New("no turns: training needs a conversation that ends with the assistant's reply")
	}
	last, _ := turns[len(turns)-1]["role"].(string)
	if last == "assistant" {
		return nil
	}
	if slices.ContainsFunc(turns, func(t map[string]any) bool { return t["role"] == "assistant" }) {
		return fmt.Errorf("ends with a %s turn: training needs the assistant's reply last; drop the turns after the last assistant turn", last)
	}
	return fmt.Errorf("no assistant turn (it ends with a %s turn): training needs the assistant's reply last; add the reply", last)
}

// CheckTrainable reads every conversation and checks it with the function
// CheckTrainable. It returns the first error of reading, or an error that
// names the rows that cannot be trained on (the first few, then a count).
func (ds *Dataset) CheckTrainable() error {
	var bad []string
	n := 0
	for i := range ds.rows {
		turns, err := ds.Conversation(i)
		if err != nil {
			return err
		}
		if err := CheckTrainable(turns); err != nil {
			n++
			if len(bad) < listedRows {
				bad = append(bad, fmt.Sprintf("%s: %v", ds.RowName(i), err))
			}
		}
	}
	if n == 0 {
		return nil
	}
	msg := strings.Join(bad, "; ")
	if n > len(bad) {
		msg += fmt.Sprintf("; and %d more", n-len(bad))
	}
	return fmt.Errorf("data: %s: %d of %d conversations cannot be trained on: %s", ds.title(), n, len(ds.rows), msg)
}
