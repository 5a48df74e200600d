package kernel

import (
	"context"
	"fmt"

	"github.com/golora/golora/cell"
	"github.com/golora/golora/output"
)

// errNoStdin is the input error of a request whose allow_stdin is false.
var errNoStdin = fmt.Errorf("%w (the request's allow_stdin is false)", cell.ErrNoInput)

// cellOutput is the cell.Output of one execute request: streams and displays
// become iopub messages whose parent is the request, input becomes an
// input_request on the stdin channel.
type cellOutput struct {
	k          *Kernel
	req        *Message
	allowStdin bool
}

func (o *cellOutput) Stream(name, text string) {
	o.k.publish(o.req, "stream", map[string]any{"name": name, "text": text})
}

func (o *cellOutput) Display(b output.Bundle, id output.ID) {
	content := map[string]any{"data": b.Data, "metadata": nonNilMap(b.Metadata), "transient": map[string]any{}}
	if id != "" {
		content["transient"] = map[string]any{"display_id": string(id)}
	}
	o.k.publish(o.req, "display_data", content)
}

func (o *cellOutput) Update(b output.Bundle, id output.ID) {
	o.k.publish(o.req, "update_display_data", map[string]any{"data": b.Data, "metadata": nonNilMap(b.Metadata), "transient": map[string]any{"display_id": string(id)}})
}

func (o *cellOutput) ClearOutput(wait bool) {
	o.k.publish(o.req, "clear_output", map[string]any{"wait": wait})
}

// Input sends an input_request to the client that sent the execute
// request and waits for its reply, or for the cell to be interrupted.
func (o *cellOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	if !o.allowStdin {
		return "", errNoStdin
	}
	// Forget a reply that came too late for an earlier request.
	select {
	case <-o.k.inputs:
	default:
	}
	o.k.reply(o.k.stdin, o.req, "input_request", map[string]any{"prompt": prompt, "password": password})
	select {
	case m := <-o.k.inputs:
		var c struct {
			Value string `json:"value"`
		}
		if err := decodeContent(m, &c); err != nil {
			return "", err
		}
		return c.Value, nil
	case <-ctx.Done():
		return "", ctx.Err()
	case <-o.k.stop:
		return "", context.Canceled
	}
}
