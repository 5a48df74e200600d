package kernel

import (
	"context"
	"time"

	"github.com/golora/golora/cell"
	"github.com/golora/golora/output"
)

// shellHandlers answer the shell channel; controlHandlers the control
// channel, which also takes kernel_info requests.
var (
	shellHandlers = map[string]handler{
		"kernel_info_request": (*Kernel).handleKernelInfoRequest,
		"execute_request":     (*Kernel).handleExecuteRequest,
		"complete_request":    (*Kernel).handleCompleteRequest,
		"inspect_request":     (*Kernel).handleInspectRequest,
		"is_complete_request": (*Kernel).handleIsCompleteRequest,
		"history_request":     (*Kernel).handleHistoryRequest,
		"comm_info_request":   (*Kernel).handleCommInfoRequest,
		"comm_open":           (*Kernel).handleCommOpen,
		"comm_msg":            (*Kernel).handleCommMsg,
		"comm_close":          (*Kernel).handleCommMsg,
		"connect_request":     (*Kernel).handleConnectRequest,
	}
	controlHandlers = map[string]handler{
		"kernel_info_request": (*Kernel).handleKernelInfoRequest,
		"interrupt_request":   (*Kernel).handleInterruptRequest,
		"shutdown_request":    (*Kernel).handleShutdownRequest,
	}
)

func (k *Kernel) handleKernelInfoRequest(_ context.Context, s *socket, req *Message) {
	links := k.info.HelpLinks
	if links == nil {
		links = []HelpLink{}
	}
	k.reply(s, req, "kernel_info_reply", map[string]any{
		"status":                 "ok",
		"protocol_version":       ProtocolVersion,
		"implementation":         k.info.Implementation,
		"implementation_version": k.info.ImplementationVersion,
		"language_info":          k.info.Language,
		"banner":                 k.info.Banner,
		"help_links":             links,
		"debugger":               false,
	})
}

type executeRequest struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent"`
	StoreHistory    *bool             `json:"store_history"`
	UserExpressions map[string]string `json:"user_expressions"`
	AllowStdin      *bool             `json:"allow_stdin"`
	StopOnError     *bool             `json:"stop_on_error"`
}

func (k *Kernel) handleExecuteRequest(ctx context.Context, s *socket, req *Message) {
	var c executeRequest
	if err := decodeContent(req, &c); err != nil {
		k.reply(s, req, "execute_reply", errorContent("BadRequest", err.Error(), nil))
		return
	}
	if k.aborted(req.Received) {
		k.reply(s, req, "execute_reply", map[string]any{"status": "aborted", "execution_count": k.count})
		return
	}
	store := !c.Silent && (c.StoreHistory == nil || *c.StoreHistory)
	if store {
		k.count++
	}
	count := k.count
	if !c.Silent {
		k.publish(req, "execute_input", map[string]any{"code": c.Code, "execution_count": count})
	}
	out := &cellOutput{k: k, req: req, allowStdin: c.AllowStdin == nil || *c.AllowStdin}
	cellCount := count
	if !store {
		cellCount = 0
	}
	res := k.eval.Execute(ctx, c.Code, cell.ExecOptions{Count: cellCount, StoreHistory: store}, out)
	if res.Err != nil {
		e := res.Err
		k.publish(req, "error", map[string]any{"ename": e.Name, "evalue": e.Value, "traceback": nonNil(e.Traceback)})
		content := errorContent(e.Name, e.Value, nonNil(e.Traceback))
		content["execution_count"] = count
		k.reply(s, req, "execute_reply", content)
		if c.StopOnError == nil || *c.StopOnError {
			k.abortQueued()
		}
		return
	}
	if res.Value != nil && !c.Silent {
		k.publish(req, "execute_result", map[string]any{"execution_count": count, "data": res.Value.Data, "metadata": nonNilMap(res.Value.Metadata)})
	}
	payload := []any{}
	if res.Page != nil {
		payload = append(payload, map[string]any{"source": "page", "data": res.Page.Data, "start": 0})
	}
	k.reply(s, req, "execute_reply", map[string]any{
		"status":           "ok",
		"execution_count":  count,
		"payload":          payload,
		"user_expressions": k.userExpressions(ctx, c.UserExpressions),
	})
}

// userExpressions evaluates the expressions a client asked for after a
// cell, each in its own silent execution.
func (k *Kernel) userExpressions(ctx context.Context, exprs map[string]string) map[string]any {
	out := map[string]any{}
	for name, expr := range exprs {
		res := k.eval.Execute(ctx, expr, cell.ExecOptions{}, discard{})
		switch {
		case res.Err != nil:
			out[name] = errorContent(res.Err.Name, res.Err.Value, nonNil(res.Err.Traceback))
		case res.Value != nil:
			out[name] = map[string]any{"status": "ok", "data": res.Value.Data, "metadata": nonNilMap(res.Value.Metadata)}
		default:
			out[name] = map[string]any{"status": "ok", "data": map[string]any{"text/plain": ""}, "metadata": map[string]any{}}
		}
	}
	return out
}

// abortQueued makes the execute requests that arrived before now (queued
// behind a failed cell) answer "aborted" instead of running.
func (k *Kernel) abortQueued() {
	k.abortMu.Lock()
	k.abortUntil = time.Now()
	k.abortMu.Unlock()
}

func (k *Kernel) aborted(arrived time.Time) bool {
	k.abortMu.Lock()
	defer k.abortMu.Unlock()
	return arrived.Before(k.abortUntil)
}

