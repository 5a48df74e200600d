package llama

import (
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/internal/llamagraph"
)

// GraphOf returns the graph-level API of m (its variable store and backend,
// its weights' variables, the forward pass and the loss built inside a
// graph), for Go code that builds GoMLX graphs with the model: package lora's
// trainer, the benchmark. It is the one exported name of package llama that
// the cells' symbol table leaves out (builtins/symbols), so that cells, which
// can neither build graphs nor name a dtype, see the cell API only.
func GraphOf(m *Model) llamagraph.Model { return graphView{m} }

// graphView is a model's graph-level API; see llamagraph.Model.
type graphView struct{ m *Model }

var _ llamagraph.Model = graphView{}

func (v graphView) Store() *model.Store { return v.m.store }

func (v graphView) Backend() compute.Backend { return v.m.backend }

func (v graphView) Weight(name string) *model.Variable { return v.m.weights[name] }

func (v graphView) LogitsGraph(scope *model.Scope, tokens, mask *Node) *Node {
	return v.m.logitsGraph(scope, tokens, mask)
}

func (v graphView) LossGraph(scope *model.Scope, tokens, mask, targets, weights *Node) *Node {
	return v.m.lossGraph(scope, tokens, mask, targets, weights)
}

func (v graphView) LossSumGraph(scope *model.Scope, tokens, mask, targets, weights *Node) (sum, count *Node) {
	return v.m.lossSumGraph(scope, tokens, mask, targets, weights)
}
