// Package lora fine-tunes LLaMA-architecture models (package llama) with
// LoRA adapters, the way text-generation-webui's Train LoRA tab does, in a
// notebook cell:
//
//	ds, _ := data.Load("datasets/devil.jsonl")
//	f, _ := formats.Load("formats/alpaca-format.json")
//	run, err := lora.Train(ctx, model, lora.FromFormat(ds, f), lora.Config{
//		Name: "devil", Epochs: 2, Scheduler: "cosine", Warmup: 20, TrainOnlyAfter: "### Response:"})
//	model.WithAdapter(run.Adapter).Generate(ctx, prompt, llama.GenOptions{})
//
// Config holds every parameter of the tab, with its defaults; a zero field
// takes the default. Train formats and tokenizes every example before the
// first step, so that a bad row is an error at once, and estimates the
// memory the run needs. While it runs, a progress bar and a loss plot update
// in place; the interrupt button (ctx) stops it at the next step boundary,
// with the adapter and a checkpoint saved, and Resume continues it exactly.
//
// # Events
//
// The training loop (train.go) tells what happens to observers (observer.go):
// a BeginEvent with the plan, a StepEvent after each optimizer step (loss,
// learning rate, grad norm, tokens), an EvalEvent after each evaluation, a
// CheckpointEvent after each save, NoteEvents, and one EndEvent with the
// Run. The notebook's observer (notebook.go) comes first: it prints the
// plan and draws the bar and the plot. Config.Observers come next, a
// cell's own type with an Observe method or an ObserverFunc; one that
// returns Stop ends the run early, saved as on interrupt, its Status
// "stopped: " and why:
//
//	stop := lora.ObserverFunc(func(e lora.Event) error {
//		if e.Kind == lora.EvalEvent && e.EvalLoss < 1.5 {
//			return fmt.Errorf("eval loss %.3f is low enough: %w", e.EvalLoss, lora.Stop)
//		}
//		return nil
//	})
//	cfg.Observers = []lora.Observer{stop}
//	run, err := lora.Train(ctx, model, src, cfg)
//
// What a run trains is a trainable (trainable.go): an adapter over a frozen
// model for Train, every weight for TrainFull (full.go). It gives the
// variables, what is saved, what a checkpoint adds beside the optimizer's
// state and what a resume checks; the loop, the engine (engine.go: compiled
// accumulate, apply and eval graphs) and the checkpoints (checkpoint.go)
// are the same for both.
//
// # Semantics
//
// An adapter adds s·B·A·dropout(x) to each targeted linear module, A [r, in]
// drawn from U(±1/√in) and B [out, r] zero, s = alpha/r (alpha/√r with
// rsLoRA), as PEFT does. The loss of an optimizer step is the mean cross
// entropy over every scored token of its Batch/MicroBatch micro-batches;
// padding and, with TrainOnlyAfter, the prompt are never scored. The
// gradient is clipped to MaxGradNorm as torch.nn.utils.clip_grad_norm_ does,
// and the optimizer (Optimizers lists them, the table in optimizer.go holds
// them with a line each) updates the trained values: AdamW, Adam and SGD
// follow PyTorch's formulas, Adafactor transformers' Adafactor as its
// Trainer runs it for optim="adafactor" (relative_step and scale_parameter
// off, no first moment, factored second moments for matrices, update
// clipping 1.0, decay −0.8, eps 1e-30; TestAdafactorMatchesTransformers
// agrees within 1e-7 over five steps). Weight decay touches the adapter
// only. The learning rate of step s (from 0) is the scheduler's
// (package sched) at s, as Hugging Face's Trainer steps it. Examples are
// shuffled at each epoch by a permutation drawn from Seed and the epoch, so
// that a resumed run draws the same. Against PyTorch and PEFT
// (testdata/peft_reference.py) five steps agree within 1e-4.
//
// # What is trained
//
// Preview(src, model, n, cfg) shows the first examples of a Source as
// Train makes them: their tokens, the trained ones (the loss's targets)
// apart from the others, special tokens as the vocabulary writes them, the
// count against CutoffLen and where it cuts. Overflow says what becomes of
// an example longer than CutoffLen: "truncate" (the default) cuts it,
// "drop" leaves it out and the plan's notes name it. Before the first step
// Train refuses, naming the rows, an example with no trained token left
// (an answer past the cutoff, a TrainOnlyAfter string that is not there).
//
// Packing puts several examples in each row of CutoffLen tokens (first-fit
// decreasing, once, before the first step): attention never crosses
// examples and positions restart at each (package llama's packed rows), so
// an example's loss is its unpacked loss (TestPackingKeepsTheLoss agrees
// within 1e-6) while the padding a batch computes shrinks. On the
// quickstart's data (64 rows, CutoffLen 128, batches of 8) it trains 1.16
// times the scored tokens per second (go test -bench Packing: 7 steps
// against 8). cuDNN's fused attention (XLA CUDA, half-precision products)
// cannot keep packed examples apart: Train refuses Packing there unless
// GOMLX_FUSION=false.
//
// # Files
//
// OutputDir/Name holds PEFT's adapter_config.json and
// adapter_model.safetensors (so that peft.PeftModel.from_pretrained loads
// it), training_parameters.json (the Config; CopyParameters reads it back),
// training_prompt.json (the data's format), training_log.json (every step),
// and checkpoint-N folders with the optimizer state, the dropout generator
// and the data position. Every file is written to a temporary name and
// renamed, every checkpoint folder renamed into place when complete: a
// crash never leaves half an adapter, and the temporaries a killed save
// left are removed at the next save into the folder. SaveTotalLimit keeps
// only the newest checkpoints.
//
// # Runs in one folder
//
// Overwrite starts afresh and removes the earlier run's checkpoint folders
// (the log says which); a checkpoint folder of an earlier run under the name
// a new run saves to is replaced. Resume takes the newest checkpoint of the
// newest run (each checkpoint records when its run began), and refuses one
// whose run had other parameters — rank, learning rate, scheduler, batch
// sizes, seed, the data: all but those of saving, evaluating and stopping —
// naming the fields that differ.
//
// # Failures
//
// A Config is checked before anything is written: a number that is NaN or
// infinite, a CutoffLen beyond the model's positions (a default CutoffLen
// is cut to them) are refused. A run that a failed step or save ends (a
// full disk) returns the error and a Run whose Status is "failed: " and the
// error; the files saved before are intact. Without a tokenizer, Train says
// why the model has none (the file that did not parse).
//
// TrainFull trains all the weights instead, with the same loop; golora
// pretrains its tiny default model with it. Merge folds an adapter into a
// copy of the model's weights.
//
// An Adapter plugs into the model's forward pass as a llamagraph.Adapter,
// and the trainer builds its graphs on llama.GraphOf: the graph-level API
// (internal/llamagraph), which cells do not see.
//
// The memory estimate counts two moments per trained value whatever the
// optimizer: for sgd and adafactor, which keep fewer, it is an upper bound.
package lora