func (k *Kernel) handleCompleteRequest(_ context.Context, s *socket, req *Message) {
	var c struct {
		Code      string `json:"code"`
		CursorPos *int   `json:"cursor_pos"`
	}
	if err := decodeContent(req, &c); err != nil {
		k.reply(s, req, "complete_reply", errorContent("BadRequest", err.Error(), nil))
		return
	}
	cursor := len([]rune(c.Code))
	if c.CursorPos != nil {
		cursor = *c.CursorPos
	}
	comp := k.eval.Complete(c.Code, cursor)
	types := make([]map[string]any, len(comp.Matches))
	for i, m := range comp.Matches {
		types[i] = map[string]any{"start": comp.Start, "end": comp.End, "text": m, "type": comp.Kinds[i]}
	}
	k.reply(s, req, "complete_reply", map[string]any{
		"status":       "ok",
		"matches":      nonNil(comp.Matches),
		"cursor_start": comp.Start,
		"cursor_end":   comp.End,
		"metadata":     map[string]any{"_jupyter_types_experimental": types},
	})
}

func (k *Kernel) handleInspectRequest(_ context.Context, s *socket, req *Message) {
	var c struct {
		Code        string `json:"code"`
		CursorPos   *int   `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	if err := decodeContent(req, &c); err != nil {
		k.reply(s, req, "inspect_reply", errorContent("BadRequest", err.Error(), nil))
		return
	}
	cursor := len([]rune(c.Code))
	if c.CursorPos != nil {
		cursor = *c.CursorPos
	}
	b, found := k.eval.Inspect(c.Code, cursor, c.DetailLevel > 0)
	data := map[string]any{}
	if found {
		data = b.Data
	}
	k.reply(s, req, "inspect_reply", map[string]any{"status": "ok", "found": found, "data": data, "metadata": map[string]any{}})
}

func (k *Kernel) handleIsCompleteRequest(_ context.Context, s *socket, req *Message) {
	var c struct {
		Code string `json:"code"`
	}
	if err := decodeContent(req, &c); err != nil {
		k.reply(s, req, "is_complete_reply", map[string]any{"status": "unknown"})
		return
	}
	status, indent := k.eval.IsComplete(c.Code)
	content := map[string]any{"status": status}
	if status == "incomplete" {
		content["indent"] = indent
	}
	k.reply(s, req, "is_complete_reply", content)
}

func (k *Kernel) handleHistoryRequest(_ context.Context, s *socket, req *Message) {
	var c struct {
		Output         bool   `json:"output"`
		Raw            bool   `json:"raw"`
		HistAccessType string `json:"hist_access_type"`
		Session        int    `json:"session"`
		Start          int    `json:"start"`
		Stop           int    `json:"stop"`
		N              int    `json:"n"`
		Pattern        string `json:"pattern"`
		Unique         bool   `json:"unique"`
	}
	if err := decodeContent(req, &c); err != nil {
		k.reply(s, req, "history_reply", errorContent("BadRequest", err.Error(), nil))
		return
	}
	entries := k.eval.History(cell.HistoryQuery{Output: c.Output, AccessType: c.HistAccessType, Session: c.Session, Start: c.Start, Stop: c.Stop, N: c.N, Pattern: c.Pattern, Unique: c.Unique})
	history := make([]any, len(entries))
	for i, e := range entries {
		var item any = e.Input
		if c.Output {
			var out any
			if e.Output != "" {
				out = e.Output
			}
			item = []any{e.Input, out}
		}
		history[i] = []any{e.Session, e.Line, item}
	}
	k.reply(s, req, "history_reply", map[string]any{"status": "ok", "history": history})
}

func (k *Kernel) handleCommInfoRequest(_ context.Context, s *socket, req *Message) {
	k.reply(s, req, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
}

// handleCommOpen closes every comm a client opens: golora registers no
// comm targets.
func (k *Kernel) handleCommOpen(_ context.Context, _ *socket, req *Message) {
	var c struct {
		CommID     string `json:"comm_id"`
		TargetName string `json:"target_name"`
	}
	if err := decodeContent(req, &c); err != nil {
		k.log.Printf("comm_open: %v", err)
		return
	}
	k.log.Printf("comm_open: no comm target %q; closing comm %s", c.TargetName, c.CommID)
	k.publish(req, "comm_close", map[string]any{"comm_id": c.CommID, "data": map[string]any{}})
}

func (k *Kernel) handleCommMsg(_ context.Context, _ *socket, req *Message) {
	k.log.Printf("%s for a comm golora does not have (ignored)", req.Header.MsgType)
}

func (k *Kernel) handleConnectRequest(_ context.Context, s *socket, req *Message) {
	k.reply(s, req, "connect_reply", map[string]any{
		"status": "ok", "shell_port": k.conn.ShellPort, "iopub_port": k.conn.IOPubPort,
		"stdin_port": k.conn.StdinPort, "hb_port": k.conn.HBPort, "control_port": k.conn.ControlPort,
	})
}

func (k *Kernel) handleInterruptRequest(_ context.Context, s *socket, req *Message) {
	k.eval.Interrupt()
	k.reply(s, req, "interrupt_reply", map[string]any{"status": "ok"})
}

func (k *Kernel) handleShutdownRequest(_ context.Context, s *socket, req *Message) {
	var c struct {
		Restart bool `json:"restart"`
	}
	decodeContent(req, &c)
	k.eval.Interrupt()
	k.reply(s, req, "shutdown_reply", map[string]any{"status": "ok", "restart": c.Restart})
	k.shutdown(c.Restart)
}

// discard is the cell.Output of user expressions: they show nothing.
type discard struct{}

func (discard) Display(output.Bundle, output.ID)                    {}
func (discard) Update(output.Bundle, output.ID)                     {}
func (discard) ClearOutput(bool)                                    {}
func (discard) Stream(string, string)                               {}
func (discard) Input(context.Context, string, bool) (string, error) { return "", errNoStdin }

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
