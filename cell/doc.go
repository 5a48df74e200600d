// Package cell is the contract between a front end that runs cells and the
// evaluator that runs them: what a running cell writes to (Output), what
// an execution is asked (ExecOptions) and how it ends (Outcome, Error),
// and the answers to completion and history requests.
//
// The Jupyter kernel (package kernel) declares the Evaluator it needs in
// these types and golora's runtime (package runtime) implements it, so
// that neither imports the other; main.go wires them. The other front ends,
// runtime/notebook (`golora run`) and runtime/repl, provide an Output of
// their own. What a cell displays travels as package output's Bundle.
package cell
